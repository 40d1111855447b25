"""``mpsync run``: scheduler, webhook server, push processor and dispatcher in one loop.

Each (account, stream) is an APScheduler job (``max_instances=1``, coalesced, jittered)
that runs only while this process holds the stream's lease, so replicas on one
PostgreSQL split the work; on SQLite one daemon holds the whole store. Every
long-running task is supervised (``mpsync.coordination.supervisor``). SIGTERM or SIGINT
stops taking work, lets running pages and deliveries finish, hands back what is held,
and exits.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from mpsync.config import Settings
from mpsync.coordination import Coordinator, Held, label_of
from mpsync.coordination.supervisor import Backoff, Supervisor
from mpsync.observe import QUIET, Observer
from mpsync.runtime import Clock, Runtime, utcnow
from mpsync.store.migrate import upgrade
from mpsync.sync.pushes import PushProcessor
from mpsync.sync.service import Schedule, SyncService
from mpsync.webhooks import WebhookContext, create_app

if TYPE_CHECKING:
    from mpsync.inbox.telegram import TelegramReplies
    from mpsync.notify.channels.base import Channel
    from mpsync.stocksync.job import StockJob

log = structlog.get_logger("mpsync.daemon")
SHUTDOWN_GRACE = 30.0
SOFT_SHARE = 0.75  # of the grace for work to finish on its own
STORE_UNIT = "daemon"


class StoreHeld(RuntimeError):
    """Another ``mpsync run`` holds this SQLite store (one daemon per SQLite file)."""

    def __init__(self, held: Held) -> None:
        since = held.since.strftime("%Y-%m-%dT%H:%M:%SZ") if held.since else "?"
        super().__init__(
            f"another mpsync run ({label_of(held.owner)}, since {since}) holds this store; "
            "stop it first, or use PostgreSQL to run several"
        )


DIGEST_CHECK = timedelta(minutes=5)
# The parts ``mpsync run`` runs besides syncing; each must import, or the daemon does not
# start: a broken install never runs silently without auto-confirm, invoices or retention.
# Every module the daemon imports inside a method is one (a test checks).
PARTS = ("mpsync.workflow", "mpsync.invoicing", "mpsync.notify", "mpsync.inbox.service",
         "mpsync.inbox.mailbox", "mpsync.inbox.telegram", "mpsync.analytics.digest",
         "mpsync.stocksync.job")  # fmt: skip


class BrokenInstall(RuntimeError):
    """A part of mpsync the daemon runs failed to import."""


def require_parts(parts: tuple[str, ...] = PARTS) -> None:
    """Import every part the daemon runs; the first that fails stops ``mpsync run`` with a
    one-line error naming it and why."""
    for name in parts:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise BrokenInstall(
                f"mpsync run cannot start: {name} failed to import ({exc}); "
                "reinstall mpsync (pip install --force-reinstall mpsync)"
            ) from exc


@dataclass
class DaemonStats:
    syncs: int = 0
    failures: int = 0
    pushes: int = 0
    workflow_runs: int = 0
    digest_checks: int = 0


class Daemon:
    """Everything ``mpsync run`` (and ``mpsync demo``) keeps running."""

    def __init__(self, engine: Engine, settings: Settings, *, clock: Clock = utcnow,
                 wall: Clock = utcnow, serve_http: bool = True, metrics: Observer | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 backoff: Backoff | None = None,
                 grace: float = SHUTDOWN_GRACE) -> None:  # fmt: skip
        # *clock* dates the data (the demo runs it fast); *wall* paces leases, heartbeats,
        # back-off and the scheduler, which live in real time.
        self.engine, self.settings, self.clock, self.wall = engine, settings, clock, wall
        self.serve_http = serve_http
        self.metrics = metrics
        self.grace = grace
        self.stop = asyncio.Event()
        self.ready = False
        self.stats = DaemonStats()
        self.channels: dict[str, Channel] = {}  # built by run(); closed at shutdown
        self.telegram_readers: list[TelegramReplies] = []  # their HTTP clients, likewise
        self.supervisor = Supervisor(clock=wall, sleep=sleep, observer=metrics, backoff=backoff)
        self.coordinator = Coordinator(engine, ttl=settings.coordination.lease, clock=wall,
                                       role="run", observer=metrics, sleep=sleep)  # fmt: skip
        self.coordinator.managed = True
        self.coordinator.tasks = self.supervisor.snapshot
        # What every part runs with: built here (no I/O), closed by the shutdown.
        self.runtime = Runtime.build(engine, settings, clock=clock, observer=metrics or QUIET,
                                     coordinator=self.coordinator)  # fmt: skip
        self.service = SyncService(self.runtime)
        self.stock: StockJob | None = None  # when [stock] is configured
        self.server: uvicorn.Server | None = None
        self._running: set[asyncio.Task[Any]] = set()
        self._beat_stop = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.coordination.max_runs)

    def is_ready(self) -> bool:
        """Serving and every supervised task up (``/readyz``)."""
        return self.ready and not self.stop.is_set() and self.supervisor.healthy()

    async def run(self) -> None:
        require_parts()
        await asyncio.to_thread(upgrade, self.engine)
        await asyncio.to_thread(self._join_store)
        spawn = self.supervisor.spawn
        # Beating from the start: what follows may take a while on a busy machine.
        beat = spawn("heartbeat", lambda: self.coordinator.keep_alive(self._beat_stop),
                     self._beat_stop)  # fmt: skip
        await asyncio.to_thread(self.runtime.register_accounts)
        pushes = PushProcessor(self.runtime)
        exposition = self.metrics.exposition if self.metrics else None
        ctx = WebhookContext.of(self.runtime, ready=self.is_ready, metrics=exposition)
        scheduler = self._scheduler()
        tasks = [spawn("pushes", lambda: self._pushes(pushes, ctx.wake), self.stop)]
        tasks += self._notification_tasks()
        tasks += self._mail_reply_tasks()
        if self.serve_http:
            tasks.append(spawn("http", lambda: self._serve(ctx), self.stop))
        if self.settings.stock is not None:  # [stock]: one stock across every channel
            from mpsync.stocksync.job import StockJob

            stock = StockJob(self.engine, self.settings, self.runtime.connectors.connector,
                             self.clock, coordinator=self.coordinator)  # fmt: skip
            self.stock, pushes.applied = stock, stock.wake
            tasks.append(spawn("stock", lambda: stock.serve(self.stop), self.stop))
        scheduler.start()
        self.ready = True
        log.info("mpsync running", accounts=len(self.settings.accounts),
                 jobs=len(scheduler.get_jobs()), process=self.coordinator.me.label)  # fmt: skip
        await self.stop.wait()
        await self._shutdown(scheduler, tasks, beat)

    def _join_store(self) -> None:
        """Register this process; on SQLite, refuse to start beside another daemon."""
        self.coordinator.register()
        if self.engine.dialect.name == "postgresql":
            return
        held = self.coordinator.try_acquire(STORE_UNIT)
        if isinstance(held, Held):
            self.coordinator.shutdown()
            raise StoreHeld(held)

    def request_stop(self) -> None:
        if not self.stop.is_set():
            log.info("stopping: finishing current work")
            self.stop.set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)

    def _scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(timezone="UTC")
        for account in self.settings.accounts:
            if not account.enabled:
                continue
            for stream in self.service.streams(account):
                name = f"sync {account.id}/{stream}"
                scheduler.add_job(
                    self._track(self.supervisor.job(name, self._sync_job(account.id, stream))),
                    "interval", seconds=account.poll_interval(stream).total_seconds(),
                    jitter=account.poll.jitter.total_seconds() or None,
                    id=f"sync:{account.id}:{stream}", replace_existing=True, max_instances=1,
                    coalesce=True, misfire_grace_time=60, next_run_time=self.wall(),
                )  # fmt: skip
        workflow = self._workflow_job()
        if workflow is not None:
            scheduler.add_job(
                self._track(self.supervisor.job("workflow", workflow)), "interval",
                seconds=self.settings.workflow.interval.total_seconds(), id="workflow",
                replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=60,
            )  # fmt: skip
        self._add_digest(scheduler)
        return scheduler

    def _add_digest(self, scheduler: AsyncIOScheduler) -> None:
        """The analytics digest (event ``report.digest``): checked now and every few minutes;
        its outbox dedupe key makes it once per period across restarts and replicas."""
        from mpsync.analytics.digest import enqueue_digest, wants_digest

        if not wants_digest(self.settings):
            return
        self.stats.digest_checks = 0

        async def job() -> None:
            if not self.stop.is_set():
                await asyncio.to_thread(enqueue_digest, self.engine, self.settings, self.clock())
                self.stats.digest_checks += 1

        # The scheduler keeps wall time; the job reads the injected clock for the period.
        scheduler.add_job(
            self._track(self.supervisor.job("digest", job)), "interval",
            seconds=DIGEST_CHECK.total_seconds(), id="digest", replace_existing=True,
            max_instances=1, coalesce=True, misfire_grace_time=60, next_run_time=self.wall(),
        )  # fmt: skip

    def _sync_job(self, account_id: str, stream: str) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            if self.stop.is_set():
                return
            account = self.settings.account(account_id)
            schedule = Schedule(account.poll_interval(stream), account.poll.jitter)
            async with self._slots:  # a free slot first, then the lease
                if self.stop.is_set():
                    return
                result = await self.service.sync_stream(account, stream, schedule=schedule)
            if result.outcome == "skipped":
                log.debug("sync skipped", account=account_id, stream=stream, reason=result.error)
                return
            self.stats.syncs += 1
            self.stats.failures += result.outcome not in ("ok", "rate_limited", "unavailable")

        return job

    def _workflow_job(self) -> Callable[[], Awaitable[None]] | None:
        from mpsync.workflow import WorkflowRunner  # require_parts has checked it imports

        runner = WorkflowRunner(self.runtime, self.service)
        schedule = Schedule(self.settings.workflow.interval)

        async def job() -> None:
            if not self.stop.is_set():
                await runner.run_once(schedule=schedule)
                self.stats.workflow_runs += 1

        return job

    def _track(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Remember the job's task while it runs, so shutdown can wait for it."""

        async def tracked() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            finally:
                if task is not None:
                    self._running.discard(task)

        return tracked

    async def _pushes(self, pushes: PushProcessor, wake: asyncio.Event) -> None:
        self.stats.pushes += await pushes.serve(self.stop, wake)

    def _notification_tasks(self) -> list[asyncio.Task[None]]:
        from mpsync.inbox.answers import CHANNEL
        from mpsync.inbox.service import answer_channel
        from mpsync.notify import Dispatcher, build_channels

        self.channels = build_channels(self.settings)
        # Answers to buyers are outbox rows too, delivered through the marketplace.
        channels = {**self.channels, CHANNEL: answer_channel(self.runtime)}
        lease = self.settings.notifications.lease or self.settings.coordination.lease
        dispatcher = Dispatcher(self.engine, self.settings, channels, clock=self.clock,
                                lease=lease, coordinator=self.coordinator)  # fmt: skip
        return [
            self.supervisor.spawn(
                "dispatcher", lambda: dispatcher.run(self.stop, interval=2.0), self.stop
            ),
            *self._reply_tasks(),
        ]

    def _mail_reply_tasks(self) -> list[asyncio.Task[None]]:
        """A mailbox reader per ``email`` channel with an ``imap`` table: replies approve
        drafts (``mpsync.inbox.mailbox``); one replica at a time polls each."""
        from mpsync.inbox.mailbox import MailReplies, mail_readers

        readers = mail_readers(self.engine, self.settings, clock=self.clock,
                               coordinator=self.coordinator, sleep=self.supervisor.sleep,
                               observer=self.metrics)  # fmt: skip

        def work(reader: MailReplies) -> Callable[[], Awaitable[None]]:
            return lambda: reader.serve(self.stop)

        return [self.supervisor.spawn(f"mail-replies:{reader.name}", work(reader), self.stop)
                for reader in readers]  # fmt: skip

    def _reply_tasks(self) -> list[asyncio.Task[None]]:
        """Telegram channels with ``approve_by_reply``: read the chat for replies to drafts."""
        from mpsync.inbox.telegram import TelegramReplies, reply_channels

        readers = [TelegramReplies(self.engine, config, clock=self.clock,
                                   coordinator=self.coordinator, sleep=self.supervisor.sleep,
                                   observer=self.metrics)
                   for config in reply_channels(self.settings)]  # fmt: skip
        self.telegram_readers = readers

        def work(reader: TelegramReplies) -> Callable[[], Awaitable[None]]:
            return lambda: reader.serve(self.stop)

        return [self.supervisor.spawn(f"telegram-replies:{reader.name}", work(reader), self.stop)
                for reader in readers]  # fmt: skip

    async def _serve(self, ctx: WebhookContext) -> None:
        host, port = self.settings.server.host, self.settings.server.port
        config = uvicorn.Config(create_app(ctx), host=host, port=port, log_config=None,
                                access_log=False, lifespan="off")  # fmt: skip
        self.server = uvicorn.Server(config)
        # uvicorn captures SIGTERM/SIGINT while serving, stops, then re-raises the
        # signal to the handlers installed before it: ours, which stop the rest.
        try:
            await self.server.serve()
        except SystemExit:  # uvicorn exits when it cannot listen
            raise RuntimeError(f"the HTTP server cannot listen on {host}:{port}") from None
        if not self.server.started:
            raise RuntimeError(f"the HTTP server cannot listen on {host}:{port}")
        self.request_stop()

    async def _shutdown(self, scheduler: AsyncIOScheduler, tasks: list[asyncio.Task[None]],
                        beat: asyncio.Task[None]) -> None:  # fmt: skip
        # Pause first: shutting the scheduler down would cancel the jobs that run.
        scheduler.pause()
        if self.server is not None:
            self.server.should_exit = True
        # Runs finish if they can; late in the grace they stop after the page they write
        # (the cursor keeps their place), and what is still running then is cancelled.
        working = tasks + list(self._running)
        done, pending = await asyncio.wait(working, timeout=self.grace * SOFT_SHARE)
        if pending:
            self.runtime.stop.set()
            log.info("grace nearly over: runs stop after their current page")
            more, pending = await asyncio.wait(pending, timeout=self.grace * (1 - SOFT_SHARE))
            done |= more
        scheduler.shutdown(wait=False)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._beat_stop.set()
        await asyncio.gather(beat, return_exceptions=True)
        await self.runtime.aclose()  # its connectors; the coordinator is shut down next
        await asyncio.to_thread(self.coordinator.shutdown)
        from mpsync.notify import close_channels

        await close_channels(self.channels)
        for reader in self.telegram_readers:
            await reader.aclose()
        log.info("stopped", finished=len(done), cancelled=len(pending))
