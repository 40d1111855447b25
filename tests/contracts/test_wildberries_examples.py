"""Wildberries' official examples through the connector and the mapping, worked out by hand.

The examples are in ``fixtures/wb_official_examples.json``, each with its source (spec file
and JSON pointer, ``eslazarev/wildberries-sdk`` at ``aa34039``) and how it was taken: WB
publishes whole request and response examples for the content cards list and the price
upload's 208/400/409 answers; for the rest the spec gives an example per field, and the
fixture is those field examples put together (a field without one is noted there, filled
from the schema). Every example first validates against its contract, then goes through
``WildberriesConnector`` (respx) and ``mappings/wildberries.toml``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from mpsync_connectors.wildberries import WildberriesConnector

from mpsync.config.model import AccountConfig
from mpsync.connector.base import FetchWindow, OrderRef, Page, PriceUpdate, StockUpdate
from mpsync.domain.models import (
    OrderRecord,
    OrderStatusUpdate,
    PriceRecord,
    ProductRecord,
    StockRecord,
)
from mpsync.domain.status import OrderStatus
from tests.contracts.checker import validate
from tests.contracts.registry import Endpoint
from tests.contracts.wildberries import ENDPOINTS

BASE = "http://wb.test/base"
NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
EXAMPLES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "wb_official_examples.json").read_text(),
    parse_float=Decimal,
)


def example(key: str) -> dict[str, Any]:
    return EXAMPLES[key]


def raw(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=str).encode()


def contract(key: str) -> Endpoint:
    method, path = key.split(" ", 1)
    (endpoint,) = [e for e in ENDPOINTS if e.method == method and e.path == path]
    return endpoint


class Waits:
    async def __call__(self, seconds: float) -> None:
        return None


def connector() -> WildberriesConnector:
    account = AccountConfig.model_validate(
        {"id": "acc-1", "marketplace": "wildberries", "api_base_url": BASE, "token": "t"}
    )
    return WildberriesConnector(account, sleep=Waits(), now=lambda: NOW)


async def pages(wb: WildberriesConnector, stream: str, **window: Any) -> list[Page]:
    fetch = FetchWindow(since=NOW - timedelta(days=1), until=NOW, **window)
    return [page async for page in wb.fetch(stream, fetch)]


def mapped(wb: WildberriesConnector, found: list[Page]) -> list[Any]:
    schema = WildberriesConnector.load_mapping(wb.account)
    records: list[Any] = []
    for page in found:
        result = schema.map_page(page.record_type, page.records, "acc-1", observed_at=NOW)
        assert result.failures == [], result.failures
        records += result.records
    return records


# -- every example is what its contract describes -------------------------------------


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_the_official_examples_validate_against_their_contracts(key: str) -> None:
    entry, endpoint = example(key), contract(key)
    assert entry["source"].endswith(endpoint.source.pointer), "fixture and contract disagree"
    success = [s for s, model in endpoint.responses.items() if 200 <= s < 300 and model]
    bodies = {"response": min(success, default=204), "response208": 208}
    bodies |= {"error400": 400, "error409": 409}
    checked = 0
    for name, status in bodies.items():
        if name in entry:
            model = endpoint.responses[status]
            assert model is not None
            assert validate(model, entry[name], f"{key} {status}") == []
            checked += 1
    if "request" in entry:
        model = endpoint.body or endpoint.query
        assert model is not None and validate(model, entry["request"], key) == []
        checked += 1
    assert checked, f"{key}: the fixture carries nothing to check"


# -- orders -------------------------------------------------------------------------


@respx.mock
async def test_a_new_task_maps_to_one_order_of_one_unit_in_the_sellers_currency() -> None:
    published = example("GET /api/v3/orders/new")["response"]
    respx.get(f"{BASE}/api/v3/orders/new").respond(content=raw(published))
    respx.get(f"{BASE}/api/v3/orders").respond(json={"next": 0, "orders": []})
    wb = connector()
    (order,) = [r for r in mapped(wb, await pages(wb, "orders")) if isinstance(r, OrderRecord)]
    await wb.aclose()
    # /orders/new carries no status: a task there is new.
    assert (order.status, order.marketplace_status, order.marketplace_substatus) == (
        OrderStatus.NEW,
        "new",
        None,
    )
    assert order.external_id == "13833711"
    assert order.group_key == "165918930_629fbc924b984618a44354475ca58675"
    assert order.order_number == "f884001e44e511edb8780242ac120002"  # rid = srid of reports
    assert order.created_at == datetime(2022, 5, 4, 7, 56, 29, tzinfo=UTC)
    # The sale was in BYN (currencyCode 933, price 1014 = 10.14 BYN); the seller's currency
    # is RUB (convertedCurrencyCode 643): convertedPrice 28322 kopecks = 283.22 RUB.
    assert (order.currency, order.items_total, order.total) == (
        "RUB",
        Decimal("283.22"),
        Decimal("283.22"),
    )
    assert order.delivery_method == "fbs"
    assert order.delivery_address == (
        "Челябинская область, г. Челябинск, 51-я улица Арабкира, д. 10А, кв. 42"
    )
    (line,) = order.lines
    assert (line.sku, line.marketplace_sku, line.quantity) == (
        "one-ring-7548",
        "123456789/987654321",
        1,
    )
    assert (line.unit_price, line.total) == (Decimal("283.22"), Decimal("283.22"))
    assert order.source_updated_at == NOW  # tasks carry no change time: the read's time


@respx.mock
async def test_a_listed_task_takes_its_status_from_the_status_read() -> None:
    entry = example("GET /api/v3/orders")
    listed = respx.get(f"{BASE}/api/v3/orders").mock(
        side_effect=[
            httpx.Response(200, content=raw(entry["response"])),
            httpx.Response(200, json={"next": 13833711, "orders": []}),
        ]
    )
    # Built from the schema (the status example names another task, 5632423): the
    # supplierStatus and wbStatus of task 13833711 after its supply was handed over.
    status = {"orders": [{"id": 13833711, "supplierStatus": "complete", "wbStatus": "sorted"}]}
    respx.post(f"{BASE}/api/v3/orders/status").respond(json=status)
    wb = connector()
    (order,) = mapped(wb, await pages(wb, "orders", backfill=True))
    await wb.aclose()
    query = dict(listed.calls[0].request.url.params)
    assert validate(contract("GET /api/v3/orders").query, query, "query") == []  # type: ignore[arg-type]
    assert (query["limit"], query["next"]) == ("1000", "0")
    assert int(query["dateTo"]) - int(query["dateFrom"]) == 86400  # unix seconds
    assert listed.calls[1].request.url.params["next"] == "13833711"
    # complete = "В доставке"; sorted is WB's own step, which does not change it.
    assert (order.status, order.marketplace_status, order.marketplace_substatus) == (
        OrderStatus.SHIPPED,
        "complete",
        "sorted",
    )
    assert order.raw["supplyId"] == "WB-GI-92937123"
    assert order.lines[0].marketplace_sku == "12345678/987654321"
    assert order.total == Decimal("283.22") and order.currency == "RUB"


@respx.mock
async def test_the_status_example_refreshes_an_open_task() -> None:
    entry = example("POST /api/v3/orders/status")
    respx.get(f"{BASE}/api/v3/orders/new").respond(json={"orders": []})
    route = respx.post(f"{BASE}/api/v3/orders/status").respond(content=raw(entry["response"]))
    respx.get(f"{BASE}/api/v3/orders").respond(json={"next": 0, "orders": []})
    wb = connector()
    records = mapped(wb, await pages(wb, "orders", open_ids=["5632423"]))
    await wb.aclose()
    assert json.loads(route.calls[0].request.content) == entry["request"]
    (update,) = [r for r in records if isinstance(r, OrderStatusUpdate)]
    assert (update.external_id, update.status) == ("5632423", OrderStatus.NEW)
    assert (update.marketplace_status, update.marketplace_substatus) == ("new", "waiting")
    assert update.source_updated_at == NOW


# -- supplies and cancelling ----------------------------------------------------------


@respx.mock
async def test_confirm_creates_the_published_supply_and_adds_the_task() -> None:
    created = example("POST /api/v3/supplies")
    add = example("PATCH /api/marketplace/v3/supplies/{supplyId}/orders")
    supply = created["response"]["id"]
    create = respx.post(f"{BASE}/api/v3/supplies").respond(201, json=created["response"])
    added = respx.patch(f"{BASE}/api/marketplace/v3/supplies/{supply}/orders").mock(
        side_effect=[httpx.Response(204), httpx.Response(409, content=raw(add["error409"]))]
    )
    wb = connector()
    first = add["request"]["orders"][0]
    result = await wb.confirm(OrderRef(str(first)))
    assert (result.ok, result.details) == (True, {"supply_id": "WB-GI-1234567"})
    assert json.loads(create.calls[0].request.content) == {"name": "mpsync 2026-04-05"}
    sent = json.loads(added.calls[0].request.content)
    assert sent == {"orders": [5632423]}
    assert (
        validate(contract("PATCH /api/marketplace/v3/supplies/{supplyId}/orders").body, sent, "b")
        == []
    )  # type: ignore[arg-type]
    refused = await wb.confirm(OrderRef(str(add["request"]["orders"][1])))
    await wb.aclose()
    assert not refused.ok and refused.message.endswith(add["error409"]["message"])


@respx.mock
async def test_ship_and_cancel_report_the_published_refusals() -> None:
    deliver = example("PATCH /api/v3/supplies/{supplyId}/deliver")
    cancel = example("PATCH /api/v3/orders/{orderId}/cancel")
    respx.patch(f"{BASE}/api/v3/supplies/WB-GI-1234567/deliver").mock(
        side_effect=[httpx.Response(204), httpx.Response(409, content=raw(deliver["error409"]))]
    )
    respx.patch(f"{BASE}/api/v3/orders/5632423/cancel").mock(
        side_effect=[httpx.Response(204), httpx.Response(409, content=raw(cancel["error409"]))]
    )
    wb = connector()
    task = OrderRef("5632423", raw={"supplyId": "WB-GI-1234567"})
    assert (await wb.ship(task)).ok
    refused = await wb.ship(task)
    assert not refused.ok and "закреплён хотя бы одно сборочное задание" in refused.message
    assert (await wb.cancel(task)).ok
    refused = await wb.cancel(task)
    await wb.aclose()
    assert not refused.ok and refused.message.endswith(
        "Несоответствие статусов, проверьте их правильность"
    )


# -- goods: stock, prices, products -----------------------------------------------------


def _goods_routes(goods: dict[str, Any]) -> respx.Route:
    """The goods list: the example, then the empty page that ends the listing."""
    empty = {"data": {"listGoods": []}, "error": False, "errorText": ""}
    return respx.get(f"{BASE}/api/v2/list/goods/filter").mock(
        side_effect=[httpx.Response(200, content=raw(goods)), httpx.Response(200, json=empty)]
    )


@respx.mock
async def test_the_stock_example_maps_per_warehouse_and_size() -> None:
    goods = example("GET /api/v2/list/goods/filter")["response"]
    stocks = example("POST /api/v3/stocks/{warehouseId}")
    listing = _goods_routes(goods)
    respx.get(f"{BASE}/api/v3/warehouses").respond(
        content=raw(example("GET /api/v3/warehouses")["response"])
    )
    asked = respx.post(f"{BASE}/api/v3/stocks/1").respond(content=raw(stocks["response"]))
    wb = connector()
    records = mapped(wb, await pages(wb, "stock"))
    await wb.aclose()
    assert [call.request.url.params["offset"] for call in listing.calls] == ["0", "1"]
    # The goods example's only size is sizeID 3123515574: that is what is asked about.
    assert json.loads(asked.calls[0].request.content) == {"chrtIds": [3123515574]}
    # The stocks example answers for chrtId 12345678, a size the goods list did not name:
    # without a vendorCode to name it, the row is keyed by its chrtId.
    (stock,) = records
    assert isinstance(stock, StockRecord)
    assert (stock.sku, stock.warehouse, stock.on_hand, stock.reserved) == ("12345678", "1", 10, 0)


@respx.mock
async def test_the_goods_example_maps_to_its_price_and_binds_its_ids() -> None:
    _goods_routes(example("GET /api/v2/list/goods/filter")["response"])
    wb = connector()
    records = mapped(wb, await pages(wb, "prices"))
    await wb.aclose()
    (price,) = [r for r in records if isinstance(r, PriceRecord)]
    # price 500 before the seller's 30 % discount; discountedPrice 350 = 500 × 0.70 is what
    # buyers pay. Whole rubles (currencyIsoCode4217 RUB), not kopecks.
    assert (price.sku, price.price, price.old_price, price.min_price, price.currency) == (
        "07326060",
        Decimal("350"),
        Decimal("500"),
        None,
        "RUB",
    )
    (product,) = [r for r in records if isinstance(r, ProductRecord)]
    assert (product.sku, product.ids) == ("07326060", {"nmID": "98486", "chrtId": "3123515574"})
    assert (product.name, product.barcodes) == (None, ())


@respx.mock
async def test_the_cards_example_names_the_product_and_its_barcode() -> None:
    entry = example("POST /content/v2/get/cards/list")
    route = respx.post(f"{BASE}/content/v2/get/cards/list").respond(content=raw(entry["response"]))
    wb = connector()
    records = mapped(wb, await pages(wb, "products"))
    await wb.aclose()
    sent = json.loads(route.calls[0].request.content)
    assert validate(contract("POST /content/v2/get/cards/list").body, sent, "body") == []  # type: ignore[arg-type]
    # every card: withPhoto -1 (the default 0 lists only cards without photos)
    assert sent == {"settings": {"cursor": {"limit": 100}, "filter": {"withPhoto": -1}}}
    assert route.call_count == 1  # cursor.total 1 < limit 100: the last page
    (product,) = records
    assert isinstance(product, ProductRecord)
    assert (product.sku, product.name) == ("wb7f6mumjr1", "Тест-система")
    assert product.ids == {"nmID": "12345678", "chrtId": "316399238"}
    assert product.barcodes == ("987456321654",)
    assert product.source_updated_at == datetime(2023, 12, 6, 11, 17, 0, 965770, tzinfo=UTC)


# -- pushes --------------------------------------------------------------------------


@respx.mock
async def test_a_stock_push_sends_the_published_request_by_the_bound_chrt_id() -> None:
    entry = example("PUT /api/v3/stocks/{warehouseId}")
    route = respx.put(f"{BASE}/api/v3/stocks/1").mock(
        side_effect=[httpx.Response(204), httpx.Response(409, content=raw(entry["error409"]))]
    )
    wb = connector()
    update = StockUpdate("07326060", "1", 10, ids={"nmID": "98486", "chrtId": "12345678"})
    assert (await wb.push_stock([update])).ok
    assert json.loads(route.calls[0].request.content) == entry["request"]
    refused = await wb.push_stock([update])
    await wb.aclose()
    assert not refused.ok and "The store is processing" in refused.message


@respx.mock
async def test_a_price_push_sends_the_published_price_and_discount() -> None:
    entry = example("POST /api/v2/upload/task")
    route = respx.post(f"{BASE}/api/v2/upload/task").mock(
        side_effect=[
            httpx.Response(200, content=raw(entry["response"])),
            httpx.Response(208, content=raw(entry["response208"])),
            httpx.Response(400, content=raw(entry["error400"])),
        ]
    )
    wb = connector()
    # Selling at 699.30 with 999 crossed out: the discount nearest to 1 − 699.30 / 999 is
    # 30 %, and 699.30 / 0.70 = 999: the published pair {price 999, discount 30}.
    update = PriceUpdate("X", Decimal("699.30"), old_price=Decimal("999"), ids={"nmID": "123"})
    result = await wb.push_prices([update])
    assert result.ok and result.details["upload_ids"] == [1]
    assert json.loads(route.calls[0].request.content) == entry["request"]
    assert result.details["sent"]["X"]["sells_at"] == "699.30"
    assert (await wb.push_prices([update])).ok  # 208: "This task already exists"
    # 400 "The specified prices and discounts are already set": what was asked holds.
    assert (await wb.push_prices([update])).ok
    await wb.aclose()
