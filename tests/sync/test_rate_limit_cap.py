"""Issue 15: a server-directed wait has a ceiling (``timeout.max_server_wait``, 5 minutes).

``Retry-After: 86400`` (RFC 9110 §10.2.3: seconds to wait) ends the stream's tick at once,
with "rate-limited until T": ``mpsync status`` shows it, the metrics count it, the scheduler
leaves the stream alone until T and runs it after. A wait within the cap is still waited.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import respx
from sqlalchemy import Engine
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.config import load_config_data
from mpsync.metrics import Metrics
from mpsync.runtime import Runtime
from mpsync.sync.service import Schedule, SyncService

BASE = "http://mp.test/ozon"
LIST = f"{BASE}/v4/posting/fbs/list"
SCHEDULE = Schedule(timedelta(minutes=1))


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


async def test_retry_after_a_day_ends_the_tick_and_status_says_until_when(
    store: Engine, store_url: str, tmp_path: Path
) -> None:
    account = {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k3y",
               "api_base_url": BASE}  # fmt: skip
    settings = load_config_data({"store": {"url": store_url}, "accounts": [account]}, env={})
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    clock, metrics = Clock(), Metrics()
    service = SyncService(
        Runtime.build(store, settings, clock=clock, sleep=sleep, observer=metrics)
    )
    service.runtime.register_accounts()
    oz = settings.account("oz")
    try:
        with respx.mock(assert_all_called=False) as router:
            route = router.post(LIST).respond(429, headers={"Retry-After": "86400"},
                                              json={"message": "too many"})  # fmt: skip
            result = await service.sync_stream(oz, "orders", schedule=SCHEDULE)
            assert result.outcome == "rate_limited" and route.call_count == 1
            assert sum(waits) <= oz.timeout.max_server_wait.total_seconds()
            assert result.error is not None and result.error.startswith("rate-limited until ")
            again = await service.sync_stream(oz, "orders", schedule=SCHEDULE)
            assert again.outcome == "skipped" and "rate-limited until" in (again.error or "")
            assert route.call_count == 1  # the scheduler leaves it alone until T
    finally:
        await service.runtime.aclose()
    sample = metrics.registry.get_sample_value("mpsync_rate_limited_runs_total",
                                               {"account": "oz", "stream": "orders"})  # fmt: skip
    assert sample == 1.0

    config = tmp_path / "mpsync.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n[[accounts]]\nid = "oz"\n'
                      f'marketplace = "ozon"\nclient_id = "1"\napi_key = "k3y"\n',
                      encoding="utf-8")  # fmt: skip
    runner = CliRunner()
    shown = runner.invoke(app, ["status", "--json", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    row = next(s for s in json.loads(shown.stdout)["streams"] if s["stream"] == "orders")
    assert row["health"] == "rate_limited" and row["outcome"] == "rate_limited"
    until = datetime.fromisoformat(row["rate_limited_until"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(days=1)
    table = runner.invoke(app, ["status", "--wide", "--config", str(config)])
    assert "rate-limited until" in table.stdout, table.stdout

    clock.now = until + timedelta(seconds=1)  # after T the stream runs again
    service = SyncService(Runtime.build(store, settings, clock=clock, sleep=sleep))
    service.runtime.register_accounts()
    try:
        with respx.mock(assert_all_called=False) as router:
            route = router.post(LIST).respond(json={"postings": [], "has_next": False})
            result = await service.sync_stream(oz, "orders", schedule=SCHEDULE)
        assert result.outcome == "ok" and route.call_count >= 1
    finally:
        await service.runtime.aclose()


async def test_a_wait_within_the_cap_is_waited() -> None:
    from mpsync.connector.http import HttpClient
    from mpsync.connector.limits import Parallel

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = HttpClient(marketplace="ozon", headers={}, limits={"g": Parallel(1)}, sleep=sleep,
                        max_server_wait=300.0)  # fmt: skip
    with respx.mock() as router:
        router.get(f"{BASE}/x").mock(side_effect=[
            httpx.Response(429, headers={"Retry-After": "120"}), httpx.Response(200, json={}),
        ])  # fmt: skip
        await client.request("GET", f"{BASE}/x", group="g")
    await client.aclose()
    assert waits == [120.0]
