"""``stock plan`` on a hand-worked fixture, reservations through an order's life, and the
guard refusing a feed that zeroes half of an account's listings (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from mpsync.stocksync.ledger import on_hand
from mpsync.stocksync.plan import build_plan
from mpsync.stocksync.service import poll_feed, set_stock
from tests.stocksync.fixture import (
    T0,
    add_accounts,
    add_listings,
    add_order,
    set_status,
    settings,
)

ACCOUNTS = {"wb": {}, "oz": {"buffer": "20%"}, "ym": {"buffer": 1, "max_listed": 3}}


def _fixture(store: Engine, tmp_path: Path) -> object:
    links = tmp_path / "links.csv"
    links.write_text("item,account,sku\nB,wb,B-WB\nB,ym,B-YM\n", encoding="utf-8")
    config = settings(ACCOUNTS, links=str(links))
    add_accounts(store, ["wb", "oz", "ym"])
    add_listings(
        store,
        [
            ("wb", "A", (), 10),
            ("oz", "A", (), 10),
            ("ym", "A", (), 10),
            ("wb", "B-WB", ("4600000000111",), 1),
            ("oz", "B-OZ", ("4600000000111",), 1),
            ("ym", "B-YM", (), None),
            ("wb", "C", (), 2),
            ("wb", "D", (), 4),
            ("oz", "D", (), 2),
        ],
    )
    set_stock(store, config, {"A": 10, "B-OZ": 1, "D": 4}, reason="count", source="set", now=T0)
    add_order(store, "wb", "wb-1", "new", [("A", 2)])
    add_order(store, "ym", "ym-1", "confirmed", [("A", 1)])
    add_order(store, "oz", "oz-0", "shipped", [("A", 5)])  # first seen handed over: not ours
    return config


def test_stock_plan_equals_the_figures_worked_out_by_hand(store: Engine, tmp_path: Path) -> None:
    config = _fixture(store, tmp_path)
    plan = build_plan(store, config, now=T0)  # type: ignore[arg-type]
    # A: 10 on hand, 2 + 1 reserved (wb-1, ym-1) → 7 free. wb: no buffer → 7; oz: 20 % of 7
    # is 1.4, rounded up 2 → 5; ym: 7 − 1 = 6, capped at 3. B (B-WB and B-OZ share a barcode,
    # B-YM by links.csv): 1 free; wb reads 1 already; oz: 1 − ceil(0.2) = 0; ym: 1 − 1 = 0,
    # never read, pushed to the warehouse its other reads list. C: never set: no row.
    # D: 4 free; wb reads 4 already; oz: 4 − ceil(0.8) = 3.
    assert [row.as_json() for row in plan.rows] == [
        {
            "account": "oz",
            "sku": "A",
            "warehouse": "22142605386000",
            "current": 10,
            "target": 5,
            "reason": "on hand 10 − reserved 3 − buffer 2 (20%) = 5",
        },
        {
            "account": "oz",
            "sku": "B-OZ",
            "warehouse": "22142605386000",
            "current": 1,
            "target": 0,
            "reason": "on hand 1 − reserved 0 − buffer 1 (20%) = 0",
        },
        {
            "account": "oz",
            "sku": "D",
            "warehouse": "22142605386000",
            "current": 2,
            "target": 3,
            "reason": "on hand 4 − reserved 0 − buffer 1 (20%) = 3",
        },
        {
            "account": "wb",
            "sku": "A",
            "warehouse": "507",
            "current": 10,
            "target": 7,
            "reason": "on hand 10 − reserved 3 = 7",
        },
        {
            "account": "ym",
            "sku": "A",
            "warehouse": "7654321",
            "current": 10,
            "target": 3,
            "reason": "on hand 10 − reserved 3 − buffer 1 = 6, max listed 3",
        },
        {
            "account": "ym",
            "sku": "B-YM",
            "warehouse": "7654321",
            "current": None,
            "target": 0,
            "reason": "on hand 1 − reserved 0 − buffer 1 = 0",
        },
    ]
    assert plan.links.item_of[("ym", "B-YM")] == plan.links.item_of[("oz", "B-OZ")] == "B"
    assert all(row.push for row in plan.rows) and not plan.refused


def test_cancellation_releases_and_handover_consumes_once(store: Engine, tmp_path: Path) -> None:
    config = _fixture(store, tmp_path)
    build_plan(store, config, now=T0)  # type: ignore[arg-type]
    set_status(store, _order_id(store, "wb-1"), "cancelled")  # 2 units back
    set_status(store, _order_id(store, "ym-1"), "shipped")  # handed over: 1 unit leaves
    plan = build_plan(store, config, now=T0 + timedelta(minutes=1))  # type: ignore[arg-type]
    build_plan(store, config, now=T0 + timedelta(minutes=2))  # type: ignore[arg-type]
    with store.connect() as connection:
        assert on_hand(connection, ["A"]) == {"A": 9}
    wb = next(row for row in plan.rows if (row.account, row.sku) == ("wb", "A"))
    assert (wb.target, wb.reason) == (9, "on hand 9 − reserved 0 = 9")


def _order_id(store: Engine, external_id: str) -> int:
    from sqlalchemy import select

    from mpsync.store.tables import Order

    table = Order.__table__  # type: ignore[attr-defined]
    with store.connect() as connection:
        return int(
            connection.execute(
                select(table.c.id).where(table.c.external_id == external_id)
            ).scalar_one()
        )


def test_the_guard_refuses_a_feed_that_zeroes_half_of_the_listings(
    store: Engine, tmp_path: Path
) -> None:
    import asyncio

    config = settings({"wb": {}, "oz": {}})
    add_accounts(store, ["wb", "oz"])
    skus = [f"S{n:02d}" for n in range(10)]
    add_listings(store, [(a, sku, (), 3) for sku in skus for a in ("wb", "oz")])
    set_stock(store, config, dict.fromkeys(skus, 3), reason="count", source="set", now=T0)
    assert build_plan(store, config, now=T0).rows == []  # type: ignore[arg-type]
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "sku,quantity\n" + "".join(f"{sku},{0 if n < 5 else 3}\n" for n, sku in enumerate(skus)),
        encoding="utf-8",
    )
    config = settings({"wb": {}, "oz": {}}, source={"url": str(feed)})
    asyncio.run(poll_feed(store, config, config.stock.source, now=T0))  # type: ignore[union-attr,arg-type]
    plan = build_plan(store, config, now=T0)  # type: ignore[arg-type]
    assert len(plan.rows) == 10 and not any(row.push for row in plan.rows)
    assert set(plan.refused) == {"wb", "oz"}
    assert "5 of the 10 listings offered would go to 0" in plan.refused["oz"]
    # The seller checked the feed: --force lets it through.
    forced = build_plan(store, config, now=T0, force=True)  # type: ignore[arg-type]
    assert len(forced.pushes) == 10


def test_a_refused_propagation_is_told_and_a_switched_off_account_gets_nothing(
    store: Engine, tmp_path: Path
) -> None:
    import asyncio

    from sqlalchemy import select

    from mpsync.stocksync.propagate import propagate
    from mpsync.store.tables import DomainEvent, OutboxMessage
    from tests.stocksync.test_propagate import FakeConnector

    config = settings({"wb": {"push": False}, "oz": {}}, guard="30%", guard_min=2)
    config = config.model_copy(
        update={
            "notifications": config.notifications.model_validate(
                {
                    "channels": [{"name": "log", "type": "console"}],
                    "rules": [{"events": ["stock.guard_refused"], "channels": ["log"]}],
                }
            )
        }
    )
    add_accounts(store, ["wb", "oz"])
    add_listings(store, [(a, s, (), 2) for s in ("A", "B", "C") for a in ("wb", "oz")])
    set_stock(store, config, {"A": 0, "B": 0, "C": 2}, reason="count", source="set", now=T0)
    fakes = {"wb": FakeConnector("wb", None), "oz": FakeConnector("oz", None)}
    done = asyncio.run(propagate(store, config, fakes, now=T0))  # type: ignore[arg-type]
    assert fakes["wb"].calls == [] and fakes["oz"].calls == [] and done.sent == []
    held = {(r.account, r.sku): r.reason for r in done.plan.rows}
    assert held[("wb", "A")].endswith("held: stock.push = false")
    assert "refused by the guard: 2 of the 3 listings" in held[("oz", "A")]
    with store.connect() as connection:
        kinds = connection.execute(select(DomainEvent.__table__.c.kind)).scalars().all()  # type: ignore[attr-defined]
        outbox = connection.execute(select(OutboxMessage.__table__.c.event_kind)).scalars().all()  # type: ignore[attr-defined]
    assert kinds == ["stock.guard_refused"] and outbox == ["stock.guard_refused"]
