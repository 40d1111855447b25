"""The push inbox: store events durably on receipt, process them after answering.

Receipt dedupes by (account, event key); processing goes through the same
mapping and page writer as polling, fetching full records when a push
carries only ids. Failures retry with backoff, then become dead letters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.connector.base import PushEvent
from mpsync.connector.errors import ConnectorError
from mpsync.mapping import MappingFailure
from mpsync.store.tables import InboxEvent
from mpsync.sync.service import SyncService
from mpsync.sync.writer import PageTarget, dead_letter

INBOX = InboxEvent.__table__  # type: ignore[attr-defined]
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
log = structlog.get_logger("mpsync.inbox")


def store_events(
    engine: Engine, account_id: str, events: Sequence[PushEvent], now: datetime
) -> int:
    """Durably record *events*; a redelivered event (same key) is ignored. Returns new count."""
    if not events:
        return 0
    rows = [
        {"account_id": account_id, "dedupe_key": e.dedupe_key[:255], "kind": e.kind,
         "body": asdict(e), "state": "pending", "attempts": 0, "next_attempt_at": now,
         "received_at": now}
        for e in events
    ]  # fmt: skip
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(INBOX)
        .on_conflict_do_nothing(index_elements=["account_id", "dedupe_key"])
        .returning(INBOX.c.id)
    )
    with engine.begin() as connection:
        return len(connection.execute(statement, rows).all())


@dataclass
class InboxStats:
    processed: int = 0
    retried: int = 0
    failed: int = 0


class InboxProcessor:
    """Claims due inbox rows and applies them through the sync service."""

    def __init__(self, service: SyncService) -> None:
        self.service = service

    def _claim(self, limit: int) -> list[Any]:
        now = self.service.clock()
        engine = self.service.engine
        due = or_(
            (INBOX.c.state == "pending") & (INBOX.c.next_attempt_at <= now),
            (INBOX.c.state == "processing") & (INBOX.c.next_attempt_at <= now - LEASE),
        )
        query = select(INBOX).where(due).order_by(INBOX.c.id).limit(limit)
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with engine.begin() as connection:
            rows = list(connection.execute(query).all())
            if rows:
                connection.execute(
                    update(INBOX).where(INBOX.c.id.in_([r.id for r in rows]))
                    .values(state="processing", next_attempt_at=now)
                )  # fmt: skip
        return rows

    async def run_once(self, limit: int = 100) -> InboxStats:
        stats = InboxStats()
        for row in await asyncio.to_thread(self._claim, limit):
            try:
                await self._apply(row)
            except (ConnectorError, OSError, KeyError, ValueError) as exc:
                failed = await asyncio.to_thread(self._failed, row, f"{type(exc).__name__}: {exc}")
                stats.failed += failed
                stats.retried += not failed
                continue
            await asyncio.to_thread(self._done, row.id)
            stats.processed += 1
        return stats

    async def _apply(self, row: Any) -> None:
        account = self.service.settings.account(row.account_id)
        event = row.body
        records = event.get("records") or []
        record_type = event.get("record_type") or "order"
        if not records and event.get("external_ids"):
            # The push carried only ids: read the full records from the marketplace.
            connector = self.service.connector(account)
            ids = list(event["external_ids"])
            if record_type == "stock":
                records = await connector.fetch_stock(ids)
            else:
                records = await connector.fetch_orders(ids)
                record_type = "order"
        if not records:
            return
        mapping = self.service.mapping(account)
        mapped = mapping.map_page(record_type, records, account.id,
                                  observed_at=row.received_at)  # fmt: skip
        stream = {"stock": "stock", "price": "prices", "product": "products"}.get(
            record_type, "orders"
        )
        target = PageTarget(account.id, account.marketplace, stream, record_type, "webhook",
                            read_at=row.received_at)  # fmt: skip
        await asyncio.to_thread(self.service.commit_page, target, mapped, None, None)

    def _done(self, row_id: int) -> None:
        with self.service.engine.begin() as connection:
            connection.execute(
                update(INBOX).where(INBOX.c.id == row_id)
                .values(state="done", processed_at=self.service.clock(), last_error=None)
            )  # fmt: skip

    def _failed(self, row: Any, error: str) -> bool:
        now = self.service.clock()
        attempts = row.attempts + 1
        final: bool = attempts >= MAX_ATTEMPTS
        with self.service.engine.begin() as connection:
            connection.execute(
                update(INBOX).where(INBOX.c.id == row.id).values(
                    state="failed" if final else "pending", attempts=attempts,
                    last_error=error[:1000],
                    next_attempt_at=now + timedelta(seconds=30 * 2**attempts),
                )
            )  # fmt: skip
            if final:
                account = self.service.settings.account(row.account_id)
                target = PageTarget(account.id, account.marketplace, "inbox", "push", "webhook")
                failure = MappingFailure(dict(row.body), f"push processing failed: {error}")
                dead_letter(connection, target, [failure], now=now)
        log.warning("push processing failed", account=row.account_id, attempts=attempts,
                    final=final, error=error)  # fmt: skip
        return final
