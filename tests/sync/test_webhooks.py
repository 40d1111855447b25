"""The webhook app: authentication, limits, marketplace answers, inbox durability, replay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from mpsync.sandbox import SandboxServer
from mpsync.sync.inbox import InboxProcessor
from mpsync.sync.service import SyncService
from mpsync.webhooks import WebhookContext, create_app
from tests.sync.conftest import make_settings, service_for

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def call(app: Any, path: str, body: bytes, *, method: str = "POST",
               client: str = "127.0.0.1") -> tuple[int, Any]:  # fmt: skip
    """Drive the ASGI app directly: fast enough for thousands of hypothesis examples."""
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [(b"content-type", b"application/json"),
                                              (b"content-length", str(len(body)).encode())],
             "client": (client, 5000), "server": ("127.0.0.1", 8080), "scheme": "http",
             "http_version": "1.1", "root_path": ""}  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(payload) if payload else None


@pytest.fixture
def service(sandbox: SandboxServer, store: Engine, store_url: str) -> Iterator[SyncService]:
    svc = service_for(sandbox, store, make_settings(sandbox, store_url))
    yield svc
    asyncio.run(svc.aclose())


def _app(service: SyncService) -> Any:
    ctx = WebhookContext(service.engine, service.settings, service.connector, service.clock)
    return create_app(ctx)


def _inbox(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM inbox")).scalar_one())


def test_authentication_and_limits(service: SyncService) -> None:
    app = _app(service)
    ping = json.dumps({"message_type": "TYPE_PING", "time": "2026-11-01T12:00:00Z"}).encode()

    async def scenario() -> None:
        assert (await call(app, "/webhooks/oz/wrong-token", ping))[0] == 403
        assert (await call(app, "/webhooks/nope/hook-oz-secret", ping))[0] == 404
        assert (await call(app, "/webhooks/wb/anything", ping))[0] == 404  # WB has no push
        status, body = await call(app, "/webhooks/oz/hook-oz-secret", b"x" * 2_000_000)
        assert status == 413 and "error" in body
        status, body = await call(app, "/webhooks/oz/hook-oz-secret", b"{not json")
        assert status == 400 and set(body["error"]) >= {"code", "message"}
        status, body = await call(app, "/webhooks/oz/hook-oz-secret", ping)
        assert status == 200 and {"name", "version", "time"} <= set(body)
        status, body = await call(app, "/webhooks/ym/hook-ym-secret/notification",
                                  json.dumps({"notificationType": "PING",
                                              "time": "2026-11-01T12:00:00Z"}).encode())  # fmt: skip
        assert status == 200 and {"name", "version", "time"} <= set(body)
        assert (await call(app, "/healthz", b"", method="GET"))[0] == 200
        assert (await call(app, "/readyz", b"", method="GET"))[0] == 200

    asyncio.run(scenario())
    assert _inbox(service.engine) == 0


def test_ip_allowlist_and_trusted_proxy(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    settings = make_settings(sandbox, store_url, server={"trusted_proxy_header": "X-Real-IP"})
    settings.accounts[1].webhook.allowed_ips = ["10.1.0.0/16"]
    app = _app(service_for(sandbox, store, settings))
    ping = json.dumps({"message_type": "TYPE_PING", "time": "2026-11-01T12:00:00Z"}).encode()
    assert asyncio.run(call(app, "/webhooks/oz/hook-oz-secret", ping))[0] == 403
    assert asyncio.run(call(app, "/webhooks/oz/hook-oz-secret", ping, client="10.1.2.3"))[0] == 200


def test_same_push_replayed_100_times_has_one_effect(
    sandbox: SandboxServer, service: SyncService
) -> None:
    async def first_sync() -> None:
        await service.sync("oz")
        await service.aclose()

    asyncio.run(first_sync())
    with service.engine.connect() as connection:
        number, status = connection.execute(text(
            "SELECT external_id, status FROM orders WHERE account_id='oz' AND status IN"
            " ('new', 'ready_to_ship', 'confirmed') ORDER BY id LIMIT 1")).one()  # fmt: skip
        before = connection.execute(text("SELECT COUNT(*) FROM status_changes")).scalar_one()
    push = json.dumps({"message_type": "TYPE_POSTING_CANCELLED", "posting_number": number,
                       "old_state": "posting_created", "new_state": "posting_canceled",
                       "changed_state_date": "2026-11-01T12:30:00Z", "reason": {"id": 1},
                       "warehouse_id": 1, "seller_id": 1}).encode()  # fmt: skip
    app = _app(service)

    async def replay() -> None:
        for _ in range(100):
            status_code, body = await call(app, "/webhooks/oz/hook-oz-secret", push)
            assert status_code == 200 and body == {"result": True}
        for _ in range(2):
            await InboxProcessor(service).run_once()
        await service.aclose()

    asyncio.run(replay())
    assert _inbox(service.engine) == 1
    with service.engine.connect() as connection:
        after = connection.execute(text("SELECT COUNT(*) FROM status_changes")).scalar_one()
        now_status = connection.execute(
            text("SELECT status FROM orders WHERE external_id = :n"), {"n": number}
        ).scalar_one()
        events = connection.execute(
            text("SELECT COUNT(*) FROM domain_events WHERE kind = 'order.cancelled'")
        ).scalar_one()
        state = connection.execute(text("SELECT state FROM inbox")).scalar_one()
    assert (status, now_status, after - before, events, state) == (
        status,
        "cancelled",
        1,
        1,
        "done",
    )


bodies = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
        max_leaves=12,
    ).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"message_type": st.sampled_from(["TYPE_PING", "TYPE_NEW_POSTING", "TYPE_STATE_CHANGED",
                                          "TYPE_STOCKS_CHANGED", "TYPE_POSTING_CANCELLED", "X"]),
         "notificationType": st.sampled_from(["PING", "ORDER_CREATED", "ORDER_STATUS_UPDATED",
                                              "ORDER_CANCELLED", "??"])},
        optional={"posting_number": st.one_of(st.text(max_size=10), st.integers()),
                  "orderId": st.one_of(st.integers(), st.text(max_size=5)),
                  "campaignId": st.integers(), "items": st.lists(st.dictionaries(
                      st.sampled_from(["sku", "offer_id", "stocks"]), st.integers()), max_size=2),
                  "new_state": st.text(max_size=8), "status": st.text(max_size=8)},
    ).map(lambda v: json.dumps(v).encode()),
)  # fmt: skip


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_randomized_bodies_never_500(service: SyncService) -> None:
    app = _app(service)
    loop = asyncio.new_event_loop()
    seen: set[int] = set()

    @settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies, path=st.sampled_from(["/webhooks/oz/hook-oz-secret",
                                              "/webhooks/ym/hook-ym-secret/notification"]))  # fmt: skip
    def check(body: bytes, path: str) -> None:
        status, _ = loop.run_until_complete(call(app, path, body))
        seen.add(status)
        assert status < 500

    try:
        check()
    finally:
        loop.close()
    assert 200 in seen and 400 in seen


def test_ozon_stock_push_reads_the_products_stock_into_the_polled_rows(
    sandbox: SandboxServer, service: SyncService
) -> None:
    """The push names products by id; the stored row is the one a stock poll keys by offer_id."""
    catalog = sandbox.state.world.catalog
    product = catalog[3]
    push_body = json.dumps({"message_type": "TYPE_STOCKS_CHANGED", "seller_id": 1, "items": [
        {"product_id": product.ozon_product_id, "sku": product.ozon_sku,
         "updated_at": "2026-11-01T12:30:00Z",
         "stocks": [{"warehouse_id": 1, "present": 999, "reserved": 0}]}]}).encode()  # fmt: skip
    app = _app(service)

    def stored() -> dict[tuple[str, str], int]:
        with service.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT sku, warehouse, on_hand - reserved FROM stock_levels"
                " WHERE account_id = 'oz'")).all()  # fmt: skip
        return {(sku, warehouse): free for sku, warehouse, free in rows}

    async def push() -> None:
        status_code, body = await call(app, "/webhooks/oz/hook-oz-secret", push_body)
        assert (status_code, body) == (200, {"result": True})
        stats = await InboxProcessor(service).run_once()
        assert stats.processed == 1
        await service.aclose()

    async def poll() -> None:
        await service.sync("oz", "stock")
        await service.aclose()

    asyncio.run(push())
    truth = {(row["sku"], row["warehouse_id"]): row["amount"]
             for row in sandbox.state.truth("ozon")["stock"]}  # fmt: skip
    expected = {key: amount for key, amount in truth.items() if key[0] == product.sku}
    # read back by offer_id, not the push's SKU; the product's Ozon-held (FBO) row with it
    assert stored() == expected and len(expected) == 2
    asyncio.run(poll())
    after_poll = stored()
    assert after_poll == truth  # the poll updated those rows: no push-only row
    assert len(after_poll) > len(catalog)
