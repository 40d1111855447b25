"""One page, one transaction: canonical records, dead letters, events and outbox rows.

The caller opens the transaction and advances the cursor inside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import update as sa_update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.catalog.pushes import read_back
from mpsync.catalog.store import write_products
from mpsync.config import Settings
from mpsync.domain import (
    BuyerMessageRecord,
    OrderRecord,
    OrderStatusUpdate,
    PriceRecord,
    ProductRecord,
    StockRecord,
)
from mpsync.mapping import MappedPage, MappingFailure
from mpsync.store.tables import DeadLetter, Price, StockLevel
from mpsync.store.types import canonical_dumps
from mpsync.store.upsert import bulk_upsert
from mpsync.sync import stock_history
from mpsync.sync.events import record_events
from mpsync.sync.orders import write_orders

DEAD = DeadLetter.__table__  # type: ignore[attr-defined]
STOCK = StockLevel.__table__  # type: ignore[attr-defined]
PRICES = Price.__table__  # type: ignore[attr-defined]


@dataclass
class PageCounts:
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    events: int = 0
    stale: int = 0  # records older than the window asked for: the marketplace lagged
    unknown_statuses: set[str] = field(default_factory=set)

    def add(self, other: PageCounts) -> None:
        self.stale += other.stale
        self.fetched += other.fetched
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.dead_lettered += other.dead_lettered
        self.events += other.events
        self.unknown_statuses |= other.unknown_statuses


@dataclass(frozen=True)
class PageTarget:
    """Where a page belongs and how its effects are announced."""

    account_id: str
    marketplace: str
    stream: str
    record_type: str
    source: str = "poll"  # poll | webhook | rule
    notify: bool = True
    # When the read began: stock and price pushes sent before it are judged by its rows
    # (mpsync.catalog.pushes); None (a replayed dead letter) judges nothing.
    read_at: datetime | None = None


def write_page(
    connection: Connection,
    settings: Settings | None,
    target: PageTarget,
    page: MappedPage,
    *,
    now: datetime,
) -> PageCounts:
    counts = PageCounts(fetched=len(page.records) + len(page.failures))
    counts.unknown_statuses = set(page.unknown_statuses)
    orders = [r for r in page.records if isinstance(r, OrderRecord | OrderStatusUpdate)]
    if orders:
        result = write_orders(connection, target.account_id, target.marketplace, orders,
                              source=target.source, now=now)  # fmt: skip
        counts.inserted, counts.updated, counts.unchanged = (
            result.inserted, result.updated, result.unchanged)  # fmt: skip
        counts.events = record_events(connection, settings, result.events, now=now,
                                      notify=target.notify)  # fmt: skip
    products = [r for r in page.records if isinstance(r, ProductRecord)]
    if products:
        catalog = write_products(connection, target.account_id, products, now)
        counts.inserted += catalog.inserted
        counts.updated += catalog.updated
        counts.unchanged += catalog.unchanged
    messages = [r for r in page.records if isinstance(r, BuyerMessageRecord)]
    if messages:
        from mpsync.inbox.intake import take_in

        taken = take_in(connection, settings, target.account_id, target.marketplace, messages,
                        now=now, notify=target.notify)  # fmt: skip
        counts.inserted += taken.inserted
        counts.updated += taken.updated
        counts.unchanged += taken.unchanged
        counts.events += taken.events
    if target.record_type in ("finance", "return"):
        from mpsync.finance.intake import take_money

        take_money(connection, settings, target, page, counts, now=now)
    stock = [r for r in page.records if isinstance(r, StockRecord)]
    prices = [r for r in page.records if isinstance(r, PriceRecord)]
    for rows, table, key, compare in (
        (stock, STOCK, ["account_id", "sku", "warehouse"], ["on_hand", "reserved"]),
        (prices, PRICES, ["account_id", "sku"], ["price", "old_price", "min_price", "currency"]),
    ):
        if rows:
            _upsert_plain(connection, table, rows, key, compare, now, counts)
            if target.read_at is not None:
                read_back(connection, target.account_id, rows, target.read_at, now)
    if stock:
        day = stock_history.history_day(settings, now)
        snapshot = [r.model_dump() for r in stock]
        stock_history.record_page(connection, snapshot, day=day, now=now)
    counts.dead_lettered = dead_letter(connection, target, page.failures, now=now)
    return counts


def _upsert_plain(connection: Connection, table: Any, records: Sequence[Any], key: list[str],
                  compare: list[str], now: datetime, counts: PageCounts) -> None:  # fmt: skip
    rows = [{**r.model_dump(), "updated_at": now} for r in records]
    update = [*compare, "source_updated_at", "updated_at"]
    result = bulk_upsert(connection, table, rows, key, compare=compare, update=update)
    if table is STOCK:  # listed now, changed or not: a complete read zeroes the rest
        ids = list(result.ids.values())
        for start in range(0, len(ids), 900):
            connection.execute(
                sa_update(STOCK).where(STOCK.c.id.in_(ids[start : start + 900])).values(seen_at=now)
            )
    counts.inserted += len(result.inserted)
    counts.updated += len(result.updated)
    counts.unchanged += len(result.unchanged)


def fingerprint(raw: Any) -> str:
    return hashlib.sha256(canonical_dumps(raw).encode()).hexdigest()[:40]


def dead_letter(connection: Connection, target: PageTarget, failures: Sequence[MappingFailure],
                *, now: datetime) -> int:  # fmt: skip
    """Store failed records once per (account, stream, content); a repeat bumps attempts."""
    if not failures:
        return 0
    rows = {
        fingerprint(f.raw): {
            "account_id": target.account_id, "stream": target.stream,
            "record_type": target.record_type, "external_id": None,
            "fingerprint": fingerprint(f.raw), "raw": f.raw, "reason": f.reason[:2000],
            "field": f.field, "attempts": 1, "state": "open", "created_at": now,
            "updated_at": now,
        }
        for f in failures
    }  # fmt: skip
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DEAD)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "stream", "fingerprint"],
        set_={"attempts": DEAD.c.attempts + 1, "reason": statement.excluded.reason,
              "field": statement.excluded.field, "state": "open",
              "updated_at": statement.excluded.updated_at},
    )  # fmt: skip
    connection.execute(statement, list(rows.values()))
    return len(rows)
