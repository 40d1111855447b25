"""Stock and price reads: documentation-shaped payloads replayed through respx, paged to the
end, resumed, and mapped to StockRecord / PriceRecord field by field; malformed items become
mapping failures (dead letters), never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account, fixture_bytes, fixture_json
from mpsync_connectors.ozon import OzonConnector
from mpsync_connectors.wildberries import WildberriesConnector
from mpsync_connectors.yandex_market import YandexMarketConnector
from sqlalchemy import Engine, text

from mpsync.config import load_config_data
from mpsync.connector.base import Connector, FetchWindow, Page, StockUpdate
from mpsync.connector.errors import AuthError
from mpsync.domain.models import PriceRecord, StockRecord
from mpsync.mapping import MappingFailure
from mpsync.runtime import Runtime
from mpsync.sync.service import SyncService

WINDOW = FetchWindow(since=NOW - timedelta(minutes=10), until=NOW)


async def _pages(connector: Connector, stream: str, resume: str | None = None) -> list[Page]:
    window = FetchWindow(WINDOW.since, WINDOW.until, resume)
    return [page async for page in connector.fetch(stream, window)]


def _map(connector: Connector, pages: list[Page]) -> tuple[list[Any], list[MappingFailure]]:
    schema = type(connector).load_mapping(connector.account)
    records: list[Any] = []
    failures: list[MappingFailure] = []
    for page in pages:
        mapped = schema.map_page(page.record_type, page.records, "acc-1", observed_at=NOW)
        records += mapped.records
        failures += mapped.failures
    return records, failures


def _stock(records: list[Any]) -> list[tuple[str, str, int, int]]:
    assert all(isinstance(r, StockRecord) and r.account_id == "acc-1" for r in records)
    return [(r.sku, r.warehouse, r.on_hand, r.reserved) for r in records]


def _prices(records: list[Any]) -> list[tuple[Any, ...]]:
    assert all(isinstance(r, PriceRecord) and r.account_id == "acc-1" for r in records)
    return [(r.sku, r.price, r.old_price, r.min_price, r.currency) for r in records]


# ---------------------------------------------------------------- Ozon


OZON_LAST_STOCKS = {
    # a malformed item: no stocks list at all
    "items": [{"offer_id": "bad-item", "product_id": 9}],
    "cursor": "",
    "total": 3,
}


@respx.mock
async def test_ozon_stock_pages_to_the_end_and_maps_per_stock_entry(sleep: RecordingSleep) -> None:
    route = respx.post(f"{BASE}/v4/product/info/stocks").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("ozon_v4_stocks.json")),
            httpx.Response(200, json=OZON_LAST_STOCKS),
        ]
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    pages = await _pages(connector, "stock")
    sent = [json.loads(call.request.content) for call in route.calls]
    assert sent[0] == {"cursor": "", "filter": {"visibility": "ALL"}, "limit": 1000}
    assert sent[1]["cursor"] == "next-cursor-12345"
    assert route.calls[0].request.headers["Client-Id"] == "100001"
    # each answer's stock page, then the products it names (same resume token)
    assert [p.record_type for p in pages] == ["stock", "product", "stock", "product"]
    assert pages[0].resume == pages[1].resume is not None and pages[3].resume is None
    products, _ = _map(connector, [pages[1]])
    assert [(p.sku, dict(p.ids)) for p in products] == [
        ("test-offer-123456", {"product_id": "1000123456", "sku": "1000123456"}),
        ("test-offer-123457", {"product_id": "1000123457", "sku": "1000123457"}),
    ]
    records, failures = _map(connector, [pages[0], pages[2]])
    # one row per stock entry: a seller entry over unnamed warehouses is keyed by its type,
    # one naming exactly one warehouse by its id, Ozon's own (FBO) stock apart as ozon-fbo;
    # unknown fields are carried, not fatal
    assert _stock(records) == [
        ("test-offer-123456", "fbs", 150, 25),
        ("test-offer-123456", "ozon-fbo", 75, 10),
        ("test-offer-123457", "22142605386000", 45, 5),
    ]
    assert all(r.source_updated_at is None for r in records)
    (failure,) = failures
    assert failure.raw == {"offer_id": "bad-item", "product_id": 9}
    assert failure.field == "warehouse" and failure.reason
    await connector.aclose()


@respx.mock
async def test_ozon_stock_resumes_at_the_saved_cursor(sleep: RecordingSleep) -> None:
    route = respx.post(f"{BASE}/v4/product/info/stocks").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("ozon_v4_stocks.json")),
            httpx.Response(200, json=OZON_LAST_STOCKS),
        ]
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    first = await anext(aiter(connector.fetch("stock", WINDOW)))
    rest = await _pages(OzonConnector(account("ozon"), sleep=sleep), "stock", first.resume)
    assert json.loads(route.calls[1].request.content)["cursor"] == "next-cursor-12345"
    assert route.call_count == 2 and [page.records for page in rest] == [
        [{"offer_id": "bad-item", "product_id": 9}],
        [{"offer_id": "bad-item", "product_id": 9}],  # its product page
    ]
    await connector.aclose()


@respx.mock
async def test_ozon_prices_map_the_price_object(sleep: RecordingSleep) -> None:
    route = respx.post(f"{BASE}/v5/product/info/prices").respond(
        content=fixture_bytes("ozon_v5_prices.json")
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    pages = await _pages(connector, "prices")
    assert json.loads(route.calls[0].request.content) == {
        "cursor": "",
        "filter": {"visibility": "ALL"},
        "limit": 1000,
    }
    assert [(p.record_type, p.resume) for p in pages] == [("price", None), ("product", None)]
    records, failures = _map(connector, pages[:1])
    assert failures == []
    assert _prices(records) == [
        ("test-offer-123456", Decimal("2999.99"), Decimal("3499.99"), Decimal("2799.99"), "RUB"),
        ("test-offer-123457", Decimal("5999.99"), None, Decimal("5499.99"), "RUB"),
    ]


def test_ozon_stock_push_and_read_rows_share_one_mapping_section() -> None:
    """The push shape (TYPE_STOCKS_CHANGED, flattened) still maps as before."""
    schema = OzonConnector.load_mapping(account("ozon"))
    pushed = fixture_json("ozon_pushes.json")["stocks"]["items"][0]
    row = {**{k: v for k, v in pushed.items() if k != "stocks"}, **pushed["stocks"][0]}
    record = schema.map_one("stock", row, "acc-1")
    assert isinstance(record, StockRecord)
    assert (record.sku, record.warehouse, record.on_hand, record.reserved) == ("0", "0", 0, 0)
    assert record.source_updated_at == datetime(2021, 9, 1, 14, 15, 22, tzinfo=UTC)


async def test_ozon_stock_push_refuses_a_stock_type_as_warehouse(sleep: RecordingSleep) -> None:
    connector = OzonConnector(account("ozon"), sleep=sleep)
    result = await connector.push_stock([StockUpdate("test-offer-123456", "fbs", 3)])
    assert not result.ok and "fbs" in result.message
    await connector.aclose()


# ---------------------------------------------------------------- Yandex Market


def _ym_page(offers: list[dict[str, Any]], token: str | None, warehouse: int) -> dict[str, Any]:
    paging = {"nextPageToken": token} if token else {}
    warehouses = [{"warehouseId": warehouse, "offers": offers}]
    return {"status": "OK", "result": {"paging": paging, "warehouses": warehouses}}


@respx.mock
async def test_yandex_market_stock_pages_through_every_campaign(sleep: RecordingSleep) -> None:
    first = respx.post(f"{BASE}/v2/campaigns/21000000/offers/stocks").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("ym_stocks.json")),
            httpx.Response(200, json=_ym_page([{"offerId": "bad-offer"}], None, 54321)),
        ]
    )
    second = respx.post(f"{BASE}/v2/campaigns/22000000/offers/stocks").respond(
        json=_ym_page(
            [{"offerId": "SKU-009", "stocks": [{"type": "FIT", "count": 4}], "promo": "new"}],
            None,
            777,
        )
    )
    connector = YandexMarketConnector(
        account("yandex_market", campaign_ids=[21000000, 22000000]), sleep=sleep
    )
    pages = await _pages(connector, "stock")
    assert first.calls[0].request.url.params["limit"] == "200"
    assert "page_token" not in first.calls[0].request.url.params
    assert first.calls[1].request.url.params["page_token"] == "eyBuZXh0SWQ6IDIzNDIgfQ=="
    assert json.loads(first.calls[0].request.content) == {}
    assert first.calls[0].request.headers["Api-Key"] == "ym-secret-key"
    assert second.call_count == 1
    assert [p.record_type for p in pages] == ["stock"] * 3
    assert [p.resume is None for p in pages] == [False, False, True]
    records, failures = _map(connector, pages)
    # FIT is what is on hand (reserved included), FREEZE is reserved; AVAILABLE when no FIT
    assert _stock(records) == [
        ("SKU-001", "54321", 15, 3),
        ("SKU-002", "54321", 7, 0),
        ("SKU-001", "300", 0, 0),
        ("SKU-009", "777", 4, 0),
    ]
    assert records[0].source_updated_at == datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    (failure,) = failures
    assert failure.raw["offerId"] == "bad-offer" and failure.field == "on_hand"
    assert failure.raw["warehouseId"] == 54321 and failure.raw["campaignId"] == 21000000

    # the stores of the warehouses read are known: a stock push finds the right campaign
    put = respx.put(url__regex=rf"{re.escape(BASE)}/v2/campaigns/\d+/offers/stocks").respond(
        json={"status": "OK"}
    )
    bound = StockUpdate("SKU-009", "777", 5, ids={"offerId": "SKU-009"})
    assert (await connector.push_stock([bound])).ok
    assert put.calls[0].request.url.path.endswith("/v2/campaigns/22000000/offers/stocks")
    await connector.aclose()


@respx.mock
async def test_yandex_market_stock_resumes_inside_and_between_campaigns(
    sleep: RecordingSleep,
) -> None:
    def by_token(request: httpx.Request) -> httpx.Response:
        if "page_token" in request.url.params:
            return httpx.Response(200, json=_ym_page([], None, 54321))
        return httpx.Response(200, content=fixture_bytes("ym_stocks.json"))

    first = respx.post(f"{BASE}/v2/campaigns/21000000/offers/stocks").mock(side_effect=by_token)
    second = respx.post(f"{BASE}/v2/campaigns/22000000/offers/stocks").respond(
        json=_ym_page([], None, 777)
    )
    ids = {"campaign_ids": [21000000, 22000000]}
    connector = YandexMarketConnector(account("yandex_market", **ids), sleep=sleep)
    pages = await _pages(connector, "stock")
    calls = (first.call_count, second.call_count)
    again = YandexMarketConnector(account("yandex_market", **ids), sleep=sleep)
    await _pages(again, "stock", pages[0].resume)  # inside the first campaign
    assert first.calls[calls[0]].request.url.params["page_token"] == "eyBuZXh0SWQ6IDIzNDIgfQ=="
    await _pages(again, "stock", pages[1].resume)  # the second campaign from its start
    assert (first.call_count, second.call_count) == (calls[0] + 1, calls[1] + 2)
    assert "page_token" not in second.calls[-1].request.url.params
    await connector.aclose()
    await again.aclose()


@respx.mock
async def test_yandex_market_prices_of_all_stores(sleep: RecordingSleep) -> None:
    bad = {"offerId": "bad-price", "price": {"value": "n/a", "currencyId": "RUR"}}
    route = respx.post(f"{BASE}/v2/businesses/1000001/offer-prices").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("ym_prices.json")),
            httpx.Response(200, json={"status": "OK", "result": {"offers": [bad], "paging": {}}}),
        ]
    )
    connector = YandexMarketConnector(account("yandex_market"), sleep=sleep)
    pages = await _pages(connector, "prices")
    assert route.calls[1].request.url.params["page_token"] == "eyBuZXh0SWQ6IDIzNDIgfQ=="
    assert [(p.record_type, p.resume is None) for p in pages] == [
        ("price", False),
        ("price", True),
    ]
    records, failures = _map(connector, pages)
    assert _prices(records) == [
        ("SKU-001", Decimal(590), Decimal(790), Decimal(550), "RUB"),
        ("SKU-002", Decimal("1180.5"), None, None, "RUB"),
    ]
    assert records[0].source_updated_at == datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    (failure,) = failures
    assert failure.raw == bad and failure.field == "price"
    await connector.aclose()


class _TightQuota(YandexMarketConnector):
    item_quotas: ClassVar[Mapping[str, int]] = {"stocks": 100_000, "prices": 400}  # 2 pages/min


@respx.mock
async def test_yandex_market_price_reads_are_paced_by_the_item_quota(
    sleep: RecordingSleep,
) -> None:
    def page(offer: str, token: str | None) -> httpx.Response:
        offers = [{"offerId": offer, "price": {"value": 1, "currencyId": "RUR"}}]
        paging = {"nextPageToken": token} if token else {}
        return httpx.Response(
            200, json={"status": "OK", "result": {"offers": offers, "paging": paging}}
        )

    respx.post(f"{BASE}/v2/businesses/1000001/offer-prices").mock(
        side_effect=[page("a", "t1"), page("b", "t2"), page("c", None)]
    )
    connector = _TightQuota(account("yandex_market"), sleep=sleep)
    pages = await _pages(connector, "prices")
    assert [len(p.records) for p in pages] == [1, 1, 1]
    assert sleep.waits == [pytest.approx(30.0, abs=1.0)]  # the third page waits for a token
    await connector.aclose()


# ---------------------------------------------------------------- Wildberries


WB_LAST_GOODS = {
    # a malformed card: its size has no sizeID (chrtId) and no price
    "data": {
        "listGoods": [{"nmID": 5, "vendorCode": "bad-card", "sizes": [{"techSizeName": "0"}]}]
    },
    "error": False,
    "errorText": "",
}
WB_AMOUNTS = {"1": {3123515574: 12, 3123515575: 0, 3123515576: 4}, "2": {3123515574: 1}}


def _wb_stocks(request: httpx.Request, warehouse: str) -> httpx.Response:
    asked = json.loads(request.content)["chrtIds"]
    amounts = WB_AMOUNTS[warehouse]
    return httpx.Response(
        200, json={"stocks": [{"chrtId": c, "amount": amounts[c]} for c in asked if c in amounts]}
    )


def _wb_goods(request: httpx.Request) -> httpx.Response:
    """Offset 0: the fixture's two cards; 2: the malformed card; 3: the empty list that
    ends the listing ("repeat the request until the answer is an empty list")."""
    offset = request.url.params["offset"]
    if offset == "0":
        return httpx.Response(200, content=fixture_bytes("wb_goods_filter.json"))
    if offset == "2":
        return httpx.Response(200, json=WB_LAST_GOODS)
    return httpx.Response(200, json={"data": {"listGoods": []}, "error": False, "errorText": ""})


def _wb_goods_routes() -> respx.Route:
    return respx.get(f"{BASE}/api/v2/list/goods/filter").mock(side_effect=_wb_goods)


def _wb(sleep: RecordingSleep) -> WildberriesConnector:
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    connector.goods_page_size = 2  # type: ignore[misc]  # two pages from the fixtures
    return connector


@respx.mock
async def test_wildberries_prices_one_row_per_size(sleep: RecordingSleep) -> None:
    goods = _wb_goods_routes()
    connector = _wb(sleep)
    pages = await _pages(connector, "prices")
    params = [dict(call.request.url.params) for call in goods.calls]
    assert params == [{"limit": "2", "offset": str(n)} for n in (0, 2, 3)]
    assert goods.calls[0].request.headers["Authorization"] == "wb-secret-token"
    # each goods page: the ids it binds (resuming at the page), then its prices (after it)
    assert [(p.record_type, p.resume is None) for p in pages] == [
        ("product", True),
        ("price", False),
        ("product", False),
        ("price", False),
        ("price", True),
    ]
    assert pages[2].resume == pages[1].resume
    records, failures = _map(connector, [p for p in pages if p.record_type == "price"])
    # price = after the seller's discount, old_price = before it; a card of several sizes
    # names each size vendorCode/techSizeName
    assert _prices(records) == [
        ("07326060", Decimal(350), Decimal(500), None, "RUB"),
        ("shirt-blue/42", Decimal(900), Decimal(1000), None, "RUB"),
        ("shirt-blue/44", Decimal(990), Decimal(1100), None, "RUB"),
    ]
    (failure,) = failures
    assert failure.raw["vendorCode"] == "bad-card" and failure.field == "price"
    await connector.aclose()


@respx.mock
async def test_wildberries_stock_asks_every_warehouse_for_the_listed_sizes(
    sleep: RecordingSleep,
) -> None:
    goods = _wb_goods_routes()
    warehouses = respx.get(f"{BASE}/api/v3/warehouses").respond(
        content=fixture_bytes("wb_warehouses.json")
    )
    stocks = respx.post(url__regex=rf"{re.escape(BASE)}/api/v3/stocks/(?P<warehouse>\d+)").mock(
        side_effect=_wb_stocks
    )
    connector = _wb(sleep)
    pages = await _pages(connector, "stock")
    assert goods.call_count == 3 and warehouses.call_count == 1
    asked = [
        (c.request.url.path.rsplit("/", 1)[1], json.loads(c.request.content)) for c in stocks.calls
    ]
    sizes = {"chrtIds": [3123515574, 3123515575, 3123515576]}
    assert asked == [("1", sizes), ("2", sizes)]  # warehouse 3 is being deleted
    assert [(p.record_type, p.resume is None) for p in pages] == [
        ("stock", False),
        ("stock", False),
        ("stock", True),
    ]
    records, failures = _map(connector, pages)
    assert _stock(records) == [
        ("07326060", "1", 12, 0),
        ("shirt-blue/42", "1", 0, 0),
        ("shirt-blue/44", "1", 4, 0),
        ("07326060", "2", 1, 0),
    ]
    (failure,) = failures
    assert failure.raw["vendorCode"] == "bad-card" and failure.field == "warehouse"

    # resume at the second goods page: the warehouses are read again, the first page is not
    rest = await _pages(_wb(sleep), "stock", pages[0].resume)
    assert [c.request.url.params["offset"] for c in goods.calls[3:]] == ["2", "3"]
    assert [len(page.records) for page in rest] == [1, 0]
    await connector.aclose()


@respx.mock
async def test_wildberries_goods_list_error_flag_is_fatal(sleep: RecordingSleep) -> None:
    from mpsync.connector.errors import FatalError

    respx.get(f"{BASE}/api/v2/list/goods/filter").respond(
        json={"data": None, "error": True, "errorText": "Invalid filter"}
    )
    connector = _wb(sleep)
    with pytest.raises(FatalError, match="Invalid filter"):
        await _pages(connector, "prices")
    await connector.aclose()


@pytest.mark.parametrize(
    ("marketplace", "stream", "method", "path", "body"),
    [
        ("ozon", "stock", "POST", "/v4/product/info/stocks", [{"offer_id": "a"}]),
        ("ozon", "prices", "POST", "/v5/product/info/prices", "items"),
        ("yandex_market", "prices", "POST", "/v2/businesses/1000001/offer-prices", []),
        ("wildberries", "prices", "GET", "/api/v2/list/goods/filter", [1, 2]),
        ("wildberries", "stock", "GET", "/api/v3/warehouses", {"warehouses": []}),
    ],
)
async def test_an_answer_of_an_unknown_shape_is_fatal_not_an_empty_list(
    sleep: RecordingSleep, marketplace: str, stream: str, method: str, path: str, body: Any
) -> None:
    from mpsync.connector.errors import FatalError
    from mpsync.connector.registry import load_connector

    with respx.mock(assert_all_called=False) as router:
        router.get(f"{BASE}/api/v2/list/goods/filter").respond(
            content=fixture_bytes("wb_goods_filter.json")
        )
        router.route(method=method, url=BASE + path).respond(json=body)
        connector = load_connector(marketplace)(account(marketplace), sleep=sleep)
        with pytest.raises(FatalError, match="expected a JSON"):
            await _pages(connector, stream)
        await connector.aclose()


# ---------------------------------------------------------------- through the sync engine


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_malformed_stock_item_is_dead_lettered_by_the_sync(
    store: Engine, store_url: str
) -> None:
    respx_router = respx.mock(assert_all_called=False)
    with respx_router:
        respx_router.post(f"{BASE}/v4/product/info/stocks").mock(
            side_effect=[
                httpx.Response(200, content=fixture_bytes("ozon_v4_stocks.json")),
                httpx.Response(200, json=OZON_LAST_STOCKS),
            ]
        )
        accounts = [
            {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": "k",
             "api_base_url": BASE}
        ]  # fmt: skip
        settings = load_config_data({"store": {"url": store_url}, "accounts": accounts}, env={})
        service = SyncService(Runtime.build(store, settings, clock=lambda: NOW))
        service.runtime.register_accounts()
        try:
            assert service.streams(settings.accounts[0]) == [
                "orders",
                "stock",
                "prices",
                "products",
                "questions",
                "reviews",
            ]
            (result,) = await service.sync("oz", stream="stock")
        finally:
            await service.runtime.aclose()
    assert result.outcome == "ok", result.error
    counts = result.counts
    # 4 stock rows (one malformed) and the 3 products the two answers name
    assert (counts.fetched, counts.inserted, counts.dead_lettered) == (7, 6, 1)
    with store.connect() as connection:
        levels = connection.execute(
            text("SELECT sku, warehouse, on_hand, reserved FROM stock_levels ORDER BY id")
        ).all()
        letters = connection.execute(
            text("SELECT stream, record_type, field FROM dead_letters")
        ).all()
    assert [tuple(row) for row in levels] == [
        ("test-offer-123456", "fbs", 150, 25),
        ("test-offer-123456", "ozon-fbo", 75, 10),
        ("test-offer-123457", "22142605386000", 45, 5),
    ]
    assert [tuple(row) for row in letters] == [("stock", "stock", "warehouse")]


@respx.mock
async def test_wildberries_credentials_check_names_a_missing_category(
    sleep: RecordingSleep,
) -> None:
    """A token without the Prices and discounts category passes the orders calls only."""
    respx.get(f"{BASE}/api/v3/warehouses").respond(json=[])
    respx.get(f"{BASE}/api/v2/list/goods/filter").respond(
        401, json={"title": "unauthorized", "detail": "token scope not allowed", "status": 401}
    )
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    with pytest.raises(AuthError, match="needs the Prices and discounts category"):
        await connector.check_credentials()
    await connector.aclose()
