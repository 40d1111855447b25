"""Prometheus metrics for ``GET /metrics``: counters fed by the engine, gauges read from the store.

Counters live in a registry per ``Metrics`` object (no module-level state);
backlogs, deliveries and last-success times are queried at scrape time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from mpsync import __version__
from mpsync.config import Settings
from mpsync.store.tables import SyncRun

_BACKLOG = {
    "inbox": "SELECT COUNT(*) FROM inbox WHERE state IN ('pending', 'processing')",
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
        self._coordination_metrics()
        Info("mpsync_build", "mpsync build information",
             registry=self.registry).info({"version": __version__})  # fmt: skip
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

    def task_up(self, task: str, up: bool) -> None:
        self.up.labels(task).set(1.0 if up else 0.0)

    def request_done(self, marketplace: str, group: str, status: int, seconds: float) -> None:
        self.requests.labels(marketplace, group, str(status)).inc()
        self.latency.labels(marketplace, group).observe(seconds)

    def rate_limited(self, marketplace: str, group: str, wait: float) -> None:
        self.waits.labels(marketplace, group).inc()
        self.wait_seconds.labels(marketplace, group).inc(max(wait, 0.0))

    def record_run(self, account: str, stream: str, counts: Any) -> None:
        self.fetched.labels(account, stream).inc(counts.fetched)
        self.inserted.labels(account, stream).inc(counts.inserted)
        self.updated.labels(account, stream).inc(counts.updated)
        self.dead.labels(account, stream).inc(counts.dead_lettered)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
