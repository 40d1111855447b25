"""Push bodies that gave a 500 or a wrong 503 (issue #12, Why 3): each one now gets a 4xx
in the marketplace's error format, nothing is stored, and no traceback is logged.

Error formats: Ozon push notifications answer ``{"error": {"code", "message", "details"}}``
(docs.ozon.ru/api/seller "Push-уведомления", ``ERROR_UNKNOWN``); Yandex Market
``{"error": {"type", "message"}}`` (push-notifications/reference/sendNotification.md,
``WRONG_EVENT_FORMAT``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from mpsync.connector import pushbody
from mpsync.sync.service import SyncService
from tests.sync.test_webhooks import _app, _queued, call, service  # noqa: F401 - fixture

OZON = "/webhooks/oz/hook-oz-secret"
MARKET = "/webhooks/ym/hook-ym-secret/notification"


def _deep(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return opener * depth + "1" + closer * depth


HOSTILE = {
    # RecursionError from asdict in sync/pushes.py (and ~3,000 traceback lines a request)
    "ozon nested 700 deep": (OZON, '{"message_type":"TYPE_STOCKS_CHANGED","items":[],"x":'
                             + _deep(700) + "}"),
    "market nested 900 deep": (MARKET, '{"notificationType":"ORDER_CREATED","orderId":1,"x":'
                               + _deep(900, '{"a":') + "}"),
    "nested 100,000 deep": (OZON, '{"message_type":"X","x":' + _deep(100_000) + "}"),
    # UnicodeEncodeError when storing a lone surrogate
    "ozon surrogate posting": (OZON, r'{"message_type":"TYPE_NEW_POSTING","posting_number":"\ud800"}'),
    "market surrogate key": (MARKET, r'{"notificationType":"ORDER_CREATED","orderId":1,"\udfff":1}'),
    # PostgreSQL refuses NUL in text: a 503 "retry later" for a body that can never be stored
    "ozon NUL posting": (OZON, r'{"message_type":"TYPE_NEW_POSTING","posting_number":"1-2\u0000"}'),
    "market NUL order": (MARKET, r'{"notificationType":"ORDER_CREATED","orderId":"7\u0000"}'),
    # Huge numbers: a million-digit integer built on storage, then a 503
    "ozon huge float": (OZON, '{"message_type":"TYPE_STOCKS_CHANGED","items":[{"sku":1e999999,'
                        '"stocks":[{"present":1}]}]}'),
    "market huge integer": (MARKET, '{"notificationType":"ORDER_CREATED","orderId":'
                            + "9" * 40 + "}"),
    "ozon NaN": (OZON, '{"message_type":"TYPE_STOCKS_CHANGED","items":[{"sku":NaN}]}'),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_body_gets_a_4xx_in_the_marketplace_format(service: SyncService, case: str) -> None:  # noqa: F811
    path, body = HOSTILE[case]
    with capture_logs() as logs:
        status, answer = asyncio.run(call(_app(service), path, body.encode()))
    assert status == 400
    if path == OZON:
        assert answer["error"]["code"] == "ERROR_UNKNOWN" and "details" in answer["error"]
    else:
        assert answer["error"]["type"] == "WRONG_EVENT_FORMAT"
    assert _queued(service.engine) == 0
    assert not [entry for entry in logs if "exc_info" in entry or entry["log_level"] == "error"]


def test_shallow_real_pushes_still_pass_the_body_check() -> None:
    """The limits leave every documented push alone: Market's deepest nests 4 levels."""
    body = {"notificationType": "ORDER_RETURN_STATUS_UPDATED", "campaignId": 21000000,
            "orderId": 2**62, "returnId": 1, "statuses": {"refundStatus": "REFUNDED",
            "shipmentStatus": "ok", "x": [[{"y": "Тапочки 🙂 \n"}]]},
            "price": 1234567890.12345678}  # fmt: skip
    assert pushbody.load(json.dumps(body).encode())["orderId"] == 2**62


async def _short_body(app: Any) -> int:
    """A client that declares 1,000 bytes, sends 10 and goes away."""
    scope = {"type": "http", "method": "POST", "path": OZON, "raw_path": OZON.encode(),
             "query_string": b"", "headers": [(b"content-length", b"1000")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080), "scheme": "http",
             "http_version": "1.1", "root_path": ""}  # fmt: skip
    messages = [{"type": "http.request", "body": b'{"message_', "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_client_lying_about_content_length_logs_one_line(service: SyncService) -> None:  # noqa: F811
    with capture_logs() as logs:
        status = asyncio.run(_short_body(_app(service)))
    assert status == 400
    assert [entry["event"] for entry in logs] == [
        "push rejected: the client left before sending its body"
    ]
    assert not any("exc_info" in entry for entry in logs)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_bad_allowlist_entry_refuses_instead_of_failing(service: SyncService) -> None:  # noqa: F811
    """Why 4: ``"not-an-ip"`` in ``allowed_ips`` gave every push, pings included, a 500;
    ``check`` now refuses it, and the app treats such an entry as matching nothing."""
    service.settings.accounts[1].webhook.allowed_ips = ["not-an-ip", "127.0.0.0/8"]
    ping = b'{"message_type": "TYPE_PING", "time": "2026-11-01T12:00:00Z"}'
    assert asyncio.run(call(_app(service), OZON, ping))[0] == 200
    service.settings.accounts[1].webhook.allowed_ips = ["not-an-ip"]
    assert asyncio.run(call(_app(service), OZON, ping))[0] == 403


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_store_down_is_a_503_and_unstorable_data_a_400(service: SyncService) -> None:  # noqa: F811
    """503 only when a retry can succeed: the store is unreachable, not the body bad."""
    push = b'{"message_type":"TYPE_NEW_POSTING","posting_number":"1-2-3"}'
    with service.engine.begin() as connection:
        connection.execute(text("ALTER TABLE pushes RENAME TO pushes_away"))
    try:
        status, answer = asyncio.run(call(_app(service), OZON, push))
    finally:
        with service.engine.begin() as connection:
            connection.execute(text("ALTER TABLE pushes_away RENAME TO pushes"))
    assert status == 503 and answer["error"]["code"] == "UNAVAILABLE"
