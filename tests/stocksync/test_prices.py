"""``prices plan`` on a hand-worked fixture: markup, fixed add, rounding to …9, the floor
from product costs, the crossed-out price rule, only changes, and Ozon's limit of 10 price
changes an hour per product (swagger ``/v1/product/import/prices``, salacoste/
ozon-daytona-seller-api ozon-swagger-docs/swagger.json: "Цену каждого товара можно
обновлять не больше 10 раз в час"); ``prices apply`` through a fake connector."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, select

from mpsync.connector.base import PriceUpdate, WriteResult
from mpsync.stocksync.prices import apply_prices, round_up
from mpsync.stocksync.service import price_plan, set_base_price
from mpsync.store.tables import Price, ProductCost, StockPushLog
from tests.stocksync.fixture import T0, add_accounts, add_listings, settings

RULES = {
    "wb": {"markup": "20%", "round": "9", "min_margin": "10%"},
    "oz": {"markup": "10%", "add": 50, "min_margin": "10%", "old_price": "25%"},
}


def _settings() -> Any:
    return settings({"wb": {}, "oz": {}, "ym": {}}, prices=RULES)


def _fixture(store: Engine) -> Any:
    config = _settings()
    add_accounts(store, ["wb", "oz", "ym"])
    add_listings(store, [(a, s, (), None) for s in ("A", "B", "C") for a in ("wb", "oz", "ym")])
    for sku, base in (("A", "1000"), ("B", "100"), ("C", "500")):
        set_base_price(store, config, sku, Decimal(base), now=T0)
    with store.begin() as connection:
        connection.execute(ProductCost.__table__.insert(), [  # type: ignore[attr-defined]
            {"sku": "A", "valid_from": date(2026, 1, 1), "cost": Decimal(700), "currency": "RUB"},
            {"sku": "B", "valid_from": date(2026, 1, 1), "cost": Decimal(90), "currency": "RUB"},
            {"sku": "B", "valid_from": date(2026, 11, 1), "cost": Decimal(150),
             "currency": "RUB"},
            {"sku": "B", "valid_from": date(2027, 1, 1), "cost": Decimal(1), "currency": "RUB"},
        ])  # fmt: skip
        connection.execute(Price.__table__.insert(), [  # type: ignore[attr-defined]
            {"account_id": "wb", "sku": "C", "price": Decimal(609), "old_price": None,
             "currency": "RUB", "updated_at": T0},
            {"account_id": "oz", "sku": "C", "price": Decimal(600), "old_price": Decimal(750),
             "currency": "RUB", "updated_at": T0},
            {"account_id": "oz", "sku": "A", "price": Decimal(990), "old_price": None,
             "currency": "RUB", "updated_at": T0},
        ])  # fmt: skip
    return config


def test_rounding_up_to_an_ending() -> None:
    assert round_up(Decimal(1200), "9") == 1209
    assert round_up(Decimal("1209.5"), "9") == 1219
    assert round_up(Decimal(1199), "99") == 1199 and round_up(Decimal(1200), "99") == 1299
    assert round_up(Decimal("10.001"), "") == Decimal("10.01")


def test_prices_plan_equals_the_figures_worked_out_by_hand(store: Engine) -> None:
    config = _fixture(store)
    now = T0 + timedelta(hours=1)
    with store.begin() as connection:  # oz:B used its 10 changes within the hour
        connection.execute(StockPushLog.__table__.insert(), [  # type: ignore[attr-defined]
            {"account_id": "oz", "kind": "price", "sku": "B", "warehouse": "", "ok": True,
             "at": now - timedelta(minutes=5 * n)} for n in range(10)])  # fmt: skip
    # A (base 1000, cost 700): wb 1000 × 1.2 = 1200 → …9 = 1209; oz 1000 × 1.1 + 50 = 1150,
    # old 1150 × 1.25 = 1437.50 (reads 990 now). B (base 100, cost 150 since 1 Nov): wb 120
    # is below the floor 150 × 1.1 = 165 → 169; oz 160 → 165, old 206.25, but its 10
    # changes of the hour are used. C: wb reads 609 and oz 600 / 750 already: no rows.
    # ym has no price rule.
    rows = [row.as_json() for row in price_plan(store, config, now=now)]
    assert rows == [
        {"account": "oz", "sku": "A", "current": "990.00", "target": "1150.00",
         "old_price": "1437.50", "current_old_price": None,
         "reason": "base 1000.00 + 10% + 50.00 = 1150.00; old price +25% → 1437.50"},
        {"account": "oz", "sku": "B", "current": None, "target": "165.00",
         "old_price": "206.25", "current_old_price": None,
         "reason": "base 100.00 + 10% + 50.00 = 160.00; floor cost 150.00 + 10% = 165.00; "
                   "old price +25% → 206.25; waits: 10 changes per 60 min used"},
        {"account": "wb", "sku": "A", "current": None, "target": "1209.00", "old_price": None,
         "current_old_price": None,
         "reason": "base 1000.00 + 20% = 1200.00; rounded to …9 → 1209.00"},
        {"account": "wb", "sku": "B", "current": None, "target": "169.00", "old_price": None,
         "current_old_price": None,
         "reason": "base 100.00 + 20% = 120.00; floor cost 150.00 + 10% = 165.00; "
                   "rounded to …9 → 169.00"},
    ]  # fmt: skip


class PriceConnector:
    def __init__(self, account: str) -> None:
        self.account = SimpleNamespace(id=account)
        self.capabilities = SimpleNamespace(actions=frozenset({"push_prices"}))
        self.calls: list[list[PriceUpdate]] = []

    async def push_prices(self, items: Sequence[PriceUpdate]) -> WriteResult:
        self.calls.append(list(items))
        return WriteResult(True, f"{len(items)} price(s) sent")


def test_prices_apply_sends_only_what_may_go_and_keeps_every_answer(store: Engine) -> None:
    config = _fixture(store)
    rows = price_plan(store, config, now=T0)
    fakes: dict[str, Any] = {"wb": PriceConnector("wb"), "oz": PriceConnector("oz")}
    done = asyncio.run(apply_prices(store, rows, fakes, now=T0))
    assert [(u.sku, u.price, u.old_price) for u in fakes["oz"].calls[0]] == [
        ("A", Decimal(1150), Decimal("1437.50")),
        ("B", Decimal(165), Decimal("206.25")),
    ]
    assert len(done.sent) == 4 and not done.failed
    with store.connect() as connection:
        log = connection.execute(select(StockPushLog.__table__)).all()  # type: ignore[attr-defined]
    assert len(log) == 4 and all(r.ok for r in log)


def test_a_feed_with_a_price_column_sets_the_base_prices(store: Engine, tmp_path: Any) -> None:
    from mpsync.stocksync.service import poll_feed

    feed = tmp_path / "feed.csv"
    feed.write_text("sku,quantity,price\nA,3,1000\nB,1,\n", encoding="utf-8")
    config = settings({"wb": {}, "oz": {}}, prices=RULES, source={"url": str(feed)})
    add_accounts(store, ["wb", "oz"])
    add_listings(store, [(a, s, (), None) for s in ("A", "B") for a in ("wb", "oz")])
    asyncio.run(poll_feed(store, config, config.stock.source, now=T0))  # type: ignore[union-attr,arg-type]
    rows = {(r.account, r.sku): r.target for r in price_plan(store, config, now=T0)}
    assert rows == {("oz", "A"): Decimal(1150), ("wb", "A"): Decimal(1209)}
