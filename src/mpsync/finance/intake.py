"""A mapped page of the ``finance`` or ``returns`` stream into the store (the page's
transaction): entries replaced per marketplace row, returns upserted, and a full or
partial return moves its order to ``returned`` through the status timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, select

from mpsync.config import Settings
from mpsync.domain import OrderStatusUpdate
from mpsync.domain.status import OrderStatus
from mpsync.finance.records import FinanceEntryRecord, ReturnRecord
from mpsync.finance.sections import MappedMoneyPage
from mpsync.finance.store import ORDERS, MoneyCounts, write_entries, write_returns
from mpsync.sync.events import record_events
from mpsync.sync.orders import write_orders

log = structlog.get_logger("mpsync.finance")


def take_money(connection: Connection, settings: Settings | None, target: Any, page: Any,
               counts: Any, *, now: datetime) -> None:  # fmt: skip
    """Write the page's finance entries or returns; add to the page's *counts*."""
    entries = [r for r in page.records if isinstance(r, FinanceEntryRecord)]
    returns = [r for r in page.records if isinstance(r, ReturnRecord)]
    result = MoneyCounts()
    if entries:
        result = write_entries(connection, target.account_id, entries, now)
        unknown = page.unknown_operations if isinstance(page, MappedMoneyPage) else []
        if unknown:
            log.warning("finance operations no mapping rule knows, booked as other",
                        account=target.account_id, operations=unknown)  # fmt: skip
    if returns:
        result = write_returns(connection, target.account_id, returns, now)
        counts.events += _mark_returned(connection, settings, target, returns, now)
    counts.inserted += result.inserted
    counts.updated += result.updated
    counts.unchanged += result.unchanged


def _mark_returned(connection: Connection, settings: Settings | None, target: Any,
                   returns: list[ReturnRecord], now: datetime) -> int:  # fmt: skip
    """Orders a return names move to ``returned`` — a full or partial return, or goods the
    buyer did not take — when their status allows it (from shipped or delivered); the
    order's raw marketplace status is kept. A cancellation moves nothing."""
    moments: dict[str, datetime] = {}
    for record in returns:
        if record.order_external_id and record.kind != "cancellation":
            moment = record.source_updated_at or record.created_at
            moments[record.order_external_id] = max(moment, moments.get(record.order_external_id,
                                                                        moment))  # fmt: skip
    if not moments:
        return 0
    columns = (ORDERS.c.external_id, ORDERS.c.marketplace_status,
               ORDERS.c.marketplace_substatus, ORDERS.c.status)  # fmt: skip
    query = select(*columns).where(ORDERS.c.account_id == target.account_id,
                                   ORDERS.c.external_id.in_(sorted(moments)))  # fmt: skip
    updates = [
        OrderStatusUpdate(account_id=target.account_id, external_id=external,
                          status=OrderStatus.RETURNED, marketplace_status=raw,
                          marketplace_substatus=sub, source_updated_at=moments[external])
        for external, raw, sub, status in connection.execute(query)
        if status != OrderStatus.RETURNED.value
    ]  # fmt: skip
    if not updates:
        return 0
    result = write_orders(connection, target.account_id, target.marketplace, updates,
                          source=target.source, now=now)  # fmt: skip
    return record_events(connection, settings, result.events, now=now, notify=target.notify)
