"""Shared fixtures: a migrated store on SQLite and on the machine's PostgreSQL.

PostgreSQL comes from ``MPSYNC_TEST_PG_URL``; a run gets its own schema. When
the server is unreachable the PostgreSQL cases skip locally and fail in CI.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade

PG_URL = os.environ.get("MPSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# aiosmtpd's per-connection info records: a test SMTP server's thread may log after the
# test's capture ended, straight onto the runner's output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def _pg_unavailable(reason: str) -> None:
    message = f"PostgreSQL at {PG_URL} is not reachable: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests must run, not skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped after the session."""
    schema = f"t_{secrets.token_hex(4)}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        _pg_unavailable(str(exc.orig).splitlines()[0])
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            if row[0] != "alembic_version"
        ]
        if tables:
            joined = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty, migrated store; every test using it runs on both backends."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("store") / "mpsync.db"
        url = f"sqlite:///{path}"
        engine = create_store_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    url = str(request.getfixturevalue("pg_schema_url"))
    engine = create_store_engine(url)
    upgrade(engine)
    _reset_postgres(engine)
    engine.dispose()
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Engine]:
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _quiet_logs() -> None:
    """Tests log at warning level as JSON to stderr, like the daemon without a TTY."""
    import sys

    from mpsync.logging import configure_logging

    configure_logging("json", "warning", stream=sys.stderr)
