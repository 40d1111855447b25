"""The outbox dispatcher: claim due rows, deliver outside the transaction, record the outcome.

Delivery is at-least-once: a crash after sending leaves the row ``sending`` until its
lease runs out, then it is taken again with the same dedupe key. Digest rules batch rows.
Rows are claimed with ``SKIP LOCKED`` in the name of this process (``owner``), so
replicas split the outbox; a channel's digest is gathered by one replica at a time.
A draft answer's notification delivered alone on a channel that reads replies
(``accepts_replies``) tells the seller to reply, and is linked by the channel's ``ref``
to its buyer message in the transaction that marks it sent (``mpsync.inbox.replies``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import structlog
from jinja2 import TemplateError
from sqlalchemy import Connection, Engine, and_, not_

from mpsync.config.model import Settings
from mpsync.coordination import Coordinator, try_xact_lock
from mpsync.domain.events import EventKind, OutboxKind
from mpsync.notify import outbox
from mpsync.notify.channels.base import Channel, DeliveryResult, OutgoingMessage, short_error
from mpsync.notify.outbox import ClaimedMessage
from mpsync.notify.render import Renderer
from mpsync.notify.rules import digest_groups

log = structlog.get_logger("mpsync.notify")
# Notifications a seller may answer by replying: a draft, and the bot's answer to a reply
# (a refused text is fixed by replying to the refusal).
REPLYABLE = frozenset({EventKind.INBOX_DRAFT, OutboxKind.INBOX_REPLY})
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with capped exponential backoff and proportional jitter.

    A wait the channel's server asks for (``Retry-After``, Telegram's ``retry_after``) is
    honoured up to ``max_server_wait``; a longer one, an infinite or an unreadable one
    (``inf``, ``1e300``) retries at now + that cap, like the connectors' cap.
    """

    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.1
    max_server_wait: timedelta = timedelta(hours=6)

    def server_wait(self, seconds: float | None) -> tuple[timedelta, bool]:
        """The wait honoured for a server's *seconds*, and whether it was capped."""
        if seconds is None or not seconds > 0:  # None, 0, negative or NaN: nothing asked
            return timedelta(0), False
        if not math.isfinite(seconds) or seconds >= self.max_server_wait.total_seconds():
            return self.max_server_wait, True
        return timedelta(seconds=seconds), False

    def delay(self, attempt: int, rand: float) -> timedelta:
        """Wait after failed attempt number *attempt* (1-based); *rand* is in [0, 1)."""
        exponential = self.base_delay * (1 << min(max(0, attempt - 1), 30))
        capped = min(exponential, self.max_delay)
        return capped * (1 + self.jitter * rand)


@dataclass
class DispatchStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.retried


@dataclass
class Batch:
    """Rows delivered as one message: one row, or a channel's digest."""

    channel: str
    rows: list[ClaimedMessage] = field(default_factory=list)


