"""Migration 0014: existing orders take confirmed_at / shipped_at from their status history."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, make_url, select, text
from tests.conftest import PG_URL

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.store.tables import Order

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
ORDERS = Order.__table__  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[str]:  # fmt: skip
    """A store with no schema at all (the shared test schema is already at head)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('m14') / 'old.db'}"
        return
    request.getfixturevalue("pg_schema_url")  # skips (or fails under CI) without PostgreSQL
    schema = f"m_{secrets.token_hex(4)}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_existing_orders_take_their_milestones_from_the_history(empty_url: str) -> None:
    engine = create_store_engine(empty_url)
    upgrade(engine, "0008")
    order = ("INSERT INTO orders (id, account_id, external_id, status, marketplace_status,"
             " created_at, source_updated_at, currency, items_total, total, content_hash,"
             " inserted_at, updated_at) VALUES (:id, 'a', :e, :s, :s, :t, :t, 'RUB', 1, 1, 'h',"
             " :t, :t)")  # fmt: skip
    change = ("INSERT INTO status_changes (order_id, to_status, at, source, recorded_at)"
              " VALUES (:id, :s, :at, 'poll', :at)")  # fmt: skip
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO accounts VALUES ('a', 'ozon', :t)"), {"t": T0})
        connection.execute(text(order), [
            {"id": 1, "e": "E1", "s": "delivered", "t": T0},
            {"id": 2, "e": "E2", "s": "ready_to_ship", "t": T0},
            {"id": 3, "e": "E3", "s": "cancelled", "t": T0},
            {"id": 4, "e": "E4", "s": "new", "t": T0},
        ])  # fmt: skip
        connection.execute(text(change), [
            {"id": 1, "s": "confirmed", "at": _at(2)}, {"id": 1, "s": "shipped", "at": _at(20)},
            {"id": 1, "s": "delivered", "at": _at(48)},
            {"id": 2, "s": "ready_to_ship", "at": _at(3)},
            {"id": 3, "s": "cancelled", "at": _at(1)},
        ])  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(ORDERS.c.id, ORDERS.c.confirmed_at, ORDERS.c.shipped_at).order_by(ORDERS.c.id)
        ).all()  # fmt: skip
        indexes = {row[0] for row in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name
            == "sqlite" else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        ))}  # fmt: skip
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, _at(2), _at(20)), (2, _at(3), None), (3, None, None),
                                        (4, None, None)]  # fmt: skip
    assert "ix_orders_created_report" in indexes
    assert "ix_orders_created_at" not in indexes
