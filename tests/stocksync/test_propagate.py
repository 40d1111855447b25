"""One propagation: each account's changes in one connector call, every push kept with its
answer, the Ozon pair interval honoured, refusals told to the seller (SQLite, PostgreSQL).

Ozon: swagger ``/v2/products/stocks`` (salacoste/ozon-daytona-seller-api,
ozon-swagger-docs/swagger.json): "Обновлять остатки у одной пары товар-склад можно только
1 раз в 30 секунд".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, select

from mpsync.connector.base import StockUpdate, WriteResult
from mpsync.stocksync.propagate import propagate
from mpsync.stocksync.service import set_stock
from mpsync.store.tables import DomainEvent, InventoryPush, StockPushLog
from tests.stocksync.fixture import T0, add_accounts, add_listings, settings


class FakeConnector:
    """Takes stock pushes and answers as told; remembers every call."""

    def __init__(
        self, account: str, interval: timedelta | None, refuse: frozenset[str] = frozenset()
    ):
        self.account = SimpleNamespace(id=account)
        self.capabilities = SimpleNamespace(actions=frozenset({"push_stock"}))
        self.push_ids: dict[str, tuple[str, ...]] = {}
        self.stock_pair_interval = interval
        self.refuse = refuse
        self.calls: list[list[StockUpdate]] = []

    async def push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        self.calls.append(list(items))
        bad = [{"offer_id": i.sku, "errors": ["NOT_FOUND"]} for i in items if i.sku in self.refuse]
        return WriteResult(not bad, "; ".join("NOT_FOUND" for _ in bad), {"rejected": bad})


def _rows(store: Engine, table: Any) -> list[Any]:
    with store.connect() as connection:
        return list(connection.execute(select(table.__table__)))


def test_propagation_pushes_once_per_account_and_waits_for_the_ozon_pair(store: Engine) -> None:
    config = settings({"wb": {}, "oz": {}})
    add_accounts(store, ["wb", "oz"])
    add_listings(store, [(a, s, (), 0) for s in ("A", "B", "C") for a in ("wb", "oz")])
    set_stock(store, config, {"A": 2, "B": 1, "C": 0}, reason="count", source="set", now=T0)
    wb, oz = FakeConnector("wb", None), FakeConnector("oz", timedelta(seconds=30), frozenset({"B"}))
    connectors: dict[str, Any] = {"wb": wb, "oz": oz}
    done = asyncio.run(propagate(store, config, connectors, now=T0))
    assert [[(u.sku, u.quantity) for u in call] for call in wb.calls] == [[("A", 2), ("B", 1)]]
    assert len(oz.calls) == 1 and len(done.sent) == 3
    assert done.failed == {("oz", "B", "22142605386000"): "NOT_FOUND"}
    log = _rows(store, StockPushLog)
    assert sorted((r.account_id, r.sku, r.ok) for r in log) == [
        ("oz", "A", True),
        ("oz", "B", False),
        ("wb", "A", True),
        ("wb", "B", True),
    ]
    states = {(r.account_id, r.sku): r.state for r in _rows(store, InventoryPush)}
    assert states[("oz", "B")] == "refused" and states[("wb", "A")] == "pending"
    kinds = sorted(r.kind for r in _rows(store, DomainEvent))
    assert kinds == ["stock.push_refused"]
    # 10 s later A sells out: WB is pushed at once, the Ozon pair set 10 s ago waits 20 s.
    set_stock(store, config, {"A": 0}, reason="sold in the shop", source="set", now=T0)
    later = asyncio.run(propagate(store, config, connectors, now=T0 + timedelta(seconds=10)))
    assert [(r.account, r.sku, r.target) for r in later.sent] == [("wb", "A", 0)]
    held = [r for r in later.plan.rows if not r.push]
    assert [(r.account, r.sku) for r in held] == [("oz", "A")]
    assert "waits 20s" in held[0].reason
    # The refused B (same figure) is not sent again; 30 s on, A goes to Ozon too.
    last = asyncio.run(propagate(store, config, connectors, now=T0 + timedelta(seconds=31)))
    assert [(r.account, r.sku, r.target) for r in last.sent] == [("oz", "A", 0)]
    assert "stock.out_everywhere" in {r.kind for r in _rows(store, DomainEvent)}