class Dispatcher:
    """Delivers outbox rows through *channels*; time and waiting are injected."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        channels: Mapping[str, Channel],
        *,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        lease: timedelta = timedelta(minutes=5),
        rand: Callable[[], float] = random.random,
        coordinator: Coordinator | None = None,
    ) -> None:
        self._engine = engine
        self._channels = channels
        self._languages = {c.name: c.language for c in settings.notifications.channels}
        self._digests = digest_groups(settings)
        self._clock = clock
        self._sleep = sleep
        self._retry = retry or RetryPolicy()
        self._lease = lease
        self._rand = rand
        self._renderer = Renderer(settings.display.display().zone)
        self._coordinator = coordinator
        self._owner = coordinator.owner if coordinator is not None else None

    async def run_once(self, limit: int = 100, stop: asyncio.Event | None = None, *,
                       where: Any = None) -> DispatchStats:  # fmt: skip
        """Claim up to *limit* due rows, deliver them, and record each outcome.

        Once *stop* is set no further message starts; the rest are handed back at exit.
        *where* narrows the rows to deliver (a command sending one answer now); digests
        are then left to the daemon.
        """
        stats = DispatchStats()
        with self._engine.begin() as connection:
            batches = self._claim(connection, self._clock(), limit, where)
        with self._working_on([row.id for batch in batches for row in batch.rows]):
            for batch in batches:
                if stop is not None and stop.is_set():
                    break
                result = await self._deliver(batch)
                with self._engine.begin() as connection:
                    self._settle(connection, batch, result, stats)
        return stats

    def _working_on(self, ids: Sequence[int]) -> Any:
        if self._coordinator is None:
            return contextlib.nullcontext()
        return self._coordinator.working_on("outbox", ids)

    async def run(self, stop: asyncio.Event, *, interval: float = 5.0, limit: int = 100) -> None:
        """Dispatch until *stop* is set, waiting *interval* seconds whenever idle."""
        while not stop.is_set():
            stats = await self.run_once(limit, stop)
            if stats.total == 0:
                await self._sleep(interval)

    def _claim(self, connection: Connection, now: datetime, limit: int,
               where: Any = None) -> list[Batch]:  # fmt: skip
        due = outbox.due_condition(now)
        plain = self._plain_condition(due) if where is None else and_(due, where)
        batches = [Batch(row.channel, [row]) for row in self._take(connection, plain, now, limit)]
        if where is not None:
            return batches
        for channel, (interval, kinds) in self._digests.items():
            if not try_xact_lock(connection, f"digest:{channel}"):
                continue  # another replica is gathering this digest
            condition = and_(due, outbox.kinds_condition(channel, kinds))
            oldest = outbox.oldest_due(connection, condition)
            if oldest is not None and oldest <= now - interval:
                rows = self._take(connection, condition, now, limit)
                if rows:
                    batches.append(Batch(channel, rows))
        return batches

    def _plain_condition(self, due: Any) -> Any:
        digested = [outbox.kinds_condition(c, kinds) for c, (_, kinds) in self._digests.items()]
        excluded = outbox.any_of(digested)
        return due if excluded is None else and_(due, not_(excluded))

    def _take(
        self, connection: Connection, condition: Any, now: datetime, limit: int
    ) -> list[ClaimedMessage]:
        ids = outbox.select_due(connection, condition, limit=limit)
        return outbox.take(connection, ids, now=now, lease=self._lease, owner=self._owner)

    async def _deliver(self, batch: Batch) -> DeliveryResult:
        channel = self._channels.get(batch.channel)
        if channel is None:
            detail = f"channel {batch.channel!r} is not configured"
            return DeliveryResult(ok=False, detail=detail, permanent=True)
        try:
            message = self.compose(batch)
        except TemplateError as error:
            return DeliveryResult(ok=False, detail=short_error(error), permanent=True)
        try:
            return await channel.send(message)
        except Exception as error:  # noqa: BLE001 - a channel bug must not stop the dispatcher
            log.error("notify.channel_crashed", channel=batch.channel, error=short_error(error))
            return DeliveryResult(ok=False, detail=short_error(error))

    def compose(self, batch: Batch) -> OutgoingMessage:
        """The message for *batch*: the row itself, or a digest of all its rows."""
        language = self._languages.get(batch.channel, "ru")
        if len(batch.rows) == 1:
            row = batch.rows[0]
            context = {**row.payload, "replies": self._accepts_replies(batch.channel)}
            one = self._renderer.render(row.event_kind, context, language)
            return OutgoingMessage(row.dedupe_key, row.event_kind, one.subject, one.body,
                                   row.payload)  # fmt: skip
        rendered = [
            self._renderer.render(row.event_kind, row.payload, language) for row in batch.rows
        ]
        digest = self._renderer.render_digest(rendered, language)
        items = [
            {"dedupe_key": r.dedupe_key, "event_kind": r.event_kind, "payload": r.payload}
            for r in batch.rows
        ]
        key = digest_key(batch.channel, [r.dedupe_key for r in batch.rows])
        return OutgoingMessage(key, "digest", digest.subject, digest.body, {"items": items})

    def _accepts_replies(self, channel: str) -> bool:
        found = self._channels.get(channel)
        return found is not None and found.accepts_replies

    def _settle(
        self, connection: Connection, batch: Batch, result: DeliveryResult, stats: DispatchStats
    ) -> None:
        now = self._clock()
        for row in batch.rows:
            if result.ok:
                owned = outbox.mark_sent(connection, row, now=now)
                stats.sent += owned
                if owned and len(batch.rows) == 1:
                    self._link(connection, batch.channel, row, result, now)
            elif result.permanent or row.attempts >= self._retry.max_attempts:
                owned = outbox.mark_failed(connection, row, error=result.detail)
                stats.failed += owned
            else:
                owned = outbox.mark_retry(
                    connection, row, at=now + self._wait(row, result), error=result.detail
                )
                stats.retried += owned
            if not owned:
                log.warning("notify.claim_lost", channel=row.channel, key=row.dedupe_key)
        self._log(batch, result)

    def _link(self, connection: Connection, channel: str, row: ClaimedMessage,
              result: DeliveryResult, now: datetime) -> None:  # fmt: skip
        """Remember which buyer message a delivered draft notification was about."""
        message_id = row.payload.get("id")
        if row.event_kind not in REPLYABLE or result.ref is None or not isinstance(message_id, int):
            return
        if not self._accepts_replies(channel):
            return
        from mpsync.inbox.replies import link_notice  # the inbox imports the outbox

        link_notice(connection, channel, result.ref, message_id, now=now)

    def _wait(self, row: ClaimedMessage, result: DeliveryResult) -> timedelta:
        backoff = self._retry.delay(row.attempts, self._rand())
        asked, capped = self._retry.server_wait(result.retry_after)
        if capped:
            log.warning("notify.server_wait_capped", channel=row.channel,
                        asked=str(result.retry_after)[:32],
                        retry_at=(self._clock() + max(backoff, asked)).isoformat())  # fmt: skip
        return max(backoff, asked)

    def _log(self, batch: Batch, result: DeliveryResult) -> None:
        event = "notify.sent" if result.ok else "notify.failed"
        log.info(event, channel=batch.channel, messages=len(batch.rows), detail=result.detail)


def digest_key(channel: str, keys: Sequence[str]) -> str:
    """A deterministic dedupe key for a digest of the rows with *keys*."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:24]
    return f"digest:{channel}:{digest}"


async def send_test(
    channel: Channel, *, now: datetime | None = None, zone: tzinfo = UTC
) -> DeliveryResult:
    """Send the test message through *channel* (``mpsync notify test CHANNEL``)."""
    moment = now or utcnow()
    rendered = Renderer(zone).render_test(channel.name, channel.language, moment)
    message = OutgoingMessage(
        dedupe_key=f"test:{channel.name}:{moment.isoformat()}",
        event_kind="test",
        subject=rendered.subject,
        body=rendered.body,
        payload={"channel": channel.name},
    )
    return await channel.send(message)
