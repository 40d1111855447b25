"""Engine factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (psycopg 3).

Every connection to the store is made here so both backends behave alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.pool import QueuePool

from mpsync.store.types import dumps

SQLITE_BUSY_TIMEOUT_MS = 30_000


class StoreMissingError(LookupError):
    """A command that only reads was pointed at a SQLite file that does not exist."""


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite *url*; ``None`` for in-memory SQLite and other backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def describe_store(url: str | URL) -> str:
    """The store's URL for a log line: the password masked, a SQLite path made absolute."""
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///{path.absolute()}"
    return make_url(url).render_as_string(hide_password=True)


def create_store_engine(
    url: str | URL, *, echo: bool = False, pool_size: int = 5, create: bool = True
) -> Engine:
    """Return an engine for *url*, creating the SQLite file's directory if needed.

    With ``create=False`` a missing SQLite file raises ``StoreMissingError`` instead
    of becoming a new empty store (a mistyped path must not look like "no orders").
    """
    parsed = make_url(url)
    path = sqlite_path(parsed)
    if not create and path is not None and not path.exists():
        raise StoreMissingError(
            f"no store at {path.absolute()} (run `mpsync db upgrade` to create one)"
        )
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            parsed.set(drivername="postgresql+psycopg"),
            echo=echo,
            pool_size=pool_size,
            pool_pre_ping=True,
            json_serializer=dumps,
            hide_parameters=True,  # errors never show values (buyers' texts, replies)
        )
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}; use sqlite or postgresql"
    )


def _sqlite_engine(url: URL, echo: bool) -> Engine:
    database = url.database or ""
    memory = database in ("", ":memory:")
    if not memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Connections are pooled: reopening one per page would redo the PRAGMAs and,
    # for the last connection of a WAL database, checkpoint on every close.
    kwargs: dict[str, Any] = {"echo": echo, "json_serializer": dumps}
    if not memory:
        kwargs["poolclass"] = QueuePool
        kwargs["pool_size"] = 5
    kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    kwargs["hide_parameters"] = True  # errors never show values (buyers' texts, replies)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock up front: two writers never deadlock upgrading a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
