"""The page writer for stock and prices: bulk upsert, unchanged on replay, changed keys counted."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, text

from mpsync.domain import PriceRecord, StockRecord
from mpsync.mapping import MappedPage, MappingFailure
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _page(on_hand: int, price: str) -> MappedPage:
    stock = [StockRecord(account_id="oz", sku=f"SKU-{i}", warehouse="W1", on_hand=on_hand + i,
                         reserved=1) for i in range(50)]  # fmt: skip
    prices = [PriceRecord(account_id="oz", sku=f"SKU-{i}", price=Decimal(price),
                          currency="RUB") for i in range(50)]  # fmt: skip
    return MappedPage(records=[*stock, *prices],
                      failures=[MappingFailure({"sku": None}, "sku is missing", "sku")])  # fmt: skip


def test_stock_and_prices_upsert_then_replay_is_unchanged(store: Engine) -> None:
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz", "marketplace": "ozon",  # type: ignore[attr-defined]
                    "created_at": NOW}], ["id"], update=[], returning=None)  # fmt: skip
    target = PageTarget("oz", "ozon", "stock", "stock")
    results = []
    for on_hand, price in ((10, "99.90"), (10, "99.90"), (11, "99.90")):
        with store.begin() as connection:
            results.append(write_page(connection, None, target, _page(on_hand, price), now=NOW))
    first, replay, changed = results
    assert (first.inserted, first.updated, first.dead_lettered) == (100, 0, 1)
    assert (replay.inserted, replay.updated, replay.unchanged) == (0, 0, 100)
    assert (changed.updated, changed.unchanged) == (50, 50)
    with store.connect() as connection:
        row = connection.execute(text(
            "SELECT on_hand, reserved FROM stock_levels WHERE sku = 'SKU-3'")).one()  # fmt: skip
        letters = connection.execute(text("SELECT attempts FROM dead_letters")).scalars().all()
    assert tuple(row) == (14, 1)
    assert letters == [3]  # one dead letter, seen three times
