"""Telegram (Bot API via respx, 429 retry_after) and the signed webhook channel."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine, select

from mpsync.config import ChannelConfig, load_config_data
from mpsync.notify import Dispatcher, OutgoingMessage, RetryPolicy, build_channel, enqueue
from mpsync.notify.outbox import OUTBOX

TOKEN = "123456:AAE-secret-bot-token"
API = "http://telegram.test"
HOOK = "https://crm.example/hooks/mpsync"
SECRET = "hook-signing-secret"


def telegram(**extra: Any) -> Any:
    config = {
        "name": "tg",
        "type": "telegram",
        "bot_token": TOKEN,
        "chat_id": -100123,
        "api_base_url": API,
        **extra,
    }
    return build_channel(ChannelConfig.model_validate(config))


def webhook() -> Any:
    config = {"name": "crm", "type": "webhook", "url": HOOK, "secret": SECRET}
    return build_channel(ChannelConfig.model_validate(config))


def note(key: str = "ev-7:tg") -> OutgoingMessage:
    return OutgoingMessage(
        key,
        "order.cancelled",
        "Заказ 42 отменён",
        "Причина: нет в наличии",
        {"order": {"external_id": "42", "total": "990.00"}},
    )


@respx.mock
async def test_telegram_send_message() -> None:
    route = respx.post(f"{API}/bot{TOKEN}/sendMessage").mock(
        return_value=httpx.Response(200, json={"ok": True, "result": {"message_id": 77}})
    )
    result = await telegram().send(note())
    assert result.ok and "77" in result.detail
    body = json.loads(route.calls.last.request.content)
    assert body["chat_id"] == "-100123"
    assert body["text"] == "Заказ 42 отменён\n\nПричина: нет в наличии"


@respx.mock
async def test_telegram_429_reports_retry_after() -> None:
    respx.post(f"{API}/bot{TOKEN}/sendMessage").mock(
        return_value=httpx.Response(
            429,
            json={
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 42",
                "parameters": {"retry_after": 42},
            },
        )
    )
    result = await telegram().send(note())
    assert (result.ok, result.retry_after, result.permanent) == (False, 42.0, False)


@respx.mock
async def test_telegram_bad_token_is_permanent_and_token_never_reported() -> None:
    respx.post(f"{API}/bot{TOKEN}/sendMessage").mock(
        return_value=httpx.Response(401, json={"ok": False, "description": f"Unauthorized {TOKEN}"})
    )
    result = await telegram().send(note())
    assert not result.ok and result.permanent
    assert TOKEN not in result.detail and "401" in result.detail


@respx.mock
async def test_telegram_network_error_is_retriable_and_scrubbed() -> None:
    respx.post(f"{API}/bot{TOKEN}/sendMessage").mock(
        side_effect=httpx.ConnectError(f"cannot reach {API}/bot{TOKEN}/sendMessage")
    )
    result = await telegram().send(note())
    assert not result.ok and not result.permanent and TOKEN not in result.detail


@respx.mock
async def test_dispatcher_waits_what_telegram_asked(engine: Engine) -> None:
    respx.post(f"{API}/bot{TOKEN}/sendMessage").mock(
        side_effect=[
            httpx.Response(429, json={"ok": False, "parameters": {"retry_after": 90}}),
            httpx.Response(200, json={"ok": True, "result": {"message_id": 1}}),
        ]
    )
    t0 = datetime(2025, 3, 12, tzinfo=UTC)
    now = [t0]
    settings = load_config_data(
        {
            "notifications": {
                "channels": [
                    {
                        "name": "tg",
                        "type": "telegram",
                        "bot_token": TOKEN,
                        "chat_id": 1,
                        "api_base_url": API,
                    }
                ]
            }
        },
        env={},
    )
    worker = Dispatcher(
        engine,
        settings,
        {"tg": telegram()},
        clock=lambda: now[0],
        retry=RetryPolicy(base_delay=timedelta(seconds=5), jitter=0),
    )
    with engine.begin() as connection:
        enqueue(
            connection,
            dedupe_key="e:tg",
            channel="tg",
            event_kind="stock.low",
            payload={"sku": "S", "available": 0},
            now=t0,
        )
    assert (await worker.run_once()).retried == 1
    now[0] = t0 + timedelta(seconds=89)
    assert (await worker.run_once()).total == 0
    now[0] = t0 + timedelta(seconds=90)
    assert (await worker.run_once()).sent == 1
    with engine.connect() as connection:
        assert connection.execute(select(OUTBOX.c.state)).scalar_one() == "sent"


@respx.mock
async def test_webhook_signature_matches_independent_hmac_of_raw_body() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(204))
    result = await webhook().send(note("ev-7:crm"))
    assert result.ok
    request = route.calls.last.request
    raw = request.content
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Mpsync-Signature"], expected)
    assert request.headers["Idempotency-Key"] == "ev-7:crm"
    document = json.loads(raw)
    assert document["id"] == "ev-7:crm" and document["event"] == "order.cancelled"
    assert document["data"]["order"]["external_id"] == "42"
    assert SECRET not in raw.decode()


@pytest.mark.parametrize(
    ("status", "headers", "permanent", "retry_after"),
    [
        (500, {}, False, None),
        (503, {"Retry-After": "30"}, False, 30.0),
        (429, {"Retry-After": "5"}, False, 5.0),
        (400, {}, True, None),
        (410, {}, True, None),
    ],
)
@respx.mock
async def test_webhook_errors(
    status: int, headers: dict[str, str], permanent: bool, retry_after: float | None
) -> None:
    respx.post(HOOK).mock(return_value=httpx.Response(status, headers=headers))
    result = await webhook().send(note())
    assert (result.ok, result.permanent, result.retry_after) == (False, permanent, retry_after)
    assert str(status) in result.detail


def test_webhook_requires_http_url_and_secret() -> None:
    from mpsync.notify import ChannelConfigError

    with pytest.raises(ChannelConfigError, match=r"\['crm'\]\.url.*\['crm'\]\.secret"):
        build_channel(
            ChannelConfig.model_validate({"name": "crm", "type": "webhook", "url": "ftp://x"})
        )


@pytest.mark.parametrize(
    ("channel", "answer"),
    [
        ("crm", httpx.Response(503, headers={"Retry-After": "inf"})),
        ("crm", httpx.Response(503, headers={"Retry-After": "1e300"})),
        ("tg", httpx.Response(429, content=b'{"ok": false, "parameters": {"retry_after": 1e400}}')),
        ("tg", httpx.Response(429, json={"ok": False, "parameters": {"retry_after": 10**400}})),
    ],
)
@respx.mock
async def test_an_endless_server_wait_retries_at_the_cap(
    engine: Engine, channel: str, answer: httpx.Response
) -> None:
    """Issue #12, Why 1: a webhook answering ``503`` with ``Retry-After: inf`` (or
    Telegram asking an endless ``retry_after``) stopped every notification."""
    respx.post(HOOK).mock(side_effect=[answer, httpx.Response(204)])
    respx.post(f"{API}/bot{TOKEN}/sendMessage").mock(
        side_effect=[answer, httpx.Response(200, json={"ok": True, "result": {"message_id": 1}})]
    )
    t0 = datetime(2025, 3, 12, tzinfo=UTC)
    now = [t0]
    settings = load_config_data({"notifications": {"channels": [
        {"name": "tg", "type": "telegram", "bot_token": TOKEN, "chat_id": 1,
         "api_base_url": API},
        {"name": "crm", "type": "webhook", "url": HOOK, "secret": SECRET}]}}, env={})  # fmt: skip
    worker = Dispatcher(engine, settings, {"tg": telegram(), "crm": webhook()},
                        clock=lambda: now[0], retry=RetryPolicy(jitter=0))  # fmt: skip
    with engine.begin() as connection:
        enqueue(connection, dedupe_key="e", channel=channel, event_kind="stock.low",
                payload={"sku": "S", "available": 0}, now=t0)  # fmt: skip
    assert (await worker.run_once()).retried == 1
    now[0] = t0 + timedelta(hours=6) - timedelta(seconds=1)
    assert (await worker.run_once()).total == 0
    now[0] = t0 + timedelta(hours=6)
    assert (await worker.run_once()).sent == 1
