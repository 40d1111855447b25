"""Push parsing (Ozon, Yandex Market) and write-backs, replayed through respx."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account, fixture_json
from mpsync_connectors.ozon import OzonConnector
from mpsync_connectors.wildberries import WildberriesConnector
from mpsync_connectors.yandex_market import YandexMarketConnector

from mpsync.connector.base import OrderRef, PriceUpdate, StockUpdate
from mpsync.connector.errors import NotSupportedError, PushError
from mpsync.domain.models import OrderStatusUpdate, StockRecord
from mpsync.domain.status import OrderStatus
from mpsync.mapping import load_mapping


def _ozon(sleep: RecordingSleep) -> OzonConnector:
    return OzonConnector(account("ozon"), sleep=sleep, now=lambda: NOW)


def _ym(sleep: RecordingSleep) -> YandexMarketConnector:
    return YandexMarketConnector(account("yandex_market"), sleep=sleep, now=lambda: NOW)


def _body(name: str, key: str) -> bytes:
    return json.dumps(fixture_json(name)[key], default=str).encode()


def test_ozon_ping_and_event_answers(sleep: RecordingSleep) -> None:
    connector = _ozon(sleep)
    ping = connector.parse_push({}, _body("ozon_pushes.json", "ping"))
    assert ping.events == [] and ping.status_code == 200
    assert ping.response == {"version": "0.1.0", "name": "mpsync", "time": "2026-04-05T12:00:00Z"}
    new = connector.parse_push({}, _body("ozon_pushes.json", "new_posting"))
    assert new.response == {"result": True}
    (event,) = new.events
    assert (event.kind, event.external_ids, event.records) == (
        "new_order",
        ("24319409-0021-1",),
        [],
    )
    again = connector.parse_push({}, _body("ozon_pushes.json", "new_posting"))
    assert again.events[0].dedupe_key == event.dedupe_key
    kinds = {
        key: connector.parse_push({}, _body("ozon_pushes.json", key)).events[0].kind
        for key in ("cutoff", "delivery_date", "stocks", "cancelled", "state_changed")
    }
    assert kinds == {
        "cutoff": "order_changed",
        "delivery_date": "order_changed",
        "stocks": "stock_changed",
        "cancelled": "status_changed",
        "state_changed": "status_changed",
    }


def test_ozon_status_and_stock_pushes_map(sleep: RecordingSleep) -> None:
    connector, schema = _ozon(sleep), load_mapping("ozon")
    for key, expected in (
        ("state_changed", OrderStatus.DELIVERED),
        ("cancelled", OrderStatus.CANCELLED),
    ):
        (event,) = connector.parse_push({}, _body("ozon_pushes.json", key)).events
        update = schema.map_one("order_status", event.records[0], "acc")
        assert isinstance(update, OrderStatusUpdate) and update.status == expected
    delivered = connector.parse_push({}, _body("ozon_pushes.json", "state_changed")).events[0]
    mapped = schema.map_one("order_status", delivered.records[0], "acc")
    assert mapped.source_updated_at.isoformat() == "2021-02-02T15:07:46.765000+00:00"
    # A stock push names products by id: processing reads their stock (keyed by offer_id).
    stock = connector.parse_push({}, _body("ozon_pushes.json", "stocks")).events[0]
    assert (stock.record_type, stock.external_ids, stock.records) == ("stock", ("0",), [])
    # Without product ids it carries the flattened rows, as before.
    body = json.loads(_body("ozon_pushes.json", "stocks"))
    del body["items"][0]["product_id"]
    rows = connector.parse_push({}, json.dumps(body).encode()).events[0]
    record = schema.map_one("stock", rows.records[0], "acc")
    assert isinstance(record, StockRecord) and (record.on_hand, record.warehouse) == (0, "0")


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"message_type": "TYPE_STATE_CHANGED"}'])
def test_malformed_ozon_push_is_a_4xx_in_ozon_format(sleep: RecordingSleep, body: bytes) -> None:
    with pytest.raises(PushError) as caught:
        _ozon(sleep).parse_push({}, body)
    assert caught.value.status_code == 400
    assert caught.value.response["error"]["code"].startswith("ERROR_")


def test_yandex_market_notifications(sleep: RecordingSleep) -> None:
    connector, schema = _ym(sleep), load_mapping("yandex_market")
    answer = {"version": "0.1.0", "name": "mpsync", "time": "2026-04-05T12:00:00Z"}
    results = {
        key: connector.parse_push({}, _body("ym_notifications.json", key))
        for key in ("ping", "created", "status_updated", "cancelled", "updated")
    }
    assert all(r.response == answer and r.status_code == 200 for r in results.values())
    assert results["ping"].events == []
    assert results["created"].events[0].external_ids == ("51234567890",)
    status = schema.map_one("order_status", results["status_updated"].events[0].records[0], "a")
    assert isinstance(status, OrderStatusUpdate) and status.status == OrderStatus.READY_TO_SHIP
    cancelled = schema.map_one("order_status", results["cancelled"].events[0].records[0], "a")
    assert cancelled.status == OrderStatus.CANCELLED  # type: ignore[union-attr]
    assert results["updated"].events[0].kind == "order_changed"
    with pytest.raises(PushError) as caught:
        connector.parse_push({}, b'{"notificationType": "ORDER_CREATED"}')
    assert caught.value.response["error"]["type"] == "WRONG_EVENT_FORMAT"


def test_wildberries_sends_no_pushes(sleep: RecordingSleep) -> None:
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    assert connector.capabilities.push is False
    with pytest.raises(NotSupportedError):
        connector.parse_push({}, b"{}")


@respx.mock
async def test_wildberries_write_backs(sleep: RecordingSleep) -> None:
    supply = respx.post(f"{BASE}/api/v3/supplies").respond(201, json={"id": "WB-GI-1"})
    add = respx.patch(f"{BASE}/api/marketplace/v3/supplies/WB-GI-1/orders").respond(204)
    deliver = respx.patch(f"{BASE}/api/v3/supplies/WB-GI-9/deliver").respond(204)
    respx.patch(f"{BASE}/api/v3/orders/77/cancel").respond(
        409, json={"code": "StatusMismatch", "message": "order already in delivery"}
    )
    stocks = respx.put(f"{BASE}/api/v3/stocks/658434").respond(204)
    prices = respx.post(f"{BASE}/api/v2/upload/task").respond(
        json={"data": {"id": 5, "alreadyExists": False}, "error": False, "errorText": ""}
    )
    wb = WildberriesConnector(account("wildberries"), sleep=sleep)
    assert (await wb.confirm(OrderRef("77"))).details == {"supply_id": "WB-GI-1"}
    assert json.loads(add.calls[0].request.content) == {"orders": [77]} and supply.called
    assert (await wb.ship(OrderRef("77", raw={"supplyId": "WB-GI-9"}))).ok and deliver.called
    failed = await wb.cancel(OrderRef("77"))
    assert not failed.ok and "order already in delivery" in failed.message
    bound = {"nmID": "123", "chrtId": "987654321"}
    assert (await wb.push_stock([StockUpdate("a", "658434", 5, ids=bound)])).ok
    assert json.loads(stocks.calls[0].request.content) == {
        "stocks": [{"chrtId": 987654321, "amount": 5}]
    }
    # no crossed-out price: no discount, the whole price nearest to the asked one
    assert (await wb.push_prices([PriceUpdate("a", Decimal("999.50"), ids=bound)])).ok
    assert json.loads(prices.calls[0].request.content) == {
        "data": [{"nmID": 123, "price": 1000, "discount": 0}]
    }
    await wb.aclose()


@respx.mock
async def test_wildberries_confirms_of_a_day_share_one_supply(sleep: RecordingSleep) -> None:
    supplies = respx.post(f"{BASE}/api/v3/supplies").mock(
        side_effect=[httpx.Response(201, json={"id": f"WB-GI-{n}"}) for n in (1, 2, 3)]
    )
    first = respx.patch(f"{BASE}/api/marketplace/v3/supplies/WB-GI-1/orders").mock(
        side_effect=[httpx.Response(204), httpx.Response(204),
                     httpx.Response(409, json={"title": "conflict",
                                               "detail": "supply is already delivered"})]
    )  # fmt: skip
    second = respx.patch(f"{BASE}/api/marketplace/v3/supplies/WB-GI-2/orders").respond(204)
    respx.patch(f"{BASE}/api/v3/supplies/WB-GI-2/deliver").respond(204)
    respx.patch(f"{BASE}/api/marketplace/v3/supplies/WB-GI-3/orders").respond(204)
    wb = WildberriesConnector(account("wildberries"), sleep=sleep, now=lambda: NOW)
    results = await asyncio.gather(*(wb.confirm(OrderRef(str(n))) for n in (71, 72)))
    assert [r.details["supply_id"] for r in results] == ["WB-GI-1", "WB-GI-1"]
    assert supplies.call_count == 1 and first.call_count == 2
    assert json.loads(supplies.calls[0].request.content) == {"name": "mpsync 2026-04-05"}
    # Handed over in the seller portal meanwhile: this confirm fails (and is retried by
    # the workflow); the next one opens a new supply.
    refused = await wb.confirm(OrderRef("73"))
    assert not refused.ok and "already delivered" in refused.message
    assert (await wb.confirm(OrderRef("73"))).details == {"supply_id": "WB-GI-2"}
    assert second.called and supplies.call_count == 2
    # Shipping the shared supply closes it for later confirms.
    assert (await wb.ship(OrderRef("73", raw={"supplyId": "WB-GI-2"}))).ok
    assert (await wb.confirm(OrderRef("74"))).details == {"supply_id": "WB-GI-3"}
    await wb.aclose()


@respx.mock
async def test_ozon_ship_is_verified_and_cancel_stock_price(sleep: RecordingSleep) -> None:
    ship = respx.post(f"{BASE}/v4/posting/fbs/ship").respond(json={"result": ["p-1"]})
    respx.post(f"{BASE}/v3/posting/fbs/get").respond(
        json={
            "result": {
                "posting_number": "p-1",
                "status": "awaiting_packaging",
                "substatus": "ship_failed",
            }
        }
    )
    respx.post(f"{BASE}/v2/posting/fbs/cancel").respond(json={"result": True})
    stocks = respx.post(f"{BASE}/v2/products/stocks").respond(
        json={
            "result": [
                {"offer_id": "A", "updated": False, "errors": [{"code": "TOO_MANY_REQUESTS"}]}
            ]
        }
    )
    prices = respx.post(f"{BASE}/v1/product/import/prices").respond(
        json={"result": [{"offer_id": "A", "updated": True, "errors": []}]}
    )
    ozon = _ozon(sleep)
    result = await ozon.ship(OrderRef("p-1", raw={"products": [{"sku": 185479045, "quantity": 2}]}))
    assert not result.ok and "ship_failed" in result.message
    assert json.loads(ship.calls[0].request.content)["packages"] == [
        {"products": [{"product_id": 185479045, "quantity": 2}]}
    ]
    assert (await ozon.cancel(OrderRef("p-1"), "no stock")).ok
    bound = {"product_id": "313455276"}
    stock = await ozon.push_stock([StockUpdate("A", "22142605386000", 3, ids=bound)])
    assert not stock.ok and "TOO_MANY_REQUESTS" in stock.message
    assert json.loads(stocks.calls[0].request.content)["stocks"] == [
        {"offer_id": "A", "product_id": 313455276, "stock": 3, "warehouse_id": 22142605386000}
    ]
    assert (await ozon.push_prices([PriceUpdate("A", Decimal("1448"), Decimal("1600"))])).ok
    assert json.loads(prices.calls[0].request.content)["prices"][0]["old_price"] == "1600"
    await ozon.aclose()


@respx.mock
async def test_yandex_market_status_stock_price_write_backs(sleep: RecordingSleep) -> None:
    status = respx.put(f"{BASE}/v2/campaigns/21000000/orders/51234567890/status").respond(
        json={"order": {"id": 51234567890, "status": "PROCESSING", "substatus": "READY_TO_SHIP"}}
    )
    stocks = respx.put(f"{BASE}/v2/campaigns/21000000/offers/stocks").respond(json={"status": "OK"})
    prices = respx.post(f"{BASE}/v2/businesses/1000001/offer-prices/updates").respond(
        json={"status": "OK"}
    )
    respx.post(f"{BASE}/v2/businesses/1000001/offer-prices").respond(
        json={"status": "OK", "result": {"offers": []}}  # no bestseller minimum set
    )
    ym = _ym(sleep)
    assert (await ym.ship(OrderRef("51234567890"))).ok
    assert json.loads(status.calls[0].request.content) == {
        "order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}
    }
    assert (await ym.cancel(OrderRef("51234567890", raw={"campaignId": 21000000}))).ok
    assert json.loads(status.calls[1].request.content)["order"]["substatus"] == "SHOP_FAILED"
    bound = {"offerId": "SKU-001", "marketSku": "100000000011"}
    assert (await ym.push_stock([StockUpdate("SKU-001", "21000000", 15, ids=bound)])).ok
    assert json.loads(stocks.calls[0].request.content) == {
        "skus": [{"sku": "SKU-001", "items": [{"count": 15, "updatedAt": "2026-04-05T12:00:00Z"}]}]
    }
    price = PriceUpdate("SKU-001", Decimal(590), Decimal(790), ids=bound)
    assert (await ym.push_prices([price])).ok
    assert json.loads(prices.calls[0].request.content) == {
        "offers": [
            {
                "offerId": "SKU-001",
                "price": {"value": 590, "currencyId": "RUR", "discountBase": 790},
            }
        ]
    }
    await ym.aclose()
