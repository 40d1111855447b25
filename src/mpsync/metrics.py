"""Prometheus metrics for ``GET /metrics``: counters fed by the engine, gauges read from the store.

Counters live in a registry per ``Metrics`` object (no module-level state);
backlogs, deliveries, write-backs and last-success times are queried at scrape time.
``PushMetrics`` counts marketplace pushes by the answer the webhook app gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from mpsync import __version__
from mpsync.config import Settings
from mpsync.observe import PushObserver
from mpsync.store.tables import SyncRun

# A sync run lasts from well under a second (nothing new) to many minutes (a resync).
_RUN_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600)
_REJECTIONS = {400: "malformed", 401: "forbidden", 403: "forbidden", 404: "not_found",
               413: "too_large", 422: "malformed", 503: "store_unavailable"}  # fmt: skip
_WRITE_BACKS = (
    "SELECT o.account_id, w.action, w.state, COUNT(*) FROM write_backs w"
    " JOIN orders o ON o.id = w.order_id GROUP BY o.account_id, w.action, w.state"
)
_BACKLOG = {
    "pushes": "SELECT COUNT(*) FROM pushes WHERE state IN ('pending', 'processing')",
    "outbox": "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')",
    "dead_letters": "SELECT COUNT(*) FROM dead_letters WHERE state = 'open'",
}


class _StoreCollector(Collector):
    """Gauges that are facts about the store, read when Prometheus scrapes."""

    def __init__(self, engine: Engine, settings: Settings | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self.engine = engine
        self.settings = settings
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.engine.connect() as connection:
                yield from self._collect(connection)
            if self.settings is not None:
                yield self._health(self.settings)
        except SQLAlchemyError:
            return

    def _health(self, settings: Settings) -> GaugeMetricFamily:
        """1 per (account, stream) whose ``mpsync status`` health is ok, else 0."""
        from mpsync.status import collect_status

        gauge = GaugeMetricFamily(
            "mpsync_stream_healthy",
            "1 when the stream's last run succeeded and a success is at most 3 poll "
            "intervals old, else 0 (failing, overdue or never synced)",
            labels=["account", "stream", "health"],
        )
        now = self.clock() if self.clock else None
        for stream in collect_status(self.engine, settings, now=now).streams:
            gauge.add_metric([stream.account, stream.stream, stream.health],
                             1.0 if stream.health == "ok" else 0.0)  # fmt: skip
        return gauge

    def _collect(self, connection: Any) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("mpsync_backlog", "Rows waiting, by queue", labels=["queue"])
        for queue, sql in _BACKLOG.items():
            backlog.add_metric([queue], float(connection.execute(text(sql)).scalar_one()))
        yield backlog
        sent = GaugeMetricFamily("mpsync_notifications", "Outbox messages by channel and state",
                                 labels=["channel", "state"])  # fmt: skip
        for channel, state, count in connection.execute(
            text("SELECT channel, state, COUNT(*) FROM outbox GROUP BY channel, state")
        ):
            sent.add_metric([channel, state], float(count))
        yield sent
        last = GaugeMetricFamily("mpsync_last_success_timestamp_seconds",
                                 "End of the last successful sync run",
                                 labels=["account", "stream"])  # fmt: skip
        runs = SyncRun.__table__  # type: ignore[attr-defined]
        query = (
            select(runs.c.account_id, runs.c.stream, func.max(runs.c.finished_at))
            .where(runs.c.outcome == "ok")
            .group_by(runs.c.account_id, runs.c.stream)
        )
        for account, stream, finished in connection.execute(query):
            if finished is not None:
                last.add_metric([account, stream], finished.timestamp())
        yield last
        writes = GaugeMetricFamily("mpsync_write_backs", "Status write-backs by outcome",
                                   labels=["account", "action", "state"])  # fmt: skip
        for account, action, state, count in connection.execute(text(_WRITE_BACKS)):
            writes.add_metric([account, action, state], float(count))
        yield writes


class Metrics:
    """The daemon's metrics; also the connectors' ``HttpObserver``."""

    def __init__(
        self,
        engine: Engine | None = None,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """*settings* adds the per-stream health gauge; *clock* is its "now" (tests)."""
        # No `*_created` twin per counter (prometheus_client's switch is process-wide).
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        labels = ["account", "stream"]
        self.fetched = Counter("mpsync_records_fetched", "Records read from marketplaces",
                               labels, registry=self.registry)  # fmt: skip
        self.inserted = Counter("mpsync_records_inserted", "Records inserted into the store",
                                labels, registry=self.registry)  # fmt: skip
        self.updated = Counter("mpsync_records_updated", "Records changed in the store",
                               labels, registry=self.registry)  # fmt: skip
        self.dead = Counter("mpsync_records_dead_lettered", "Records sent to dead letters",
                            labels, registry=self.registry)  # fmt: skip
        self.requests = Counter("mpsync_api_requests", "Marketplace API requests",
                                ["marketplace", "group", "status"],
                                registry=self.registry)  # fmt: skip
        self.latency = Histogram("mpsync_api_request_seconds", "Marketplace API latency",
                                 ["marketplace", "group"], registry=self.registry)  # fmt: skip
        self.waits = Counter("mpsync_rate_limit_waits", "Waits imposed by rate limits",
                             ["marketplace", "group"], registry=self.registry)  # fmt: skip
        self.wait_seconds = Counter("mpsync_rate_limit_wait_seconds", "Seconds spent waiting",
                                    ["marketplace", "group"], registry=self.registry)  # fmt: skip
        self.rate_limited_runs = Counter(
            "mpsync_rate_limited_runs", "Runs ended early: the marketplace asked to wait "
            "beyond timeout.max_server_wait", labels, registry=self.registry,
        )  # fmt: skip
        self._coordination_metrics()
        self.sync_seconds = Histogram(
            "mpsync_sync_duration_seconds", "Duration of sync and resync runs",
            ["account", "stream", "outcome"], buckets=_RUN_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.pushes = Counter("mpsync_pushes_received", "Marketplace pushes received",
                              ["account"], registry=self.registry)  # fmt: skip
        self.rejected = Counter("mpsync_pushes_rejected", "Pushes answered with an error",
                                ["account", "reason"], registry=self.registry)  # fmt: skip
        Info("mpsync_build", "mpsync build information",
             registry=self.registry).info({"version": __version__})  # fmt: skip
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self._accounts = {a.id for a in settings.accounts} if settings is not None else None
        if engine is not None:
            self.registry.register(_StoreCollector(engine, settings, clock))

    def _coordination_metrics(self) -> None:
        """This process's share of the work among replicas, and its supervised tasks."""
        kind = ["kind"]  # sync | resync | workflow | retention | daemon
        self.work = Counter("mpsync_work_done", "Units of work this process ran (per replica)",
                            kind, registry=self.registry)  # fmt: skip
        self.skipped = Counter("mpsync_work_skipped", "Units skipped: another process held them",
                               kind, registry=self.registry)  # fmt: skip
        self.takeovers = Counter("mpsync_lease_takeovers",
                                 "Units taken over from a process whose lease ran out",
                                 kind, registry=self.registry)  # fmt: skip
        self.crashes = Counter("mpsync_task_crashes", "Supervised tasks that raised (restarted)",
                               ["task"], registry=self.registry)  # fmt: skip
        self.reply_failures = Counter(
            "mpsync_reply_read_failures",
            "Failed reads of a channel's replies (mailbox, Telegram updates), retried with backoff",
            ["channel"], registry=self.registry,
        )  # fmt: skip
        self.up = Gauge("mpsync_task_up", "1 while a supervised task runs, 0 while it is down",
                        ["task"], registry=self.registry)  # fmt: skip

    def work_done(self, kind: str) -> None:
        self.work.labels(kind).inc()

    def work_skipped(self, kind: str) -> None:
        self.skipped.labels(kind).inc()

    def lease_taken_over(self, kind: str) -> None:
        self.takeovers.labels(kind).inc()

    def task_crashed(self, task: str) -> None:
        self.crashes.labels(task).inc()

    def reply_read_failed(self, channel: str) -> None:
        self.reply_failures.labels(channel).inc()

    def task_up(self, task: str, up: bool) -> None:
        self.up.labels(task).set(1.0 if up else 0.0)

    def request_done(self, marketplace: str, group: str, status: int, seconds: float) -> None:
        self.requests.labels(marketplace, group, str(status)).inc()
        self.latency.labels(marketplace, group).observe(seconds)

    def rate_limited(self, marketplace: str, group: str, wait: float) -> None:
        self.waits.labels(marketplace, group).inc()
        self.wait_seconds.labels(marketplace, group).inc(max(wait, 0.0))

    def record_run(self, account: str, stream: str, counts: Any, *,
                   seconds: float | None = None, outcome: str = "ok") -> None:  # fmt: skip
        if seconds is not None:
            self.sync_seconds.labels(account, stream, outcome).observe(seconds)
        if outcome == "rate_limited":
            self.rate_limited_runs.labels(account, stream).inc()
        self.fetched.labels(account, stream).inc(counts.fetched)
        self.inserted.labels(account, stream).inc(counts.inserted)
        self.updated.labels(account, stream).inc(counts.updated)
        self.dead.labels(account, stream).inc(counts.dead_lettered)

    def push_answered(self, account: str, status: int) -> None:
        """Count a push by the answer it got; unknown account ids share one label."""
        if self._accounts is not None and account not in self._accounts:
            account = "unknown"
        self.pushes.labels(account).inc()
        if status >= 300:
            self.rejected.labels(account, _REJECTIONS.get(status, f"http_{status}")).inc()

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class PushMetrics:
    """ASGI middleware: each ``/webhooks/{account}/...`` request counted by its answer."""

    def __init__(self, app: Any, metrics: PushObserver) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = str(scope.get("path", "")) if scope.get("type") == "http" else ""
        if not path.startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        status = [500]

        async def capture(message: Any) -> None:
            if message.get("type") == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            self.metrics.push_answered(path.split("/")[2], status[0])
