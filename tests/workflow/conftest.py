"""Fixtures for workflow tests: settings with a console rule, a frozen clock, order rows.

Rules are driven by rows written straight into the store; the sandbox drives auto-confirm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from mpsync.config import Settings, load_config_data
from mpsync.domain.status import OrderStatus
from mpsync.runtime import Runtime
from mpsync.store.tables import Order, OrderLine, StockLevel
from mpsync.sync.service import SyncService
from mpsync.workflow import WorkflowRunner, WorkflowStats

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KINDS = ["order.sla_warning", "stock.low", "invoice.issued", "order.status_changed"]
ORDERS = Order.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
STOCK = StockLevel.__table__  # type: ignore[attr-defined]
SELLER = {"seller_name": "ООО «Ромашка»", "seller_inn": "7701234567",
          "seller_kpp": "770101001", "bank_name": "ПАО Банк", "bank_bik": "044525225",
          "bank_account": "40702810900000000001",
          "bank_corr_account": "30101810400000000225"}  # fmt: skip


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def workflow_settings(store_url: str, accounts: list[dict[str, Any]] | None = None,
                      **extra: Any) -> Settings:  # fmt: skip
    """A WB and an Ozon account (at a closed port) and a console rule for the workflow kinds."""
    nowhere = "http://127.0.0.1:9"
    accounts = accounts or [
        {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb", "api_base_url": nowhere},
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k3y",
         "api_base_url": nowhere},
    ]  # fmt: skip
    notifications = {
        "channels": [{"name": "console", "type": "console", "language": "en"}],
        "rules": [{"events": KINDS, "channels": ["console"]}],
    }
    data = {"store": {"url": store_url}, "accounts": accounts, "notifications": notifications}
    return load_config_data({**data, **extra}, env={})


async def _no_sleep(_: float) -> None:
    return None


def make_runner(store: Engine, settings: Settings, clock: Clock) -> WorkflowRunner:
    service = SyncService(Runtime.build(store, settings, clock=clock, sleep=_no_sleep))
    service.runtime.register_accounts()  # the accounts the tests' orders name
    return WorkflowRunner(service.runtime, service)


def run(runner: WorkflowRunner) -> WorkflowStats:
    async def once() -> WorkflowStats:
        try:
            return await runner.run_once()
        finally:
            await runner.runtime.aclose()

    return asyncio.run(once())


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock()


def add_order(engine: Engine, external_id: str, status: OrderStatus, *, account: str = "wb",
              at: datetime = NOW - timedelta(days=1), ship_by: datetime | None = None,
              total: str = "1500.00", buyer_inn: str | None = None) -> int:  # fmt: skip
    """An order whose history reached *status* at *at* (earlier statuses an hour apart)."""
    path = [OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY_TO_SHIP,
            OrderStatus.SHIPPED, OrderStatus.DELIVERED]  # fmt: skip
    steps = path[: path.index(status) + 1] if status in path else [OrderStatus.NEW, status]
    seen = {s.value: (at - timedelta(hours=len(steps) - 1 - i)).isoformat()
            for i, s in enumerate(steps)}  # fmt: skip
    row = {
        "account_id": account, "external_id": external_id, "group_key": f"g-{external_id}",
        "order_number": f"N-{external_id}", "status": status.value, "status_at": at,
        "status_seen": seen, "marketplace_status": f"raw-{status.value}",
        "created_at": at - timedelta(days=1), "source_updated_at": at, "ship_by": ship_by,
        "currency": "RUB", "items_total": Decimal(total), "total": Decimal(total),
        "buyer_inn": buyer_inn, "content_hash": "x", "raw": {"id": external_id},
        "inserted_at": at, "updated_at": at,
    }  # fmt: skip
    with engine.begin() as connection:
        order_id = int(connection.execute(insert(ORDERS).values(row).returning(ORDERS.c.id))
                       .scalar_one())  # fmt: skip
        connection.execute(insert(LINES).values(
            order_id=order_id, line_no=1, sku=f"sku-{external_id}", name="Чайник", quantity=1,
            unit_price=Decimal(total), total=Decimal(total)))  # fmt: skip
    return order_id


def add_stock(engine: Engine, sku: str, on_hand: int, reserved: int = 0) -> None:
    with engine.begin() as connection:
        connection.execute(insert(STOCK).values(
            account_id="wb", sku=sku, warehouse="W1", on_hand=on_hand, reserved=reserved,
            source_updated_at=NOW, updated_at=NOW))  # fmt: skip


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def counts(engine: Engine) -> dict[str, int]:
    tables = ("domain_events", "outbox", "status_changes", "invoices", "write_backs")
    return {t: int(rows(engine, f"SELECT COUNT(*) FROM {t}")[0][0]) for t in tables}
