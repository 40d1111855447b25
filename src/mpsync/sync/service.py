"""``SyncService``: incremental sync and resync of (account, stream), page by page.

Each page is mapped and committed with its cursor in one transaction (in a
worker thread, so the event loop keeps answering webhooks); the cursor never
passes the run's start, and an interrupted window resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from mpsync.catalog.pushes import mark_unlisted
from mpsync.config import AccountConfig
from mpsync.connector.base import FetchWindow
from mpsync.connector.errors import (
    ConnectorError,
    NotSupportedError,
    RateLimitedUntil,
    UnavailableError,
)
from mpsync.connector.http import until_text
from mpsync.connector.registry import load_connector
from mpsync.coordination import Held, Lease, LeaseLost
from mpsync.domain import OrderRecord, OrderStatusUpdate
from mpsync.domain.streams import RECORD_TYPES, STREAMS, RecordKind
from mpsync.mapping import MappedPage
from mpsync.runtime import Runtime
from mpsync.sync import state, stock_history
from mpsync.sync.writer import PageCounts, PageTarget, write_page

Progress = Callable[[int, int, PageCounts], None]
log = structlog.get_logger("mpsync.sync")


@dataclass
class RunResult:
    account: str
    stream: str
    outcome: str = "ok"
    counts: PageCounts = field(default_factory=PageCounts)
    seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class Schedule:
    """How the daemon runs a unit: every *interval*, up to *jitter* late. A unit another
    replica runs on time is left to it (``mpsync.coordination.next_due``)."""

    interval: timedelta
    jitter: timedelta = timedelta(0)


class _Stopped(Exception):
    """The caller's stop event was set: end the run after the page just committed."""


@dataclass(frozen=True)
class ResyncPlan:
    """A resync window and where in it to start (day ``day`` of ``total``)."""

    since: datetime
    until: datetime
    chunk: timedelta
    asked: str | None = None  # the --until given, if any (a resume must match it)
    start: datetime | None = None
    resume: str | None = None
    resumed: bool = False
    replaced: tuple[str, str] | None = None  # an unfinished window this one replaces

    @property
    def total(self) -> int:
        return max(1, math.ceil((self.until - self.since) / self.chunk))

    @property
    def day(self) -> int:
        """The 1-based chunk the run starts with."""
        start = self.start or self.since
        return min(self.total, int((start - self.since) / self.chunk) + 1)

    def meta(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "asked": self.asked}  # fmt: skip


class StreamRunner(Protocol):
    """What a service that must bring a stream up to date takes (the workflow's read-back
    before confirming): one incremental run of (account, stream) under its lease."""

    async def sync_stream(self, account: AccountConfig, stream: str, *,
                          wait: timedelta | None = None,
                          schedule: Schedule | None = None) -> RunResult: ...  # fmt: skip


