"""Sandbox behaviour: determinism, simulated time, faults, push, control API, server, CLI."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import typer
from sandbox_helpers import OZON, START, WB
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from mpsync.cli import sandbox_cmd
from mpsync.sandbox import SandboxConfig, SandboxServer, SandboxState


def _config(**overrides: Any) -> SandboxConfig:
    values: dict[str, Any] = {
        "seed": 3,
        "backlog": 200,
        "orders_per_minute": 3,
        "start_time": START,
        "rate_limit_scale": 0,
    }
    return SandboxConfig(**{**values, **overrides})


def test_same_seed_same_truth_and_chunking_does_not_matter() -> None:
    one, two = SandboxState(_config()), SandboxState(_config())
    one.advance(240)
    for _ in range(8):
        two.advance(30)
    assert one.truth() == two.truth()
    other = SandboxState(_config(seed=4))
    other.advance(240)
    assert other.truth()["orders"] != one.truth()["orders"]


def test_time_moves_orders_and_statuses_are_realistic() -> None:
    state = SandboxState(_config(backlog=3000))
    before = {o["external_id"]: o["status"] for o in state.truth()["orders"]}
    state.advance(60)
    after = state.truth()["orders"]
    assert len(after) > len(before)
    moved = [
        o for o in after if o["external_id"] in before and before[o["external_id"]] != o["status"]
    ]
    assert moved
    statuses = Counter(o["status"] for o in after)
    assert 0.04 < statuses["cancelled"] / len(after) < 0.12
    assert statuses["returned"] > 0 and statuses["delivered"] > 0
    for order in after:
        assert order["created_at"].endswith("Z") and order["currency"] == "RUB"
        assert sum(float(line["total"]) for line in order["lines"]) == float(order["total"])


async def test_control_api(client: httpx.AsyncClient, state: SandboxState) -> None:
    r = await client.post("/_sandbox/advance", params={"minutes": 30})
    assert r.status_code == 200 and r.json()["now"] == "2025-06-01T12:30:00Z"
    truth = (await client.get("/_sandbox/truth", params={"marketplace": "ozon"})).json()
    assert (
        {o["marketplace"] for o in truth["orders"]} == {"ozon"}
        and truth["stock"]
        and truth["prices"]
    )
    assert (
        await client.get("/_sandbox/truth", params={"marketplace": "amazon"})
    ).status_code == 400
    await client.get("/wildberries/api/v3/orders/new", headers=WB)
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["endpoints"]["wildberries GET /api/v3/orders/new"]["200"] == 1
    assert (await client.post("/_sandbox/faults", json={"error_rate": 2})).status_code == 400
    assert (await client.post("/_sandbox/faults", json={"error_rate": 0.5})).json()[
        "error_rate"
    ] == 0.5
    assert (await client.post("/_sandbox/reset")).json()["now"] == "2025-06-01T12:00:00Z"
    assert len(state.world.tables["ozon"]) == 300 and state.config.faults.error_rate == 0.5


async def test_faults_error_malformed_duplicate_out_of_order(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    state.set_faults({"error_rate": 1.0})
    r = await client.get("/wildberries/api/v3/orders/new", headers=WB)
    assert r.status_code in (500, 503) and r.json()["status"] == r.status_code
    state.set_faults({"error_rate": 0.0, "malformed_rate": 1.0})
    r = await client.get("/wildberries/api/v3/warehouses", headers=WB)
    assert r.status_code == 200
    try:
        r.json()
        raise AssertionError("the body should be malformed")
    except ValueError:
        pass
    state.set_faults({"malformed_rate": 0.0, "duplicate_rate": 1.0})
    body = {"filter": {"since": "2025-05-01T00:00:00Z", "to": "2025-06-02T00:00:00Z"}, "limit": 10}
    first = (await client.post("/ozon/v4/posting/fbs/list", json=body, headers=OZON)).json()
    second = (
        await client.post(
            "/ozon/v4/posting/fbs/list", json={**body, "cursor": first["cursor"]}, headers=OZON
        )
    ).json()
    assert second["postings"][0]["posting_number"] == first["postings"][-1]["posting_number"]
    state.set_faults({"duplicate_rate": 0.0, "out_of_order_rate": 1.0})
    table = state.world.tables["yandex_market"]
    row = next(r for r in range(len(table)) if table.prev_state[r] != table.state[r])
    r = await client.post(
        "/yandex_market/v1/businesses/1/orders",
        json={"orderIds": [51_000_000_000 + row]},
        headers={"Api-Key": "k"},
    )
    shown = r.json()["orders"][0]
    older = state.world.flows["yandex_market"].states[table.prev_state[row]]
    assert (shown["status"], shown["substatus"]) == (older.status, older.substatus)
    assert state.stats()["faults"]["out_of_order"] >= 1


def _receiver(log: list[dict[str, Any]], fail_first: int = 0) -> Starlette:
    calls = {"n": 0}

    async def hook(request: Request) -> JSONResponse:
        calls["n"] += 1
        if calls["n"] <= fail_first:
            return JSONResponse(
                {"error": {"code": "ERROR_UNKNOWN", "message": "down", "details": None}}, 500
            )
        payload = await request.json()
        log.append({"path": request.url.path, **payload})
        kind = payload.get("message_type") or payload.get("notificationType")
        if kind == "TYPE_PING" or request.url.path.endswith("/notification"):
            return JSONResponse({"version": "1.0", "name": "crm", "time": "2025-06-01T12:00:00Z"})
        return JSONResponse({"result": True})

    return Starlette(
        routes=[
            Route("/ozon", hook, methods=["POST"]),
            Route("/ym/notification", hook, methods=["POST"]),
        ]
    )


async def test_push_delivery_retries_and_duplicates() -> None:
    config = _config(
        ozon_push_url="http://crm/ozon",
        yandex_market_push_url="http://crm/ym",
        orders_per_minute=0.2,
    )
    state = SandboxState(config)
    log: list[dict[str, Any]] = []
    state.push.transport = httpx.ASGITransport(app=_receiver(log, fail_first=1))
    state.advance(30)
    stats = await state.flush_push()
    assert stats["failed_attempts"] == 1 and stats["pending"] == 0
    kinds = Counter(entry.get("message_type") or entry.get("notificationType") for entry in log)
    assert kinds["TYPE_PING"] == 1 and kinds["PING"] == 1
    assert kinds["TYPE_NEW_POSTING"] > 0 and kinds["ORDER_CREATED"] > 0
    new_posting = next(e for e in log if e.get("message_type") == "TYPE_NEW_POSTING")
    assert set(new_posting) >= {
        "posting_number",
        "products",
        "in_process_at",
        "warehouse_id",
        "seller_id",
    }
    assert all(e["path"] == "/ym/notification" for e in log if "notificationType" in e)
    state.advance(8 * 60)
    await state.flush_push()
    kinds = Counter(entry.get("message_type") or entry.get("notificationType") for entry in log)
    assert kinds["TYPE_STATE_CHANGED"] > 0 and kinds["ORDER_STATUS_UPDATED"] > 0
    assert kinds["TYPE_POSTING_CANCELLED"] + kinds["ORDER_CANCELLED"] > 0
    state.set_faults({"push_duplicate_rate": 1.0})
    before = len(log)
    state.advance(10)
    assert (await state.flush_push())["duplicates"] > 0 and len(log) - before >= 2


def test_real_server_and_strict_credentials() -> None:
    with SandboxServer(_config(strict_credentials=True)) as server:
        assert server.url_for("ozon") == server.base_url + "/ozon"
        token = server.config.credentials.wb_token
        r = httpx.get(
            server.url_for("wildberries") + "/api/v3/warehouses", headers={"Authorization": token}
        )
        assert r.status_code == 200
        r = httpx.get(
            server.url_for("wildberries") + "/api/v3/warehouses", headers={"Authorization": "other"}
        )
        assert r.status_code == 401
        server.state.advance(5)
        truth = httpx.get(
            server.base_url + "/_sandbox/truth", params={"marketplace": "wildberries"}
        ).json()
        assert len(truth["orders"]) > 200
        assert server.flush_push()["pending"] == 0


async def test_real_server_async_context() -> None:
    async with SandboxServer(_config()) as server, httpx.AsyncClient() as client:
        r = await client.post(
            server.url_for("yandex_market") + "/v1/businesses/1/orders",
            json={},
            headers={"Api-Key": "k"},
        )
        assert r.status_code == 200 and r.json()["orders"]


def test_cli_prints_urls_and_serves(monkeypatch: Any) -> None:
    served: list[SandboxState] = []
    monkeypatch.setattr(sandbox_cmd, "serve", lambda state, host, port: served.append(state))
    app = typer.Typer()
    app.command()(sandbox_cmd.sandbox)
    result = CliRunner().invoke(
        app, ["--port", "8811", "--seed", "5", "--strict-credentials", "--error-rate", "0.1"]
    )
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8811/ozon" in result.output and "sandbox-ozon-key" in result.output
    assert served[0].config.seed == 5 and served[0].config.faults.error_rate == 0.1
    bad = CliRunner().invoke(app, ["--error-rate", "3"])
    assert bad.exit_code == 2
