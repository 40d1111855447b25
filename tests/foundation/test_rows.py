"""``execute_rows`` stores exactly what ``connection.execute`` stores, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from mpsync.store.rows import execute_rows
from mpsync.store.tables import Account, DomainEvent
from mpsync.store.upsert import insert_new_statement

EVENTS = DomainEvent.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
COLUMNS = ("key", "kind", "account_id", "order_id", "payload", "created_at")
MOSCOW = timezone(timedelta(hours=3))


def _row(key: str, at: datetime) -> tuple[object, ...]:
    payload = {"total": Decimal("1766.50"), "name": "Кружка", "at": at, "n": [1, 2]}
    return (key, "order.created", "acc", None, payload, at)


def _stored(engine: Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(select(EVENTS).order_by(EVENTS.c.key)).mappings()
        return {r["key"]: (r["kind"], r["payload"], r["created_at"]) for r in rows}


def test_rows_bind_like_sqlalchemy(store: Engine) -> None:
    at = datetime(2026, 6, 1, 15, 30, 0, 123456, tzinfo=MOSCOW)
    with store.begin() as connection:
        connection.execute(
            insert(ACCOUNTS), [{"id": "acc", "marketplace": "ozon", "created_at": at}]
        )
        reference = [dict(zip(COLUMNS, _row(f"a{i}", at), strict=True)) for i in range(3)]
        connection.execute(insert(EVENTS), reference)
        statement = insert_new_statement(connection.dialect.name, EVENTS, ("key",))
        execute_rows(connection, statement, COLUMNS, [_row(f"b{i}", at) for i in range(3)])
    stored = _stored(store)
    assert len(stored) == 6
    for i in range(3):
        assert stored[f"a{i}"] == stored[f"b{i}"]
    _kind, payload, created = stored["b0"]
    assert created == at.astimezone(UTC)
    assert payload == {"total": Decimal("1766.5"), "name": "Кружка", "at": at.isoformat(),
                       "n": [1, 2]}  # fmt: skip


def test_conflicts_are_skipped_and_errors_wrapped(store: Engine) -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    with store.begin() as connection:
        connection.execute(
            insert(ACCOUNTS), [{"id": "acc", "marketplace": "ozon", "created_at": at}]
        )
        statement = insert_new_statement(connection.dialect.name, EVENTS, ("key",))
        execute_rows(connection, statement, COLUMNS, [_row("k", at)])
        execute_rows(connection, statement, COLUMNS, [_row("k", at), _row("l", at)])
    assert sorted(_stored(store)) == ["k", "l"]
    with pytest.raises(IntegrityError), store.begin() as connection:
        plain = insert(EVENTS)
        execute_rows(connection, plain, COLUMNS, [_row("k", at)])
