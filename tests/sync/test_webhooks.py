"""The webhook app: authentication, limits, marketplace answers, push queue durability, replay."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from structlog.testing import capture_logs

from mpsync.sandbox import SandboxServer
from mpsync.sync.pushes import PushProcessor
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
    asyncio.run(svc.runtime.aclose())


def _app(service: SyncService) -> Any:
    ctx = WebhookContext(
        service.engine, service.settings, service.runtime.connectors.connector, service.clock
    )
    return create_app(ctx)


def _queued(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM pushes")).scalar_one())


def test_authentication_and_limits(service: SyncService) -> None:
    app = _app(service)
    ping = json.dumps({"message_type": "TYPE_PING", "time": "2026-11-01T12:00:00Z"}).encode()

    async def scenario() -> None:
        # An unknown account, one without pushes (WB) and a wrong token answer alike:
        # account ids cannot be enumerated.
        refused = [await call(app, path, ping) for path in (
            "/webhooks/oz/wrong-token", "/webhooks/nope/hook-oz-secret", "/webhooks/wb/anything",
        )]  # fmt: skip
        assert refused[0][0] == 403 and refused == [refused[0]] * 3
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
    assert _queued(service.engine) == 0


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
        await service.runtime.aclose()

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
            await PushProcessor(service.runtime).run_once()
        await service.runtime.aclose()

    asyncio.run(replay())
    assert _queued(service.engine) == 1
    with service.engine.connect() as connection:
        after = connection.execute(text("SELECT COUNT(*) FROM status_changes")).scalar_one()
        now_status = connection.execute(
            text("SELECT status FROM orders WHERE external_id = :n"), {"n": number}
        ).scalar_one()
        events = connection.execute(
            text("SELECT COUNT(*) FROM domain_events WHERE kind = 'order.cancelled'")
        ).scalar_one()
        state = connection.execute(text("SELECT state FROM pushes")).scalar_one()
    assert (status, now_status, after - before, events, state) == (
        status,
        "cancelled",
        1,
        1,
        "done",
    )


class Raw(str):
    """JSON text spliced in as it is: numbers no Python value prints, nesting json.dumps
    would refuse to write."""


def _dump(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_dump(k)}:{_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_dump, value)) + "]"
    return json.dumps(value)  # escapes lone surrogates as \\udXXX, NUL as \\u0000


# Strings a hostile or unlucky sender puts in a push: lone surrogates, NULs, controls.
hostile_text = st.text(st.sampled_from("\ud800\udbff\udc00\udfff\x00\r\n\t\x1bab9Я🙂\\\""),
                       max_size=8)  # fmt: skip
huge_numbers = st.one_of(
    st.integers(min_value=2**62, max_value=2**300).map(lambda n: Raw(str(n))),
    st.tuples(st.integers(-(10**30), 10**30), st.integers(0, 10**6), st.integers(-(10**7), 10**7))
    .map(lambda t: Raw(f"{t[0]}.{t[1]}e{t[2]}")),
    st.integers(min_value=4290, max_value=4400).map(lambda n: Raw("9" * n)),
    st.sampled_from([Raw("1e999999"), Raw("-1e400"), Raw("1E-999999"), Raw("NaN"),
                     Raw("Infinity"), Raw("-0.0")]),
)  # fmt: skip
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=20) | hostile_text | huge_numbers)  # fmt: skip


@st.composite
def nested(draw: st.DrawFn) -> Raw:
    """A value nested 0 to 5,000 deep, mostly around the limit and the old crash (500-900)."""
    depth = draw(st.one_of(st.integers(0, 40), st.sampled_from([31, 32, 33, 500, 900, 5000]),
                           st.integers(0, 1200)))  # fmt: skip
    inner = _dump(draw(scalars))
    if draw(st.booleans()):
        return Raw("[" * depth + inner + "]" * depth)
    return Raw('{"a":' * depth + inner + "}" * depth)


values = st.recursive(scalars | nested(), lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=12) | hostile_text, inner, max_size=5),
                      max_leaves=12)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=300),
    values.map(lambda v: _dump(v).encode()),
    st.fixed_dictionaries(
        {"message_type": st.sampled_from(["TYPE_PING", "TYPE_NEW_POSTING", "TYPE_STATE_CHANGED",
                                          "TYPE_STOCKS_CHANGED", "TYPE_POSTING_CANCELLED", "X"]),
         "notificationType": st.sampled_from(["PING", "ORDER_CREATED", "ORDER_STATUS_UPDATED",
                                              "ORDER_CANCELLED", "??"])},
        optional={"posting_number": st.one_of(st.text(max_size=10), st.integers(), hostile_text,
                                              huge_numbers),
                  "orderId": st.one_of(st.integers(), st.text(max_size=5), hostile_text,
                                       huge_numbers),
                  "campaignId": st.integers() | huge_numbers, "items": st.lists(st.dictionaries(
                      st.sampled_from(["sku", "offer_id", "stocks", "product_id"]),
                      st.integers() | huge_numbers | hostile_text | nested()), max_size=2),
                  "new_state": st.text(max_size=8) | hostile_text,
                  "status": st.text(max_size=8) | hostile_text, "extra": nested()},
    ).map(lambda v: _dump(v).encode()),
    # A valid push with arbitrary bytes spliced in: cut, or broken UTF-8 in a string.
    st.tuples(st.binary(max_size=8), st.integers(0, 60)).map(
        lambda b: (b'{"message_type":"TYPE_NEW_POSTING","posting_number":"1-2-3"}'[: b[1]]
                   + b[0] + b'"}')),
)  # fmt: skip
EXAMPLES = int(os.environ.get("MPSYNC_PUSH_EXAMPLES", "10000"))


def test_randomized_bodies_never_500(service: SyncService) -> None:
    """Any byte string gets a 2xx or a 4xx, on SQLite and on PostgreSQL (issue #12: deep
    nesting, lone surrogates, NULs and huge numbers gave 500s and a 503 on PostgreSQL)."""
    app = _app(service)
    loop = asyncio.new_event_loop()
    seen: Counter[int] = Counter()
    handling = [0.0]  # CPU seconds mpsync spent answering (not hypothesis generating bodies)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)  # fmt: skip
    @given(body=bodies, path=st.sampled_from(["/webhooks/oz/hook-oz-secret",
                                              "/webhooks/ym/hook-ym-secret/notification"]))  # fmt: skip
    def check(body: bytes, path: str) -> None:
        before = time.process_time()
        status, answer = loop.run_until_complete(call(app, path, body))
        handling[0] += time.process_time() - before
        seen[status] += 1
        assert status < 500, (body[:200], answer)
        assert status not in (400, 413) or "error" in answer  # the marketplace's error format

    started, cpu = time.perf_counter(), time.process_time()
    try:
        with capture_logs() as logs:  # kept, not printed: 10,000 rejections log one line each
            check()
    finally:
        loop.close()
    assert not [entry for entry in logs if "exc_info" in entry]  # no traceback, ever
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    examples = sum(seen.values())
    print(f"{examples} examples in {elapsed:.1f} s ({examples / elapsed:.0f}/s),"
          f" {cpu:.1f} s CPU, {handling[0]:.1f} s of it answering: {dict(seen)}")  # fmt: skip
    assert examples >= EXAMPLES and 200 in seen and 400 in seen
    # Issue 12: 10,000 bodies answered within a minute. CPU time (a machine shared with other
    # work slows the wall clock only) of the answering; generating the bodies is hypothesis'.
    assert handling[0] < 60


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
        stats = await PushProcessor(service.runtime).run_once()
        assert stats.processed == 1
        await service.runtime.aclose()

    async def poll() -> None:
        await service.sync("oz", "stock")
        await service.runtime.aclose()

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
