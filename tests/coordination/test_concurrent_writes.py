"""Two transactions writing the same rows at once (a push on one replica, a poll on
another): found by the three-replica test, pinned here without processes.

On PostgreSQL (read committed) a writer that looked before the other committed used to
plan the same new order twice (duplicate lines) or lose the id of a catalogue row the
other inserted (KeyError). The second writer is held exactly while the first is open:
the test waits until PostgreSQL reports it blocked, then commits the first.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from mpsync.domain import OrderLineRecord, OrderRecord, OrderStatus
from mpsync.store import upsert
from mpsync.store.tables import Account, Product
from mpsync.sync.orders import write_orders

T1 = datetime(2026, 11, 1, 12, tzinfo=UTC)
PRODUCTS = Product.__table__  # type: ignore[attr-defined]


def _order(external_id: str) -> OrderRecord:
    lines = tuple(
        OrderLineRecord(line_no=n, sku=f"SKU-{n}", quantity=1, unit_price=Decimal("10.00"),
                        total=Decimal("10.00"))
        for n in (1, 2)
    )  # fmt: skip
    return OrderRecord(
        account_id="oz", external_id=external_id, status=OrderStatus.NEW,
        marketplace_status="awaiting_packaging", created_at=T1 - timedelta(hours=1),
        source_updated_at=T1, currency="RUB", items_total=Decimal("20.00"),
        total=Decimal("20.00"), lines=lines,
    )  # fmt: skip


def _account(store: Engine) -> None:
    with store.begin() as connection:
        connection.execute(insert(Account.__table__),  # type: ignore[attr-defined]
                           {"id": "oz", "marketplace": "ozon", "created_at": T1})  # fmt: skip


def _write(store: Engine, records: list[OrderRecord]) -> None:
    with store.begin() as connection:
        write_orders(connection, "oz", "ozon", records, source="webhook", now=T1)


def _blocked(store: Engine) -> bool:
    with store.connect() as connection:
        waiting = connection.execute(text(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND state = 'active'")).scalar_one()  # fmt: skip
    return int(waiting) > 0


def test_two_writers_of_one_new_order_take_turns(store: Engine) -> None:
    if store.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    _account(store)
    page = [_order("P-1"), _order("P-2")]
    errors: list[BaseException] = []
    with store.begin() as first:
        write_orders(first, "oz", "ozon", page, source="poll", now=T1)

        def second() -> None:
            try:
                _write(store, list(reversed(page)))
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        for _ in range(2000):
            if _blocked(store):
                break
        else:
            pytest.fail("the second writer never waited for the first")
    thread.join(timeout=30)
    assert errors == []
    with store.connect() as connection:
        lines = connection.execute(text("SELECT COUNT(*) FROM order_lines")).scalar_one()
        orders = connection.execute(text("SELECT COUNT(*) FROM orders")).scalar_one()
    assert (orders, lines) == (2, 4)


def test_a_row_another_writer_inserted_after_the_look_up_keeps_its_id(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race in ``bulk_upsert``, made certain: the look-up misses a row that exists."""
    _account(store)
    row = {"account_id": "oz", "sku": "SKU-1", "name": "Лампа", "updated_at": T1}
    with store.begin() as connection:
        connection.execute(insert(PRODUCTS), row)
    looked_up = upsert._existing_keys
    calls: list[int] = []

    def stale_first_look(*args: Any) -> Any:
        calls.append(1)
        return {} if len(calls) == 1 else looked_up(*args)

    monkeypatch.setattr(upsert, "_existing_keys", stale_first_look)
    with store.begin() as connection:
        result = upsert.bulk_upsert(connection, PRODUCTS, [row], ["account_id", "sku"],
                                    compare=["name"], update=["name", "updated_at"])  # fmt: skip
    assert result.unchanged == {("oz", "SKU-1")}
    assert set(result.ids) == {("oz", "SKU-1")}
