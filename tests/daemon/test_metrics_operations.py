"""Issue 13 point 9: sync duration histograms, pushes by answer, write-backs, process_*,
and no ``_created`` twins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from mpsync.metrics import Metrics
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxServer
from mpsync.sync.service import SyncService
from mpsync.webhooks import WebhookContext, create_app
from tests.sync.conftest import make_settings
from tests.sync.test_webhooks import call


def test_operations_metrics(sandbox: SandboxServer, store: Engine, store_url: str) -> None:
    settings = make_settings(sandbox, store_url)
    metrics = Metrics(store, settings, clock=lambda: sandbox.state.world.now_dt)
    runtime = Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt,
                            observer=metrics)  # fmt: skip
    service = SyncService(runtime)

    async def scenario() -> None:
        await service.sync(stream="orders")
        ctx = WebhookContext(store, settings, runtime.connectors.connector, service.clock,
                             metrics=metrics.exposition, observer=metrics)  # fmt: skip
        app = create_app(ctx)
        assert (await call(app, "/webhooks/oz/wrong-token", b"{}"))[0] == 403
        assert (await call(app, "/webhooks/nobody-at-all/x", b"{}"))[0] in (403, 404)
        ping = b'{"message_type": "TYPE_PING", "time": "2026-11-01T12:00:00Z"}'
        assert (await call(app, "/webhooks/oz/hook-oz-secret", ping))[0] == 200
        assert (await call(app, "/webhooks/oz/hook-oz-secret", b"{not json"))[0] >= 400
        await service.runtime.aclose()

    asyncio.run(scenario())
    with store.begin() as connection:
        order = connection.execute(text("SELECT id FROM orders WHERE account_id = 'oz' LIMIT 1"))
        connection.execute(
            text("INSERT INTO write_backs (order_id, action, state, attempts, created_at)"
                 " VALUES (:o, 'ship', 'failed', 1, :t)"),
            {"o": order.scalar_one(), "t": datetime.now(UTC)},
        )  # fmt: skip
    payload = metrics.exposition()[0].decode()
    assert "_created" not in payload
    families = {f.name: f for f in text_string_to_metric_families(payload)}
    durations = {(s.labels["account"], s.labels["outcome"]) for s in
                 families["mpsync_sync_duration_seconds"].samples
                 if s.name.endswith("_count") and s.value == 1}  # fmt: skip
    assert durations == {("wb", "ok"), ("oz", "ok"), ("ym", "ok")}
    received = {s.labels["account"]: s.value
                for s in families["mpsync_pushes_received"].samples}  # fmt: skip
    assert received == {"oz": 3.0, "unknown": 1.0}
    rejected = {(s.labels["account"], s.labels["reason"]): s.value
                for s in families["mpsync_pushes_rejected"].samples}  # fmt: skip
    assert rejected[("oz", "forbidden")] == 1.0 and ("oz", "malformed") in rejected
    writes = {(s.labels["account"], s.labels["action"], s.labels["state"]): s.value
              for s in families["mpsync_write_backs"].samples}  # fmt: skip
    assert writes == {("oz", "ship", "failed"): 1.0}
    assert "process_cpu_seconds" in families and "python_info" in families
    assert "mpsync_rate_limit_waits" in families


def test_failed_reads_of_reply_channels_are_exposed() -> None:
    metrics = Metrics()
    metrics.reply_read_failed("mail")
    metrics.reply_read_failed("mail")
    exposition = metrics.exposition()[0].decode()
    assert 'mpsync_reply_read_failures_total{channel="mail"} 2.0' in exposition
