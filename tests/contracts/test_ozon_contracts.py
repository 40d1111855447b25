"""Ozon traffic against the contracts of ``tests/contracts/ozon.py``, both directions.

Every request the connector sends in every stream and write-back validates; every answer
the sandbox serves validates, with its faults off and on; every push the sandbox sends
validates, and so does the answer the connector gives it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from mpsync_connectors.ozon import OzonConnector

from mpsync.config.model import AccountConfig
from mpsync.connector.base import FetchWindow, OrderRef, PriceUpdate, StockUpdate
from mpsync.sandbox import SandboxConfig, SandboxServer, SandboxState
from tests.contracts import ozon as contract
from tests.contracts.checker import ContractLog, ContractTransport, prefix_of, validate
from tests.contracts.conftest import CheckedConnector


async def _drain(pages: AsyncIterator[Any]) -> list[dict[str, Any]]:
    return [record async for page in pages for record in page.records]


async def _exercise(connector: OzonConnector, state: SandboxState) -> None:
    """Every stream and write-back of the Ozon connector, once."""
    until = state.world.now_dt
    postings = await _drain(connector.fetch("orders", FetchWindow(since=None, until=until)))
    assert postings
    await _drain(connector.fetch("stock", FetchWindow(since=None, until=until)))
    await _drain(connector.fetch("prices", FetchWindow(since=None, until=until)))
    await _drain(connector.fetch("products", FetchWindow(since=None, until=until)))
    queue = await _drain(connector.work_queue(until - timedelta(days=3), until + timedelta(days=3)))
    new = [p for p in [*queue, *postings] if p["status"] == "awaiting_packaging"]
    assert len(new) >= 2
    await connector.fetch_orders([new[0]["posting_number"]])
    assert (await connector.ship(OrderRef(new[0]["posting_number"], raw=new[0]))).ok
    assert (await connector.cancel(OrderRef(new[1]["posting_number"]), "out of stock")).ok
    product = state.world.catalog[0]
    await connector.fetch_stock([str(product.ozon_product_id)])
    ids = {"product_id": str(product.ozon_product_id), "sku": str(product.ozon_sku)}
    warehouse = str(state.world.warehouses.ozon_id)
    assert (await connector.push_stock([StockUpdate(product.sku, warehouse, 7, ids=ids)])).ok
    price = PriceUpdate(product.sku, Decimal("1490.00"), Decimal("1990.00"), ids=ids)
    assert (await connector.push_prices([price])).ok
    await connector.check_credentials()
    # Money after the sale (the finance stream and reconcile's totals), last.
    since = until - timedelta(days=40)
    await _drain(connector.fetch("finance", FetchWindow(since=since, until=until, backfill=True)))
    await connector.finance_totals(since, until)
    await _drain(connector.fetch("returns", FetchWindow(since=since, until=until)))
    # Buyers' questions and reviews: both streams, one answer of each kind, read back.
    await _drain(connector.fetch("questions", FetchWindow(since=since, until=until)))
    await _drain(connector.fetch("reviews", FetchWindow(since=since, until=until)))
    await _answer_each_kind(connector, state)


async def _answer_each_kind(connector: OzonConnector, state: SandboxState) -> None:
    from mpsync.connector.base import MessageRef
    from mpsync.sandbox.buyers import book

    for kind in ("question", "review"):
        message = next(m for m in book(state.world).visible("ozon", kind) if m.answer is None)
        ref = MessageRef(kind, message.external_id, {"sku": str(message.product.ozon_sku)})
        assert (await connector.answer(ref, "Спасибо! Ответили в карточке товара.")).ok
        shown = await connector.read_message(ref)
        assert shown is not None and shown["answer"]["text"].startswith("Спасибо")


async def test_every_request_and_answer_keeps_the_contracts(
    checked_connector: CheckedConnector, contract_sandbox: SandboxServer
) -> None:
    connector, log = checked_connector("ozon")
    assert isinstance(connector, OzonConnector)
    try:
        await _exercise(connector, contract_sandbox.state)
    finally:
        await connector.aclose()
    assert log.violations == []
    assert log.hit() == {str(e) for e in contract.ENDPOINTS}


def _faulty_connector(server: SandboxServer) -> tuple[OzonConnector, ContractLog]:
    base = server.url_for("ozon")
    credentials = server.config.credentials.as_dict()["ozon"]
    account = AccountConfig.model_validate(
        {"id": "ozon-faults", "marketplace": "ozon", "api_base_url": base, **credentials}
    )
    log = ContractLog()
    transport = ContractTransport(httpx.AsyncHTTPTransport(), "ozon", prefix=prefix_of(base),
                                  log=log)  # fmt: skip

    async def no_sleep(_: float) -> None:
        return None

    return OzonConnector(account, transport=transport, sleep=no_sleep), log


async def test_answers_keep_the_contracts_with_faults_on() -> None:
    """Injected 5xx and 429 answers are Ozon's error shape (rpcStatus); duplicated and
    out-of-order records still validate; only the deliberately truncated bodies do not."""
    config = SandboxConfig(seed=11, backlog=150, orders_per_minute=10)
    with SandboxServer(config) as server:
        server.state.advance(1)
        server.state.set_faults({"error_rate": 0.15, "malformed_rate": 0.1,
                                 "duplicate_rate": 0.3, "out_of_order_rate": 0.3})  # fmt: skip
        connector, log = _faulty_connector(server)
        try:
            for _ in range(3):
                until = server.state.world.now_dt
                window = FetchWindow(since=None, until=until)
                for stream in ("orders", "stock", "prices"):
                    try:
                        await _drain(connector.fetch(stream, window))
                    except Exception:
                        continue
        finally:
            await connector.aclose()
        served = server.state.faults_served
    truncated = [v for v in log.violations if v.endswith("body is not JSON")]
    assert [v for v in log.violations if v not in truncated] == []
    assert len(truncated) == served["malformed"] > 0
    assert served["error"] > 0 and served["duplicate"] > 0
    statuses = {exchange.status for exchange in log.exchanges}
    assert statuses & {500, 503} and 200 in statuses


async def test_every_push_the_sandbox_sends_keeps_the_push_contracts() -> None:
    config = SandboxConfig(seed=3, backlog=40, orders_per_minute=0.2, ozon_push_url="http://crm/oz",
                           rate_limit_scale=0)  # fmt: skip
    state = SandboxState(config)
    account = AccountConfig.model_validate(
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k"}
    )
    connector = OzonConnector(account)
    problems: list[str] = []
    kinds: list[str] = []

    def receive(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content, parse_float=Decimal)
        kind = body.get("message_type")
        kinds.append(kind)
        push = contract.push_contract(kind)
        problems.extend(validate(push.body, body, kind))
        answer = connector.parse_push(dict(request.headers), request.content)
        assert push.answer is not None
        problems.extend(validate(push.answer, answer.response, f"{kind} answer"))
        return httpx.Response(answer.status_code, json=answer.response)

    state.push.transport = httpx.MockTransport(receive)
    for _ in range(12):  # two days of orders: created, moved on, cancelled, detoured
        state.advance(4 * 60)
        await state.flush_push()
    assert problems == []
    assert set(kinds) == {"TYPE_PING", "TYPE_NEW_POSTING", "TYPE_STATE_CHANGED",
                          "TYPE_POSTING_CANCELLED"}  # fmt: skip
    detoured = [p for p in state.push.sent if p.get("new_state") == "posting_not_in_sort_center"]
    assert detoured, "the not_accepted detour is pushed as TYPE_STATE_CHANGED"


@pytest.mark.parametrize("kind", [push.kind for push in contract.PUSHES])
def test_the_official_push_examples_keep_their_contracts(kind: str) -> None:
    from tests.contracts.test_ozon_examples import official_push

    body = official_push(kind)
    if kind == "TYPE_STOCKS_CHANGED":
        # The published example literally writes "message_type": "string".
        assert body["message_type"] == "string"
        body = {**body, "message_type": kind}
    assert validate(contract.push_contract(kind).body, body, kind) == []
