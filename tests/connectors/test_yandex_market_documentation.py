"""Yandex Market payloads from the official sources through connector and mapping, with the
canonical result worked out by hand.

The OpenAPI (yandex-market/yandex-market-partner-api openapi/ at 1318e9b8) carries no example
of the endpoints mpsync calls: those fixtures are built strictly from the schema and say so
in their ``_source``. The notifications page carries an example per type: those are used as
published (``ym_notification_examples.json``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account, fixture_json
from mpsync_connectors.yandex_market import YandexMarketConnector
from tests.contracts.checker import validate
from tests.contracts.yandex_market_models import (
    GetBusinessOrdersResponse,
    GetDefaultPricesResponse,
    GetOfferMappingsResponse,
    GetWarehouseStocksResponse,
)
from tests.contracts.yandex_market_push import PUSHES

from mpsync.connector.base import FetchWindow, Page
from mpsync.domain.models import OrderRecord, OrderStatusUpdate
from mpsync.domain.status import OrderStatus

ORDERS = f"{BASE}/v1/businesses/1000001/orders"


def _body(name: str) -> dict[str, Any]:
    data: dict[str, Any] = fixture_json(name)
    data.pop("_source", None)
    return data


def _serve(pages: dict[tuple[str, str | None], dict[str, Any]]) -> Any:
    """Answer by (creationDateFrom, pageToken); any other creation slice is empty."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        key = (sent["dates"]["creationDateFrom"], request.url.params.get("pageToken"))
        body = pages.get(key, {"orders": [], "paging": {}})
        return httpx.Response(200, content=json.dumps(body, default=str).encode())

    return answer


def _map(connector: YandexMarketConnector, pages: list[Page]) -> list[OrderRecord]:
    schema = type(connector).load_mapping(connector.account)
    records: list[OrderRecord] = []
    for page in pages:
        mapped = schema.map_page(page.record_type, page.records, "acc-1", observed_at=NOW)
        assert mapped.failures == []
        records += [r for r in mapped.records if isinstance(r, OrderRecord)]
    return records


@respx.mock
async def test_updates_are_read_in_every_creation_slice_and_line_money_is_per_line(
    sleep: RecordingSleep,
) -> None:
    """getBusinessOrders answers for the last 30 days of creation unless told otherwise
    (OrderDatesFilterDTO.creationDateFrom), so a read of updates walks 120 days of creation
    dates back, 30 a request. ItemPriceDTO.payment is the line's: 1180 for 2 units."""
    body = _body("ym_orders.json")
    last = {**body, "paging": {}}
    route = respx.post(ORDERS).mock(
        side_effect=_serve(
            {("2026-03-07", None): body, ("2026-03-07", body["paging"]["nextPageToken"]): last}
        )
    )
    connector = YandexMarketConnector(account("yandex_market"), sleep=sleep)
    window = FetchWindow(since=datetime(2026, 3, 20, tzinfo=UTC), until=NOW)
    pages = [page async for page in connector.fetch("orders", window)]
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [(s["dates"]["creationDateFrom"], s["dates"]["creationDateTo"]) for s in sent] == [
        ("2026-03-07", "2026-04-06"),  # the newest slice, two pages
        ("2026-03-07", "2026-04-06"),
        ("2026-02-05", "2026-03-07"),
        ("2026-01-06", "2026-02-05"),
        ("2025-12-07", "2026-01-06"),
        ("2025-11-20", "2025-12-07"),  # 2026-03-20 less 120 days
    ]
    assert all(
        (s["dates"]["updateDateFrom"], s["dates"]["updateDateTo"])
        == ("2026-03-20T00:00:00Z", "2026-04-05T12:00:00Z")
        for s in sent
    )
    assert route.calls[1].request.url.params["pageToken"] == "eyJuZXh0SWQiOjIzNDI1MTg5NH0"
    assert sent[0]["campaignIds"] == [21000000]
    assert pages[-1].resume is None
    first, second = _map(connector, pages)
    assert first == second  # the same order on both pages: upserted once
    order = first
    assert (order.external_id, order.status, order.marketplace_substatus) == (
        "51234567890",
        OrderStatus.NEW,
        "STARTED",
    )
    assert order.created_at == datetime(2025, 6, 1, 7, 15, tzinfo=UTC)
    assert order.source_updated_at == datetime(2025, 6, 1, 7, 16, 10, tzinfo=UTC)
    # shipmentDate 2025-06-02 is a Moscow day: ship by its end, 23:59:59 MSK = 20:59:59 UTC.
    assert order.ship_by == datetime(2025, 6, 2, 20, 59, 59, tzinfo=UTC)
    (line,) = order.lines
    assert (line.quantity, line.unit_price, line.total) == (2, Decimal(590), Decimal(1180))
    # subsidy (120) is Market's payout on top of the price, not part of the goods' cost.
    assert (order.items_total, order.total, order.currency) == (Decimal(1180), Decimal(1180), "RUB")
    assert (order.delivery_method, order.payment_method) == ("PICKUP", "YANDEX")
    await connector.aclose()


