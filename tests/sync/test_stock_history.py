"""The daily stock history: written per stock page, one row per SKU, warehouse and local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from mpsync.config import load_config_data
from mpsync.connector.base import FetchWindow
from mpsync.domain import StockRecord
from mpsync.mapping import MappedPage
from mpsync.runtime import Runtime
from mpsync.store.tables import StockHistory
from mpsync.sync.service import SyncService
from mpsync.sync.writer import PageTarget

HISTORY = StockHistory.__table__  # type: ignore[attr-defined]
ACCOUNT = {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k"}
# 22:30 UTC is already the next day in Moscow.
LATE = datetime(2026, 11, 1, 22, 30, tzinfo=UTC)


def _page(*rows: tuple[str, int]) -> MappedPage:
    return MappedPage(records=[StockRecord(account_id="oz", sku=sku, warehouse="W1",
                                           on_hand=qty) for sku, qty in rows])  # fmt: skip


def _history(store: Engine) -> list[tuple[str, date, int]]:
    with store.connect() as connection:
        rows = connection.execute(select(HISTORY.c.sku, HISTORY.c.day, HISTORY.c.on_hand)
                                  .order_by(HISTORY.c.day, HISTORY.c.sku)).all()  # fmt: skip
    return [(sku, day if isinstance(day, date) else date.fromisoformat(day), n)
            for sku, day, n in rows]  # fmt: skip


def test_each_page_writes_the_day_of_the_display_zone(store: Engine, store_url: str) -> None:
    settings = load_config_data({"store": {"url": store_url}, "accounts": [ACCOUNT],
                                 "display": {"timezone": "Europe/Moscow"}}, env={})  # fmt: skip
    clock = [LATE - timedelta(hours=2)]
    service = SyncService(Runtime.build(store, settings, clock=lambda: clock[0]))
    service.runtime.register_accounts()
    from mpsync.sync.state import ensure_accounts

    ensure_accounts(store, settings, clock[0])
    target = PageTarget("oz", "ozon", "stock", "stock")
    service.commit_page(target, _page(("A", 5), ("B", 2)), None, None)  # Nov 1, 23:30 MSK
    service.commit_page(target, _page(("A", 4)), None, None)  # same day: the last read wins
    clock[0] = LATE  # Nov 2, 01:30 MSK
    service.commit_page(target, _page(("A", 3)), None, None)
    # The complete read listed only A: B goes to zero, in the day's history too.
    service._close(settings.account("oz"), "stock", [FetchWindow(LATE - timedelta(minutes=5),
                                                                 LATE)], None, 0, 1)  # fmt: skip
    assert _history(store) == [
        ("A", date(2026, 11, 1), 4),
        ("B", date(2026, 11, 1), 2),
        ("A", date(2026, 11, 2), 3),
        ("B", date(2026, 11, 2), 0),
    ]
