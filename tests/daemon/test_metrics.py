"""``/metrics`` after a sandbox sync: the documented families with plausible values."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from mpsync.metrics import Metrics
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxServer
from mpsync.sync.service import SyncService
from mpsync.webhooks import WebhookContext, create_app
from tests.sync.conftest import make_settings
from tests.sync.test_webhooks import call


def test_metrics_after_a_sync(sandbox: SandboxServer, store: Engine, store_url: str) -> None:
    settings = make_settings(sandbox, store_url)
    metrics = Metrics(store, settings, clock=lambda: sandbox.state.world.now_dt)
    runtime = Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt,
                            observer=metrics)  # fmt: skip
    service = SyncService(runtime)

    async def scenario() -> str:
        await service.sync()
        await service.runtime.aclose()
        ctx = WebhookContext(store, settings, runtime.connectors.connector, service.clock,
                             metrics=metrics.exposition)  # fmt: skip
        app = create_app(ctx)
        scope_status, _ = await call(app, "/healthz", b"", method="GET")
        assert scope_status == 200
        payload, _ = metrics.exposition()
        return payload.decode()

    text = asyncio.run(scenario())
    families = {f.name: f for f in text_string_to_metric_families(text)}
    fetched = {s.labels["account"]: s.value for s in families["mpsync_records_fetched"].samples
               if s.name.endswith("_total")}  # fmt: skip
    assert set(fetched) == {"wb", "oz", "ym"} and all(v > 0 for v in fetched.values())
    requests = [s for s in families["mpsync_api_requests"].samples if s.name.endswith("_total")]
    assert {s.labels["marketplace"] for s in requests} == {"wildberries", "ozon", "yandex_market"}
    assert all(s.labels["status"] == "200" for s in requests)
    assert "mpsync_api_request_seconds" in families
    assert {s.labels["queue"] for s in families["mpsync_backlog"].samples} == {
        "pushes", "outbox", "dead_letters"}  # fmt: skip
    last = {(s.labels["account"], s.labels["stream"]) for s in
            families["mpsync_last_success_timestamp_seconds"].samples}  # fmt: skip
    assert ("oz", "orders") in last
    assert families["mpsync_build_info"].samples[0].labels["version"]
    health = {(s.labels["account"], s.labels["stream"]): s.value
              for s in families["mpsync_stream_healthy"].samples}  # fmt: skip
    streams = {(a.id, stream) for a in settings.accounts for stream in service.streams(a)}
    assert set(health) == streams and health[("oz", "orders")] == 1.0