class SyncService:
    """Pulls every configured (account, stream) into the store, over a ``Runtime``.

    The runtime's connectors, coordinator, observer and stop signal are its own; the
    service owns only syncing, and whoever built the runtime closes it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.engine, self.settings, self.clock = runtime.engine, runtime.settings, runtime.clock
        self.coordinator = runtime.coordinator
        self._pool = runtime.connectors

    def streams(self, account: AccountConfig, asked: str | None = None) -> list[str]:
        """The account's streams; finance and returns only when scheduled or *asked*."""
        supported = load_connector(account.marketplace).capabilities.streams
        return [
            s
            for s in RECORD_TYPES
            if s in supported
            and (not STREAMS[s].on_demand or s == asked or getattr(account.poll, s) is not None)
        ]

    async def sync(
        self, account_id: str | None = None, stream: str | None = None, *,
        wait: timedelta | None = None,
    ) -> list[RunResult]:  # fmt: skip
        """One incremental pass over the selected accounts and streams.

        A stream another process is syncing is waited for up to *wait*, then skipped.
        """
        results = []
        for account in self.settings.accounts:
            if (account_id and account.id != account_id) or not account.enabled:
                continue
            for name in self.streams(account, stream):
                if stream is None or name == stream:
                    results.append(await self.sync_stream(account, name, wait=wait))
        return results

    async def sync_stream(self, account: AccountConfig, stream: str, *,
                          wait: timedelta | None = None,
                          schedule: Schedule | None = None) -> RunResult:  # fmt: skip
        """One incremental run of (account, stream) under its lease.

        Held by another process, the run is skipped (outcome ``skipped``, the holder in
        ``error``) after waiting up to *wait*; with a *schedule*, also when not yet due, and
        while the marketplace's "rate-limited until T" of the last run holds.
        """
        if schedule is not None:
            until = await asyncio.to_thread(state.rate_limited_until, self.engine, account.id,
                                            stream)  # fmt: skip
            if until is not None and until > self.clock():
                return RunResult(account.id, stream, outcome="skipped",
                                 error=f"rate-limited until {until_text(until)}")  # fmt: skip
        unit = f"sync:{account.id}:{stream}"
        every, jitter = (schedule.interval, schedule.jitter) if schedule else (None, timedelta(0))
        async with self.coordinator.hold(unit, wait=wait, every=every, jitter=jitter) as lease:
            if isinstance(lease, Held):
                return _skipped(account, stream, lease)
            return await self._sync_stream(account, stream, lease)

    async def _sync_stream(self, account: AccountConfig, stream: str, lease: Lease) -> RunResult:
        run_start = self.clock()
        cursor = await asyncio.to_thread(state.read_cursor, self.engine, account.id, stream)
        # The first sync of an account reads its history: it records events but
        # notifies nobody, or a new install would announce every old order.
        initial = cursor.synced_until is None
        if cursor.window:
            since = _parse(cursor.window.get("since"))
            until = _parse(cursor.window["until"]) or run_start
            resume = cursor.window.get("resume")
        else:
            base = cursor.synced_until or (run_start - account.poll.history + account.poll.lookback)
            since, until, resume = base - account.poll.lookback, run_start, None
        open_ids: list[str] = []
        if stream == "orders":
            open_ids = await asyncio.to_thread(state.open_order_ids, self.engine, account.id)
        window = FetchWindow(since, until, resume, open_ids)
        target = PageTarget(account.id, account.marketplace, stream, RECORD_TYPES[stream],
                            notify=not initial)  # fmt: skip
        return await self._run(account, stream, "sync", [window], target, stream, None,
                               lease=lease)  # fmt: skip

    async def plan_resync(
        self,
        account: AccountConfig,
        stream: str,
        since: datetime,
        until: datetime | None = None,
        *,
        restart: bool = False,
        chunk: timedelta | None = None,
    ) -> ResyncPlan:
        """Where a resync of [since, until) starts: the unfinished window of the same
        command (same *since*, and *until* if given), else a new window ending now.

        *chunk*: one read's window; by default a day, or what the connector declares for
        the stream (``resync_chunks``: a report read in as few requests as it allows)."""
        chunk = chunk or self._resync_chunk(account, stream)
        saved = await asyncio.to_thread(state.read_cursor, self.engine, account.id,
                                        f"resync:{stream}")  # fmt: skip
        window = saved.window or {}
        asked = until.isoformat() if until else None
        same = window.get("since") == since.isoformat() and asked in (None, window.get("asked"))
        if window.get("until") and same and not restart:
            return ResyncPlan(since, _parse(window["until"]) or since, chunk, asked=asked,
                              start=_parse(window.get("chunk_since")) or since,
                              resume=window.get("resume"), resumed=True)  # fmt: skip
        now = self.clock()
        replaced = (window["since"], window["until"]) if window.get("until") else None
        return ResyncPlan(since, min(until or now, now), chunk, asked=asked, start=since,
                          replaced=replaced)  # fmt: skip

    def _resync_chunk(self, account: AccountConfig, stream: str) -> timedelta:
        chunks = load_connector(account.marketplace).resync_chunks
        return chunks.get(stream, timedelta(days=1))

    async def resync(
        self,
        account: AccountConfig,
        stream: str,
        since: datetime,
        until: datetime | None = None,
        *,
        chunk: timedelta | None = None,
        progress: Progress | None = None,
        plan: ResyncPlan | None = None,
        stop: asyncio.Event | None = None,
    ) -> RunResult:
        """Backfill [since, until) in chunks; resumable, idempotent, sends no notifications.

        The window is saved before the first read, so the same command resumes it even
        though "until" defaults to the moment it first ran. Setting *stop* ends the run
        after the current page with outcome ``interrupted``. Two resyncs of one (account,
        stream) never run at once: the second is skipped, naming the holder. A sync of the
        same stream (the daemon's) runs beside it.
        """
        async with self.coordinator.hold(f"resync:{account.id}:{stream}") as lease:
            if isinstance(lease, Held):
                return _skipped(account, stream, lease)
            plan = plan or await self.plan_resync(account, stream, since, until, chunk=chunk)
            return await self._resync(account, stream, plan, progress=progress, stop=stop,
                                      lease=lease)  # fmt: skip

    async def _resync(self, account: AccountConfig, stream: str, plan: ResyncPlan, *,
                      progress: Progress | None, stop: asyncio.Event | None,
                      lease: Lease) -> RunResult:  # fmt: skip
        key = f"resync:{stream}"
        meta = plan.meta()
        await asyncio.to_thread(self._save_window, account.id, key,
                                {**meta, "chunk_since": (plan.start or plan.since).isoformat(),
                                 "resume": plan.resume})  # fmt: skip
        windows, start, resume = [], plan.start or plan.since, plan.resume
        while start < plan.until:
            end = min(start + plan.chunk, plan.until)
            windows.append(FetchWindow(start, end, resume, backfill=True))
            start, resume = end, None
        target = PageTarget(account.id, account.marketplace, stream, RECORD_TYPES[stream],
                            notify=False)  # fmt: skip
        offset = plan.day - 1

        def report(done: int, _total: int, counts: PageCounts) -> None:
            if progress is not None:
                progress(offset + done, plan.total, counts)

        return await self._run(account, stream, "resync", windows, target, key, meta, report,
                               stop, lease=lease)  # fmt: skip

    def _save_window(self, account_id: str, key: str, window: dict[str, Any]) -> None:
        self.runtime.register_accounts()
        with self.engine.begin() as connection:
            state.save_cursor(connection, account_id, key, now=self.clock(), window=window)

    async def reread_orders(self, account: AccountConfig, external_ids: list[str]) -> RunResult:
        """Read the named orders again and store what the marketplace says now.

        For an order that looks wrong in the store; goes through the same mapping and
        page transaction as a sync, sends no notifications. ``result.error`` names the
        ids the marketplace did not return.
        """
        started, result = time.monotonic(), RunResult(account.id, "orders")
        connector = self._pool.connector(account)
        records: list[dict[str, Any]] = []
        problems: list[str] = []
        for external_id in dict.fromkeys(external_ids):  # one at a time: errors name the id
            try:
                found = await connector.fetch_orders([external_id])
            except NotSupportedError as exc:
                result.outcome, result.error = "failed", f"{exc}; use --since instead"
                return result
            except ConnectorError as exc:
                problems.append(f"{external_id}: {type(exc).__name__}: {exc}")
                continue
            if not found:
                problems.append(f"{external_id}: not returned by the marketplace")
            records += found
        if records:
            mapped = self._pool.mapping(account).map_page("order", records, account.id,
                                                    observed_at=self.clock())  # fmt: skip
            target = PageTarget(account.id, account.marketplace, "orders", "order", notify=False)
            result.counts = await asyncio.to_thread(self.commit_page, target, mapped, None, None)
        if problems:
            result.outcome, result.error = "failed", "; ".join(problems)
        result.seconds = time.monotonic() - started
        return result

    async def _run(self, account: AccountConfig, stream: str, kind: str,
                   windows: list[FetchWindow], target: PageTarget, cursor_key: str,
                   resync_meta: dict[str, Any] | None,
                   progress: Progress | None = None, stop: asyncio.Event | None = None, *,
                   lease: Lease) -> RunResult:  # fmt: skip
        started, now = time.monotonic(), self.clock()
        result = RunResult(account.id, stream)
        await asyncio.to_thread(self.runtime.register_accounts)
        run_id = await asyncio.to_thread(state.start_run, self.engine, account.id, stream, kind,
                                         now, owner=self.coordinator.owner)  # fmt: skip
        bound = log.bind(account=account.id, stream=stream, kind=kind, run=run_id)
        try:
            for index, window in enumerate(windows):
                await self._fetch_window(account, stream, window, target, cursor_key,
                                         resync_meta, result.counts, lease, stop)  # fmt: skip
                if progress:
                    progress(index + 1, len(windows), result.counts)
            await asyncio.to_thread(self._close, account, cursor_key, windows, resync_meta,
                                    result.counts.stale, result.counts.fetched, lease)  # fmt: skip
        except RateLimitedUntil as exc:
            # The server asked for a wait beyond the cap: this tick ends, committed pages
            # stay, and the scheduler runs the stream again after the moment it named.
            result.outcome, result.error = "rate_limited", str(exc)
            bound.warning("sync rate-limited", error=result.error)
        except UnavailableError as exc:  # the account's plan lacks it: not a failure
            result.outcome, result.error = "unavailable", f"not available for this account: {exc}"
        except (ConnectorError, OSError) as exc:
            result.outcome, result.error = "failed", f"{type(exc).__name__}: {exc}"
            bound.warning("sync failed", error=result.error)
        except (LeaseLost, _Stopping) as exc:
            # The cursor holds what was committed; whoever runs it next resumes there.
            result.outcome, result.error = "interrupted", str(exc)
            bound.warning("sync interrupted", error=result.error)
        except _Stopped:
            # Asked to stop (Ctrl-C): at a page boundary, the cursor saved with the page.
            result.outcome, result.error = "interrupted", "stopped at a page boundary"
        result.seconds = time.monotonic() - started
        self.runtime.observer.record_run(
            account.id, stream, result.counts, seconds=result.seconds, outcome=result.outcome
        )
        await asyncio.to_thread(
            state.finish_run, self.engine, run_id, outcome=result.outcome,
            counts=result.counts, now=self.clock(), error=result.error,
        )  # fmt: skip
        bound.info("sync done", outcome=result.outcome, fetched=result.counts.fetched,
                   inserted=result.counts.inserted, updated=result.counts.updated,
                   dead=result.counts.dead_lettered, seconds=round(result.seconds, 3))  # fmt: skip
        if result.counts.unknown_statuses:
            bound.warning("unmapped marketplace statuses kept raw",
                          statuses=sorted(result.counts.unknown_statuses))  # fmt: skip
        return result

    async def _fetch_window(self, account: AccountConfig, stream: str, window: FetchWindow,
                            target: PageTarget, cursor_key: str,
                            resync_meta: dict[str, Any] | None, counts: PageCounts,
                            lease: Lease, stop: asyncio.Event | None = None) -> None:  # fmt: skip
        connector, mapping = self._pool.connector(account), self._pool.mapping(account)
        async for page in connector.fetch(stream, window):
            if self.runtime.stop.is_set():
                raise _Stopping
            mapped = mapping.map_page(page.record_type, page.records, account.id,
                                      observed_at=window.until)  # fmt: skip
            position = {"since": _iso(window.since), "until": window.until.isoformat(),
                        "resume": page.resume}  # fmt: skip
            if resync_meta is not None:
                position = {**resync_meta, "chunk_since": _iso(window.since),
                            "resume": page.resume}  # fmt: skip
            page_target = PageTarget(target.account_id, target.marketplace, target.stream,
                                     page.record_type, target.source, target.notify,
                                     read_at=window.until)  # fmt: skip
            page_counts = await asyncio.to_thread(
                self.commit_page, page_target, mapped, cursor_key, position, lease)  # fmt: skip
            page_counts.stale = _stale(mapped, window.since)
            counts.add(page_counts)
            if stop is not None and stop.is_set():
                raise _Stopped

    def commit_page(self, target: PageTarget, mapped: MappedPage, cursor_key: str | None,
                    position: dict[str, Any] | None,
                    lease: Lease | None = None) -> PageCounts:  # fmt: skip
        """``commit_page`` over this service's runtime."""
        return commit_page(self.runtime, target, mapped, cursor_key, position, lease)

    def _close(self, account: AccountConfig, key: str, windows: list[FetchWindow],
               resync_meta: dict[str, Any] | None, stale: int,
               fetched: int = 0, lease: Lease | None = None) -> None:  # fmt: skip
        """Finish the window: the cursor moves to its end, unless the marketplace lagged.

        A record older than the window's start can only be listed because a newer
        change exists that the marketplace did not show yet; the next run then
        reads the same window again instead of skipping past that change.
        """
        now = self.clock()
        with self.engine.begin() as connection:
            if lease is not None:
                self.coordinator.fence(connection, lease)
            if resync_meta is not None:
                state.delete_cursor(connection, account.id, key)
                return
            if not windows:
                return
            until = windows[-1].until
            since = windows[0].since
            # A complete snapshot read lists everything there is. An empty answer is
            # likelier a marketplace hiccup than a catalogue with no rows at all: it
            # zeroes nothing and judges no push.
            info = STREAMS.get(key)
            if info is not None and info.snapshot and fetched:
                if info.record_type is RecordKind.STOCK:
                    zeroed = state.zero_unlisted(connection, account.id, windows[0].until, now)
                    stock_history.record_unlisted(
                        connection, account.id, windows[0].until,
                        day=stock_history.history_day(self.settings, now), now=now)  # fmt: skip
                    if zeroed:
                        log.info("stock rows the read no longer lists set to zero",
                                 account=account.id, rows=zeroed)  # fmt: skip
                if info.pushed:
                    mark_unlisted(connection, account.id, info.record_type.value,
                                  windows[0].until, now)  # fmt: skip
            if stale and since is not None:
                until = min(until, since + account.poll.lookback)
                log.warning("marketplace served stale records; re-reading the window next run",
                            account=account.id, stream=key, stale=stale)  # fmt: skip
            state.save_cursor(connection, account.id, key, now=now, synced_until=until,
                              window=None)  # fmt: skip


