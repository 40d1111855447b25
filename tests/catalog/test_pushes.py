"""Stock and price pushes read back: recorded when sent, judged by the next read that
started after them (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text

from mpsync.catalog.pushes import price_sent, push_column, record_push, stock_sent
from mpsync.connector.base import WriteResult
from mpsync.domain import PriceRecord, StockRecord
from mpsync.inventory import list_prices, list_stock
from mpsync.mapping import MappedPage
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

T1 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _account(store: Engine) -> None:
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz",  # type: ignore[attr-defined]
                    "marketplace": "ozon", "created_at": T1}], ["id"], update=[],
                    returning=None)  # fmt: skip


def _read(store: Engine, records: list[Any], read_at: datetime | None) -> None:
    kind = "stock" if isinstance(records[0], StockRecord) else "price"
    target = PageTarget("oz", "ozon", kind, kind, read_at=read_at)
    with store.begin() as connection:
        write_page(connection, None, target, MappedPage(records=records), now=T1)


def _stock(on_hand: int, reserved: int = 0) -> StockRecord:
    return StockRecord(account_id="oz", sku="A", warehouse="7", on_hand=on_hand, reserved=reserved)


def _price(price: str, old_price: str | None = None) -> PriceRecord:
    return PriceRecord(account_id="oz", sku="A", price=Decimal(price), currency="RUB",
                       old_price=Decimal(old_price) if old_price else None)  # fmt: skip


def _push(store: Engine, kind: str, sent: dict[str, Any], ok: bool = True,
          answer: str = "") -> None:  # fmt: skip
    key = ("A", "7" if kind == "stock" else "")
    record_push(store, "oz", kind, key, sent, {"product_id": "1"}, WriteResult(ok, answer), T1)


def test_a_stock_push_is_pending_then_taken_or_differs_by_available(store: Engine) -> None:
    _account(store)
    _read(store, [_stock(3)], T1 - timedelta(hours=1))
    _push(store, "stock", stock_sent(5))
    (row,) = list_stock(store)
    assert row["push"] == "pending" and row["last_push"]["ids"] == {"product_id": "1"}
    # A read that began before the push cannot judge it.
    _read(store, [_stock(3)], T1 - timedelta(seconds=1))
    assert list_stock(store)[0]["push"] == "pending"
    # The marketplace shows 3 available: it did not take 5.
    _read(store, [_stock(3)], T1 + timedelta(minutes=10))
    assert list_stock(store)[0]["push"] == "differs (sent 5, reads 3)"
    # Available is on hand less reserved (Ozon: the pushed stock excludes reserved units).
    _read(store, [_stock(7, reserved=2)], T1 + timedelta(minutes=20))
    row = list_stock(store)[0]
    assert row["push"] == "taken" and row["last_push"]["read"] == {"available": 5}
    # Taken stays taken: later changes are sales, not the push's fate.
    _read(store, [_stock(1)], T1 + timedelta(minutes=30))
    assert list_stock(store)[0]["push"] == "taken"


def test_a_price_push_compares_what_was_sent(store: Engine) -> None:
    _account(store)
    _read(store, [_price("100", "150")], T1 - timedelta(hours=1))
    _push(store, "price", price_sent(Decimal("120"), Decimal("150"), None))
    _read(store, [_price("100", "150")], T1 + timedelta(minutes=1))
    assert list_prices(store)[0]["push"] == "differs (sent 120.00, reads 100.00)"
    _read(store, [_price("120.00", "150")], T1 + timedelta(minutes=2))
    assert list_prices(store)[0]["push"] == "taken"
    # A cleared old price is not compared (a marketplace may show the undiscounted price).
    _push(store, "price", price_sent(Decimal("130"), None, None))
    _read(store, [_price("130", "130")], T1 + timedelta(minutes=3))
    assert list_prices(store)[0]["push"] == "taken"
    _push(store, "price", price_sent(Decimal("130"), Decimal("200"), None))
    _read(store, [_price("130", "150")], T1 + timedelta(minutes=4))
    assert list_prices(store)[0]["push"] == "differs (old_price: sent 200.00, reads 150.00)"


def test_a_refused_push_shows_the_marketplaces_message(store: Engine) -> None:
    _account(store)
    _read(store, [_price("100")], T1 - timedelta(hours=1))
    _push(store, "price", price_sent(Decimal("1"), None, None), ok=False,
          answer="PRICE_TOO_LOW: price is below the minimum")  # fmt: skip
    _read(store, [_price("100")], T1 + timedelta(minutes=1))
    assert list_prices(store)[0]["push"] == "refused: PRICE_TOO_LOW: price is below the minimum"
    # A replayed dead letter (no read time) judges nothing.
    _push(store, "price", price_sent(Decimal("100"), None, None))
    _read(store, [_price("100")], None)
    assert list_prices(store)[0]["push"] == "pending"


def test_push_column_texts() -> None:
    assert push_column(None) == ""
    assert push_column({"state": "refused", "answer": None}) == "refused: no message"
    differs = {"state": "differs", "sent": {"price": "5.00"}, "read": {"price": None}}
    assert push_column(differs) == "differs (sent 5.00, reads none)"


def test_a_complete_read_that_does_not_list_a_pushed_key_says_so(store: Engine) -> None:
    from mpsync.catalog.pushes import mark_unlisted

    _account(store)
    _read(store, [_stock(3)], T1 - timedelta(hours=1))
    record_push(store, "oz", "stock", ("A", "999"), stock_sent(5), {}, WriteResult(True), T1)
    _push(store, "stock", stock_sent(3))
    _read(store, [_stock(3)], T1 + timedelta(minutes=1))
    with store.begin() as connection:  # the read is complete: (A, 999) was not listed
        assert mark_unlisted(connection, "oz", "stock", T1 + timedelta(minutes=1), T1) == 1
        # A push sent after the read began is not judged by it.
        assert mark_unlisted(connection, "oz", "stock", T1 - timedelta(minutes=1), T1) == 0
    with store.connect() as connection:
        rows = connection.execute(text("SELECT warehouse, state, sent, read FROM"
                                       " inventory_pushes ORDER BY warehouse")).all()  # fmt: skip
    assert [(r.warehouse, r.state) for r in rows] == [("7", "taken"), ("999", "differs")]
    unlisted = {"state": "differs", "sent": {"available": 5}, "read": {}}
    assert push_column(unlisted) == "differs (sent 5, not listed by the read)"


def test_a_price_the_marketplace_rounds_is_judged_by_what_the_connector_expects(
    store: Engine,
) -> None:
    # WB: a price is a whole price before the discount and a whole discount percentage;
    # 1399 with 1749 crossed out goes as (1749, 20 %), which buyers see as 1399.20.
    sent = price_sent(Decimal("1399"), Decimal("1749"), None,
                      {"price": Decimal("1399.2"), "old_price": 1749})  # fmt: skip
    assert sent == {"price": "1399.20", "old_price": "1749.00",
                    "asked": {"price": "1399.00", "old_price": "1749.00"}}  # fmt: skip
    assert price_sent(Decimal("5"), None, None, {"price": "5"}) == {"price": "5.00",
                                                                    "old_price": None}  # fmt: skip
    _account(store)
    _read(store, [_price("1500", "1749")], T1 - timedelta(hours=1))
    _push(store, "price", sent)
    _read(store, [_price("1399.20", "1749")], T1 + timedelta(minutes=1))
    assert list_prices(store)[0]["push"] == "taken"


def test_a_push_without_an_answer_failed_and_the_next_read_still_judges_it(
    store: Engine,
) -> None:
    from mpsync.catalog.pushes import UNANSWERED

    _account(store)
    _read(store, [_stock(3)], T1 - timedelta(hours=1))
    lost = WriteResult(False, "RetriesExhausted: PUT /stocks: 503", {UNANSWERED: True})
    record_push(store, "oz", "stock", ("A", "7"), stock_sent(5), {}, lost, T1)
    assert list_stock(store)[0]["push"] == "failed: RetriesExhausted: PUT /stocks: 503"
    # The marketplace did apply it before failing to answer: the read says so.
    _read(store, [_stock(5)], T1 + timedelta(minutes=1))
    assert list_stock(store)[0]["push"] == "taken"
