"""The end of a stock read: unlisted rows go to zero, unless the read listed nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from mpsync.config import load_config_data
from mpsync.connector.base import FetchWindow
from mpsync.runtime import Runtime
from mpsync.store.tables import StockLevel
from mpsync.sync.service import SyncService

STOCK = StockLevel.__table__  # type: ignore[attr-defined]
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
ACCOUNT = {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k"}


def _on_hand(store: Engine) -> dict[str, int]:
    with store.connect() as connection:
        return dict(connection.execute(select(STOCK.c.sku, STOCK.c.on_hand)).all())  # type: ignore[arg-type]


def test_unlisted_rows_are_zeroed_only_after_a_read_that_listed_something(
    store: Engine, store_url: str
) -> None:
    settings = load_config_data({"store": {"url": store_url}, "accounts": [ACCOUNT]}, env={})
    service = SyncService(Runtime.build(store, settings, clock=lambda: NOW))
    service.runtime.register_accounts()
    with store.begin() as connection:
        connection.execute(insert(STOCK), [
            {"account_id": "oz", "sku": "listed", "warehouse": "1", "on_hand": 3,
             "updated_at": NOW, "seen_at": NOW},
            {"account_id": "oz", "sku": "gone", "warehouse": "1", "on_hand": 5,
             "updated_at": NOW, "seen_at": NOW - timedelta(hours=1)},
        ])  # fmt: skip
    window = [FetchWindow(NOW - timedelta(minutes=10), NOW)]
    account = settings.account("oz")
    service._close(account, "stock", window, None, 0, 0)  # an empty answer
    assert _on_hand(store) == {"listed": 3, "gone": 5}
    service._close(account, "stock", window, None, 0, 1)
    assert _on_hand(store) == {"listed": 3, "gone": 0}