def commit_page(runtime: Runtime, target: PageTarget, mapped: MappedPage,
                cursor_key: str | None = None, position: dict[str, Any] | None = None,
                lease: Lease | None = None) -> PageCounts:  # fmt: skip
    """Write one mapped page and (optionally) its cursor position in one transaction.

    Blocking; what a sync run, a push and a retried dead letter write a page with. Under a
    *lease*, the transaction first renews it: a run whose lease another process took over
    commits nothing more (``LeaseLost``).
    """
    now = runtime.clock()
    runtime.register_accounts()
    with runtime.engine.begin() as connection:
        if lease is not None:
            runtime.coordinator.fence(connection, lease)
        counts = write_page(connection, runtime.settings, target, mapped, now=now)
        if cursor_key is not None:
            state.save_cursor(connection, target.account_id, cursor_key, now=now,
                              window=position)  # fmt: skip
    return counts


class _Stopping(Exception):
    def __str__(self) -> str:
        return "stopped by shutdown after the last committed page"


def _skipped(account: AccountConfig, stream: str, held: Held) -> RunResult:
    return RunResult(account.id, stream, outcome="skipped", error=str(held))


def _stale(mapped: MappedPage, since: datetime | None) -> int:
    if since is None:
        return 0
    return sum(
        1 for r in mapped.records
        if isinstance(r, OrderRecord | OrderStatusUpdate) and r.source_updated_at < since
    )  # fmt: skip


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
