"""Yandex Market traffic against the official contracts, both directions.

Every request the connector sends (every stream, single-order reads, every write-back, the
``check --online`` call) must validate against the request contract of its endpoint, and
every answer the sandbox serves against the response contract, with the sandbox's faults
off and on. Every push the sandbox sends must validate against its notification contract.
Sources: ``tests/contracts/yandex_market.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from mpsync.connector.base import Connector, FetchWindow, OrderRef, PriceUpdate, StockUpdate
from mpsync.connector.errors import PushError
from mpsync.sandbox import SandboxConfig, SandboxServer, SandboxState
from tests.contracts.checker import validate
from tests.contracts.conftest import CheckedConnector
from tests.contracts.yandex_market import ENDPOINTS, PUSHES
from tests.contracts.yandex_market_push import SendNotificationErrorResponse

MP = "yandex_market"
MONEY = ("finance", "returns")
PUSH_MODELS = {push.kind: push for push in PUSHES}


async def _exercise(connector: Connector, sandbox: SandboxServer,
                    answers: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Every read and write-back the connector makes; returns the orders it read."""
    until = sandbox.state.world.now_dt
    window = FetchWindow(since=until - timedelta(days=29), until=until)
    pages: dict[str, list[dict[str, Any]]] = {}
    # The money streams and the buyers' messages last: the sandbox's fault draws of the
    # others stay as they were.
    late = (*MONEY, "questions", "reviews")
    for stream in sorted(connector.capabilities.streams, key=lambda s: (s in late, s)):
        async for page in connector.fetch(stream, window):
            pages.setdefault(page.record_type, []).extend(page.records)
    orders = pages["order"]
    started = [o for o in orders if (o["status"], o["substatus"]) == ("PROCESSING", "STARTED")]
    assert len(started) >= 2, "the sandbox should hold orders to ship and cancel"
    assert await connector.fetch_orders([str(o["orderId"]) for o in orders[:3]])
    await connector.ship(OrderRef(str(started[0]["orderId"]), raw=started[0]))
    await connector.cancel(OrderRef(str(started[1]["orderId"]), raw=started[1]))
    # Write-backs go to the ids the products stream binds (getOfferMappings).
    product = pages["product"][0]
    sku, ids = product["offer"]["offerId"], {"offerId": product["offer"]["offerId"]}
    campaign = str(sandbox.config.credentials.ym_campaign_id)
    await connector.push_stock([StockUpdate(sku, campaign, 7, ids=ids)])
    price = PriceUpdate(sku, Decimal("590.5"), Decimal("790"), Decimal(500), ids=ids)
    await connector.push_prices([price])
    await connector.check_credentials()
    if answers:
        await _answer_each_kind(connector, sandbox)
    await connector.aclose()
    return orders


async def _answer_each_kind(connector: Connector, sandbox: SandboxServer) -> None:
    """One answer to a question and one to a review, each read back (faults off)."""
    from mpsync.connector.base import MessageRef
    from mpsync.sandbox.buyers import book

    for kind in ("question", "review"):
        message = next(m for m in book(sandbox.state.world).visible(MP, kind) if m.answer is None)
        ref = MessageRef(kind, message.external_id)
        assert (await connector.answer(ref, "Спасибо! Ответили в карточке товара.")).ok
        shown = await connector.read_message(ref)
        assert shown is not None and shown["answer"]["text"].startswith("Спасибо")


@pytest.fixture
def faults(contract_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """Every fault the sandbox can inject on this marketplace, then back off."""
    state = contract_sandbox.state
    state.set_faults({"error_rate": 0.2, "malformed_rate": 0.1, "duplicate_rate": 0.3})
    try:
        yield contract_sandbox
    finally:
        state.set_faults({"error_rate": 0.0, "malformed_rate": 0.0, "duplicate_rate": 0.0})


async def test_every_request_and_answer_follows_the_contract(
    checked_connector: CheckedConnector, contract_sandbox: SandboxServer
) -> None:
    connector, log = checked_connector(MP)
    await _exercise(connector, contract_sandbox, answers=True)
    assert log.violations == []
    assert log.hit() == {str(e) for e in ENDPOINTS}, "an endpoint went unexercised"


async def test_answers_follow_the_contract_with_faults_on(
    checked_connector: CheckedConnector, faults: SandboxServer
) -> None:
    connector, log = checked_connector(MP)
    before = dict(faults.state.faults_served)
    await _exercise(connector, faults)
    served = {k: v - before.get(k, 0) for k, v in faults.state.faults_served.items()}
    truncated = [v for v in log.violations if v.endswith("body is not JSON")]
    assert [v for v in log.violations if v not in truncated] == []
    # Only the injected truncations fail to parse, and the faults really fired.
    assert len(truncated) == served.get("malformed", 0)
    assert served.get("error", 0) > 0 and served.get("duplicate", 0) > 0
    assert any(e.status >= 500 for e in log.exchanges)


async def test_every_push_the_sandbox_sends_follows_its_contract(
    checked_connector: CheckedConnector,
) -> None:
    """Six simulated days: orders created, moved on, cancelled, returned — each push valid,
    each answer the documented {name, version, time}."""
    connector, _ = checked_connector(MP)
    config = SandboxConfig(seed=7, orders_per_minute=0.2, yandex_market_push_url="http://r.test/h")
    state = SandboxState(config)
    received: list[dict[str, Any]] = []
    answers: list[tuple[int, Any]] = []

    def receive(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        parsed = connector.parse_push(dict(request.headers), request.content)
        answers.append((parsed.status_code, parsed.response))
        return httpx.Response(parsed.status_code, json=parsed.response)

    state.push.transport = httpx.MockTransport(receive)
    state.advance(6 * 24 * 60)
    await state.flush_push()
    kinds = {body["notificationType"] for body in received}
    assert kinds == {
        "PING", "ORDER_CREATED", "ORDER_STATUS_UPDATED", "ORDER_CANCELLED", "ORDER_RETURN_CREATED",
    }  # fmt: skip
    for body in received:
        contract = PUSH_MODELS[body["notificationType"]]
        assert validate(contract.body, body, contract.kind) == []
    answer = PUSH_MODELS["PING"].answer
    assert answer is not None
    assert {status for status, _ in answers} == {200}
    assert all(validate(answer, body, "answer") == [] for _, body in answers)
    await connector.aclose()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"notificationType": "ORDER_CREATED"}',  # no orderId
        b'{"notificationType": "ORDER_STATUS_UPDATED", "orderId": 1}',  # no status
    ],
)
def test_a_malformed_notification_gets_the_documented_400(
    checked_connector: CheckedConnector, body: bytes
) -> None:
    """400 with {"error": {"type", "message"}}, type one of NotificationApiErrorType."""
    connector, _ = checked_connector(MP)
    with pytest.raises(PushError) as caught:
        connector.parse_push({}, body)
    assert caught.value.status_code == 400
    assert validate(SendNotificationErrorResponse, caught.value.response, "400") == []
    assert caught.value.response["error"]["type"] == "WRONG_EVENT_FORMAT"