@respx.mock
async def test_a_schema_built_order_with_plus_points_a_block_and_a_shipment_time(
    sleep: RecordingSleep,
) -> None:
    respx.post(ORDERS).mock(
        side_effect=_serve({("2026-03-07", None): _body("ym_orders_schema.json")})
    )
    connector = YandexMarketConnector(account("yandex_market"), sleep=sleep)
    pages = [p async for p in connector.fetch("orders", FetchWindow(NOW.replace(day=4), NOW))]
    (order,) = _map(connector, pages)
    kettle, filter_ = order.lines
    # 3 kettles: 2700 paid + 300 in Plus points = 3000, 1000 a unit; subsidy 90 left out.
    assert (kettle.sku, kettle.quantity, kettle.unit_price, kettle.total) == (
        "SKU-A",
        3,
        Decimal(1000),
        Decimal(3000),
    )
    assert (filter_.quantity, filter_.unit_price, filter_.total) == (
        1,
        Decimal("499.5"),
        Decimal("499.5"),
    )
    assert order.items_total == order.total == Decimal("3499.5")
    assert (order.status, order.marketplace_status, order.order_number) == (
        OrderStatus.CONFIRMED,  # PROCESSING/PACKAGING: being packed
        "PROCESSING",
        "ext-77",
    )
    # The schema's own example, 2020-02-02T14:30:30+03:00.
    assert order.created_at == datetime(2020, 2, 2, 11, 30, 30, tzinfo=UTC)
    # shipmentTime 14:00 of 2020-02-03 (Moscow) is the deadline, not the end of the day.
    assert order.ship_by == datetime(2020, 2, 3, 11, 0, tzinfo=UTC)
    assert order.delivery_address == (
        "119021, Россия, Москва, улица Льва Толстого, д. 16, корп. 2, кв. 15"
    )
    assert order.delivery_method == "DELIVERY" and order.payment_method == "SBP"
    await connector.aclose()


@respx.mock
async def test_offer_mappings_bind_the_offer_and_its_market_card(sleep: RecordingSleep) -> None:
    """getOfferMappings: offerId is the seller's SKU and the id write-backs use; marketSku
    is Market's card, absent until the offer has one."""
    body, last = _body("ym_offer_mappings.json"), {"status": "OK", "result": {"offerMappings": []}}
    route = respx.post(f"{BASE}/v2/businesses/1000001/offer-mappings").mock(
        side_effect=[httpx.Response(200, json=body), httpx.Response(200, json=last)]
    )
    connector = YandexMarketConnector(account("yandex_market"), sleep=sleep)
    pages = [p async for p in connector.fetch("products", FetchWindow(None, NOW))]
    assert route.calls[0].request.url.params["limit"] == "100"
    assert route.calls[1].request.url.params["page_token"] == "eyBuZXh0SWQ6IDIzNDIgfQ=="
    schema = type(connector).load_mapping(connector.account)
    mapped = schema.map_page("product", pages[0].records, "acc-1", observed_at=NOW)
    drill, bare = mapped.records
    assert (drill.sku, drill.name, drill.barcodes, drill.ids) == (  # type: ignore[union-attr]
        "MKT-HP1630",
        "Ударная дрель Makita HP1630, 710 Вт",
        ("0088381089298", "4601234567893"),
        {"offerId": "MKT-HP1630", "marketSku": "1779823040"},
    )
    assert (bare.sku, bare.ids) == ("NO-CARD-1", {"offerId": "NO-CARD-1"})  # type: ignore[union-attr]
    await connector.aclose()


