"""``mpsync run``: scheduler, webhook server, inbox processor and dispatcher in one loop.

Each (account, stream) is an APScheduler job (``max_instances=1``, coalesced,
jittered); a failing job is logged and retried on its next tick. SIGTERM or
SIGINT stops taking work, lets running page transactions finish, and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from mpsync.config import Settings
from mpsync.store.migrate import upgrade
from mpsync.sync.inbox import InboxProcessor
from mpsync.sync.service import Clock, SyncService, utcnow
from mpsync.webhooks import WebhookContext, create_app

log = structlog.get_logger("mpsync.daemon")
SHUTDOWN_GRACE = 30.0


@dataclass
class DaemonStats:
    syncs: int = 0
    failures: int = 0
    pushes: int = 0
    workflow_runs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Daemon:
    """Everything ``mpsync run`` (and ``mpsync demo``) keeps running."""

    def __init__(self, engine: Engine, settings: Settings, *, clock: Clock = utcnow,
                 serve_http: bool = True, metrics: Any = None) -> None:  # fmt: skip
        self.engine, self.settings, self.clock = engine, settings, clock
        self.serve_http = serve_http
        self.metrics = metrics
        self.stop = asyncio.Event()
        self.ready = False
        self.stats = DaemonStats()
        self.service: SyncService | None = None
        self.server: uvicorn.Server | None = None
        self._running: set[asyncio.Task[Any]] = set()

    async def run(self) -> None:
        await asyncio.to_thread(upgrade, self.engine)
        self.service = SyncService(self.engine, self.settings, clock=self.clock,
                                   metrics=self.metrics)  # fmt: skip
        inbox = InboxProcessor(self.service)
        ctx = WebhookContext(self.engine, self.settings, self.service.connector, self.clock,
                             ready=lambda: self.ready,
                             metrics=getattr(self.metrics, "exposition", None))  # fmt: skip
        scheduler = self._scheduler()
        tasks = [asyncio.create_task(self._inbox_loop(inbox, ctx.wake), name="inbox")]
        tasks += self._notification_tasks()
        if self.serve_http:
            tasks.append(asyncio.create_task(self._serve(ctx), name="http"))
        scheduler.start()
        self.ready = True
        log.info("mpsync running", accounts=len(self.settings.accounts),
                 jobs=len(scheduler.get_jobs()))  # fmt: skip
        await self.stop.wait()
        await self._shutdown(scheduler, tasks)

    def request_stop(self) -> None:
        if not self.stop.is_set():
            log.info("stopping: finishing current work")
            self.stop.set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)

    def _scheduler(self) -> AsyncIOScheduler:
        assert self.service is not None
        scheduler = AsyncIOScheduler(timezone="UTC")
        for account in self.settings.accounts:
            if not account.enabled:
                continue
            for stream in self.service.streams(account):
                scheduler.add_job(
                    self._guard(f"sync {account.id}/{stream}", self._sync_job(account.id, stream)),
                    "interval", seconds=account.poll_interval(stream).total_seconds(),
                    jitter=account.poll.jitter.total_seconds() or None,
                    id=f"sync:{account.id}:{stream}", replace_existing=True, max_instances=1,
                    coalesce=True, misfire_grace_time=60, next_run_time=self.clock(),
                )  # fmt: skip
        workflow = self._workflow_job()
        if workflow is not None:
            scheduler.add_job(
                self._guard("workflow", workflow), "interval",
                seconds=self.settings.workflow.interval.total_seconds(), id="workflow",
                replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=60,
            )  # fmt: skip
        return scheduler

    def _sync_job(self, account_id: str, stream: str) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            assert self.service is not None
            if self.stop.is_set():
                return
            account = self.settings.account(account_id)
            result = await self.service.sync_stream(account, stream)
            self.stats.syncs += 1
            self.stats.failures += result.outcome != "ok"

        return job

    def _workflow_job(self) -> Callable[[], Awaitable[None]] | None:
        try:
            from mpsync.workflow import WorkflowRunner
        except ImportError:
            return None
        assert self.service is not None
        runner = WorkflowRunner(self.service)

        async def job() -> None:
            if not self.stop.is_set():
                await runner.run_once()
                self.stats.workflow_runs += 1

        return job

    def _guard(
        self, name: str, job: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        async def guarded() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the daemon
                self.stats.failures += 1
                log.error("job failed; retrying on its next tick", job=name,
                          error=f"{type(exc).__name__}: {exc}")  # fmt: skip
            finally:
                if task is not None:
                    self._running.discard(task)

        return guarded

    async def _inbox_loop(self, inbox: InboxProcessor, wake: asyncio.Event) -> None:
        while not self.stop.is_set():
            try:
                stats = await inbox.run_once()
                self.stats.pushes += stats.processed
            except Exception as exc:  # noqa: BLE001 - keep processing later events
                log.error("inbox processing failed", error=f"{type(exc).__name__}: {exc}")
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=5.0)

    def _notification_tasks(self) -> list[asyncio.Task[None]]:
        from mpsync.notify import Dispatcher, build_channels

        channels = build_channels(self.settings)
        self.stats.extra["channels"] = channels
        dispatcher = Dispatcher(self.engine, self.settings, channels, clock=self.clock,
                                lease=self.settings.notifications.lease)  # fmt: skip
        return [asyncio.create_task(dispatcher.run(self.stop, interval=2.0), name="dispatcher")]

    async def _serve(self, ctx: WebhookContext) -> None:
        config = uvicorn.Config(create_app(ctx), host=self.settings.server.host,
                                port=self.settings.server.port, log_config=None,
                                access_log=False, lifespan="off")  # fmt: skip
        self.server = uvicorn.Server(config)
        # uvicorn captures SIGTERM/SIGINT while serving, stops, then re-raises the
        # signal to the handlers installed before it: ours, which stop the rest.
        await self.server.serve()
        self.request_stop()

    async def _shutdown(self, scheduler: AsyncIOScheduler, tasks: list[asyncio.Task[None]]) -> None:
        # Pause first: shutting the scheduler down would cancel the jobs that run.
        scheduler.pause()
        if self.server is not None:
            self.server.should_exit = True
        done, pending = await asyncio.wait(tasks + list(self._running), timeout=SHUTDOWN_GRACE)
        scheduler.shutdown(wait=False)
        for task in pending:
            task.cancel()
        if self.service is not None:
            await self.service.aclose()
        from mpsync.notify import close_channels

        await close_channels(self.stats.extra.get("channels", {}))
        log.info("stopped", finished=len(done), cancelled=len(pending))
