"""The queue of received pushes: store events durably on receipt, process them after answering.

Receipt dedupes by (account, event key); processing goes through the same
mapping and page writer as polling, fetching full records when a push
carries only ids. Failures retry with backoff, then become dead letters.
Rows are claimed under a lease (``lease_owner``, expiry in ``next_attempt_at``) and
applied several at a time, a few per account, so a slow re-fetch (a bogus push's
404s) never queues the others behind it; a row whose holder died is taken again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.connector.base import PushEvent
from mpsync.connector.errors import ConnectorError
from mpsync.domain.events import RowState
from mpsync.domain.streams import RecordKind, record_stream
from mpsync.mapping import MappingFailure
from mpsync.runtime import Runtime
from mpsync.store.tables import ReceivedPush
from mpsync.sync.service import commit_page
from mpsync.sync.writer import PageTarget, dead_letter

PUSHES = ReceivedPush.__table__  # type: ignore[attr-defined]
MAX_ATTEMPTS = 5
CONCURRENCY = 16  # rows applied at once by one process
PER_ACCOUNT = 4  # of which for one account: its connector's limiter paces the rest
IDLE_WAIT = 5.0
log = structlog.get_logger("mpsync.pushes")


def _raise_first(done: set[Any], running: set[asyncio.Task[None]]) -> None:
    """Re-raise the first failure among *done* workers, after cancelling the others."""
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            for other in running:
                other.cancel()
            raise task.exception()


def store_events(
    engine: Engine, account_id: str, events: Sequence[PushEvent], now: datetime
) -> int:
    """Durably record *events*; a redelivered event (same key) is ignored. Returns new count."""
    if not events:
        return 0
    rows = [
        {"account_id": account_id, "dedupe_key": e.dedupe_key[:255], "kind": e.kind,
         "body": asdict(e), "state": RowState.PENDING, "attempts": 0, "next_attempt_at": now,
         "received_at": now}
        for e in events
    ]  # fmt: skip
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(PUSHES)
        .on_conflict_do_nothing(index_elements=["account_id", "dedupe_key"])
        .returning(PUSHES.c.id)
    )
    with engine.begin() as connection:
        return len(connection.execute(statement, rows).all())


@dataclass(frozen=True)
class Push:
    """What applying a received push needs: its account, the stored event (``PushEvent`` as a
    dict) and when it arrived (the records' read time)."""

    account_id: str
    body: dict[str, Any]
    received_at: datetime


@dataclass
class PushStats:
    processed: int = 0
    retried: int = 0
    failed: int = 0


class PushProcessor:
    """Claims due push rows and applies them through the runtime's connectors and mappings,
    writing pages as a sync run does (``commit_page``)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        lease: timedelta | None = None,
        concurrency: int = CONCURRENCY,
        per_account: int = PER_ACCOUNT,
    ) -> None:
        self.runtime = runtime
        self.owner = runtime.coordinator.owner
        self.lease = lease or runtime.settings.coordination.lease
        self.concurrency, self.per_account = concurrency, per_account
        self._busy: Counter[str] = Counter()
        self.applied: asyncio.Event | None = None  # set after each applied push

    def _claim(self, limit: int, skip_accounts: Sequence[str] = ()) -> list[Any]:
        """Take up to *limit* due rows (pending, or processing under an expired lease)."""
        self.runtime.register_accounts()  # the accounts the rows name are in the store
        now = self.runtime.clock()
        engine = self.runtime.engine
        due = PUSHES.c.state.in_((RowState.PENDING, RowState.PROCESSING)) & (
            PUSHES.c.next_attempt_at <= now
        )
        if skip_accounts:
            due = due & PUSHES.c.account_id.not_in(list(skip_accounts))
        query = select(PUSHES).where(due).order_by(PUSHES.c.id).limit(limit)
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with engine.begin() as connection:
            rows = list(connection.execute(query).all())
            if rows:
                connection.execute(
                    update(PUSHES).where(PUSHES.c.id.in_([r.id for r in rows]))
                    .values(state=RowState.PROCESSING, lease_owner=self.owner,
                            next_attempt_at=now + self.lease)
                )  # fmt: skip
        return rows

    async def run_once(self, limit: int = 100) -> PushStats:
        """Claim up to *limit* due rows and apply them (several at once); wait for all."""
        stats = PushStats()
        rows = await asyncio.to_thread(self._claim, limit)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: Any) -> None:
            async with gate:
                await self._process(row, stats)

        with self.runtime.coordinator.working_on("pushes", [row.id for row in rows]):
            await asyncio.gather(*(one(row) for row in rows))
        return stats

    async def serve(self, stop: asyncio.Event, wake: asyncio.Event) -> int:
        """Apply rows as they come until *stop*: up to ``concurrency`` at once, at most
        ``per_account`` of one account; returns how many were processed."""
        stats, running = PushStats(), set[asyncio.Task[None]]()
        while not stop.is_set():
            wake.clear()
            free = self.concurrency - len(running)
            if free > 0:
                full = [a for a, n in self._busy.items() if n >= self.per_account]
                for row in await asyncio.to_thread(self._claim, free, full):
                    running.add(asyncio.create_task(self._process(row, stats)))
            waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
            try:
                done, _ = await asyncio.wait(running | waiters, timeout=IDLE_WAIT,
                                             return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            finally:
                for waiter in waiters:
                    waiter.cancel()
            running -= done
            _raise_first(done - waiters, running)
        # Stop claiming; what is in flight finishes (the daemon's grace bounds it).
        await asyncio.gather(*running, return_exceptions=True)
        return stats.processed

    async def _process(self, row: Any, stats: PushStats) -> None:
        """Apply one row; its failure is the row's (retried, then a dead letter). Only the
        store failing to record that escapes, to the daemon's supervisor."""
        self._busy[row.account_id] += 1
        try:
            with self.runtime.coordinator.working_on("pushes", [row.id]):
                error = await self._try_apply(row)
                if error is None:
                    await asyncio.to_thread(self._done, row.id)
                    stats.processed += 1
                    if self.applied is not None:
                        self.applied.set()  # stock sync propagates at once
                    return
                failed = await asyncio.to_thread(self._failed, row, error)
        finally:
            self._busy[row.account_id] -= 1
        stats.failed += failed
        stats.retried += not failed

    async def _try_apply(self, row: Any) -> str | None:
        try:
            await self.apply(Push(row.account_id, row.body, row.received_at))
        except (ConnectorError, OSError, KeyError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a bug on one push must not stop the others
            log.error("push processing crashed", account=row.account_id, push_id=row.id,
                      exc_info=exc)  # fmt: skip
            return f"{type(exc).__name__}: {exc}"
        return None

    async def apply(self, push: Push) -> None:
        """Map and write one push's records, reading them by id first when it carried only
        ids; a failure raises (the caller retries it, or keeps its dead letter)."""
        account = self.runtime.settings.account(push.account_id)
        event = push.body
        records = event.get("records") or []
        record_type = event.get("record_type") or "order"
        if not records and event.get("external_ids"):
            # The push carried only ids: read the full records from the marketplace.
            connector = self.runtime.connectors.connector(account)
            ids = list(event["external_ids"])
            if record_type == RecordKind.STOCK:
                records = await connector.fetch_stock(ids)
            elif record_type in (RecordKind.QUESTION, RecordKind.REVIEW):  # a new buyer's message
                records = await connector.fetch_messages(record_type, ids)
            else:
                records = await connector.fetch_orders(ids)
                record_type = "order"
        if not records:
            return
        mapping = self.runtime.connectors.mapping(account)
        mapped = mapping.map_page(record_type, records, account.id,
                                  observed_at=push.received_at)  # fmt: skip
        stream = record_stream(record_type)
        target = PageTarget(account.id, account.marketplace, stream, record_type, "webhook",
                            read_at=push.received_at)  # fmt: skip
        await asyncio.to_thread(commit_page, self.runtime, target, mapped)

    def _mine(self, row_id: int) -> Any:
        # A row whose lease ran out may have been taken again: then the new holder owns it.
        return (
            (PUSHES.c.id == row_id)
            & (PUSHES.c.state == RowState.PROCESSING)
            & (PUSHES.c.lease_owner == self.owner)
        )

    def _done(self, row_id: int) -> None:
        with self.runtime.engine.begin() as connection:
            connection.execute(
                update(PUSHES).where(self._mine(row_id))
                .values(state=RowState.DONE, processed_at=self.runtime.clock(), last_error=None,
                        lease_owner=None)
            )  # fmt: skip

    def _failed(self, row: Any, error: str) -> bool:
        now = self.runtime.clock()
        attempts = row.attempts + 1
        final: bool = attempts >= MAX_ATTEMPTS
        with self.runtime.engine.begin() as connection:
            owned = connection.execute(
                update(PUSHES).where(self._mine(row.id)).values(
                    state=RowState.FAILED if final else RowState.PENDING, attempts=attempts,
                    last_error=error[:1000], lease_owner=None,
                    next_attempt_at=now + timedelta(seconds=30 * 2**attempts),
                )
            ).rowcount  # fmt: skip
            if final and owned:
                account = self.runtime.settings.account(row.account_id)
                target = PageTarget(account.id, account.marketplace, "pushes", "push", "webhook")
                failure = MappingFailure(dict(row.body), f"push processing failed: {error}")
                dead_letter(connection, target, [failure], now=now)
        log.warning("push processing failed", account=row.account_id, attempts=attempts,
                    final=final, error=error)  # fmt: skip
        return final