EXAMPLES: dict[str, Any] = fixture_json("ym_notification_examples.json")
# New reviews and questions are read into the buyers' inbox (tests/inbox/test_pushes.py).
MESSAGE_EVENTS = ("GOODS_FEEDBACK_CREATED", "QUESTION_CREATED")
NOT_ORDER_EVENTS = sorted(
    k
    for k in EXAMPLES
    if k.startswith(("GOODS_", "CHAT_", "QUESTION_", "ORDER_LINE_SERVICE"))
    and k not in MESSAGE_EVENTS
)


def _parse(kind: str) -> Any:
    connector = YandexMarketConnector(account("yandex_market"), now=lambda: NOW)
    body = json.dumps(EXAMPLES[kind], default=str).encode()
    return connector, connector.parse_push({}, body)


def test_official_examples_of_order_notifications() -> None:
    answer = {"version": "0.1.0", "name": "mpsync", "time": "2026-04-05T12:00:00Z"}
    connector, ping = _parse("PING")
    assert (ping.status_code, ping.response, ping.events) == (200, answer, [])
    schema = type(connector).load_mapping(connector.account)
    # ORDER_STATUS_UPDATED carries its status: PLACING (an order being placed) is new.
    (status,) = _parse("ORDER_STATUS_UPDATED")[1].events
    update = schema.map_one("order_status", status.records[0], "acc")
    assert isinstance(update, OrderStatusUpdate)
    assert (update.external_id, update.status, update.marketplace_substatus) == (
        "0",
        OrderStatus.NEW,
        "RESERVATION_EXPIRED",
    )
    assert update.source_updated_at == datetime(2025, 1, 1, tzinfo=UTC)
    (cancelled,) = _parse("ORDER_CANCELLED")[1].events
    update = schema.map_one("order_status", cancelled.records[0], "acc")
    assert isinstance(update, OrderStatusUpdate) and update.status == OrderStatus.CANCELLED
    assert update.source_updated_at == datetime(2025, 1, 1, tzinfo=UTC)
    # The others name the order, which is then read in full (the inbox fetches it).
    for kind, event_kind in (
        ("ORDER_CREATED", "new_order"),
        ("ORDER_UPDATED", "order_changed"),
        ("ORDER_CANCELLATION_REQUEST", "order_changed"),
        ("ORDER_RETURN_CREATED", "order_changed"),
        ("ORDER_RETURN_STATUS_UPDATED", "order_changed"),
    ):
        result = _parse(kind)[1]
        (event,) = result.events
        assert (event.kind, event.external_ids, event.records, event.record_type) == (
            event_kind,
            ("0",),
            [],
            "order",
        ), kind
        assert result.response == answer


@pytest.mark.parametrize("kind", NOT_ORDER_EVENTS)
def test_official_examples_of_other_notifications_are_answered_not_stored(kind: str) -> None:
    result = _parse(kind)[1]
    assert result.status_code == 200 and result.events == []
    assert set(result.response) == {"name", "version", "time"}


def test_return_notifications_of_one_return_are_told_apart() -> None:
    """Redeliveries share a key; a new status of the same return does not."""
    body = EXAMPLES["ORDER_RETURN_STATUS_UPDATED"]
    connector = YandexMarketConnector(account("yandex_market"), now=lambda: NOW)

    def key(statuses: dict[str, str]) -> str:
        data = json.dumps({**body, "statuses": statuses}).encode()
        return str(connector.parse_push({}, data).events[0].dedupe_key)

    started = {"refundStatus": "STARTED_BY_USER", "shipmentStatus": "CREATED"}
    assert key(started) == key(dict(started))
    assert key(started) != key({"refundStatus": "REFUNDED", "shipmentStatus": "CREATED"})


@pytest.mark.parametrize(
    ("fixture", "model"),
    [
        ("ym_orders.json", GetBusinessOrdersResponse),
        ("ym_orders_schema.json", GetBusinessOrdersResponse),
        ("ym_stocks.json", GetWarehouseStocksResponse),
        ("ym_prices.json", GetDefaultPricesResponse),
        ("ym_offer_mappings.json", GetOfferMappingsResponse),
    ],
)
def test_fixtures_follow_their_contracts(fixture: str, model: Any) -> None:
    assert validate(model, _body(fixture), fixture) == []


def test_notification_examples_follow_their_contracts() -> None:
    contracts = {push.kind: push.body for push in PUSHES}
    examples = {k: v for k, v in EXAMPLES.items() if k != "_source"}
    assert set(examples) == set(contracts)
    for kind, body in examples.items():
        assert validate(contracts[kind], body, kind) == []
