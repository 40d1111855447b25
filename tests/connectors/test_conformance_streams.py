"""The conformance suite for the snapshot streams (``stock``, ``prices``, ``products``): every
registered connector, every such stream it declares. Same checks as the orders suite in
``test_conformance.py``: auth errors, three-page pagination, resume, 429/420/5xx waits,
bounded attempts, loops, unknown fields, malformed records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import httpx
import pytest
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account

from mpsync.connector.base import Connector, FetchWindow, Page
from mpsync.connector.errors import AuthError, PaginationLoopError, RetriesExhausted
from mpsync.connector.registry import known_connectors, load_connector

Record = dict[str, Any]
CREATED = "2026-04-01T10:00:00Z"


@dataclass
class StreamProfile:
    """How to fake one marketplace's stock or price listing and what it maps to."""

    method: str
    path: str
    page: Callable[[list[Record], str | None], Any]  # listing body: records, next token
    item: Callable[[int], Record]  # item n as the marketplace sends it
    expected: Callable[[int], Record]  # canonical fields item n maps to
    malformed: Callable[[int], Record]  # item n, broken (the marker "bad-n" is kept in it)
    cursor: Callable[[httpx.Request], str | None]  # the page cursor a request carries
    tokens: tuple[str, ...] = ("901", "902")  # next-page tokens of a three-page listing
    offset_paging: bool = False  # the listing ends at a short page, not at a missing token
    routes: Callable[[respx.MockRouter], None] = lambda router: None
    tune: Callable[[Connector], None] = lambda connector: None


@dataclass(frozen=True)
class Errors:
    auth: Record
    rate_limit: tuple[int, dict[str, str], float]
    secret: str


ERRORS = {
    "wildberries": Errors(
        {"title": "unauthorized", "detail": "token problem; token is malformed", "status": 401},
        (429, {"X-Ratelimit-Retry": "7", "X-Ratelimit-Reset": "9"}, 7.0),
        "wb-secret-token",
    ),
    "ozon": Errors(
        {"code": 16, "message": "Invalid Api-Key, please contact support"},
        (429, {"Retry-After": "7"}, 7.0),
        "ozon-secret-key",
    ),
    "yandex_market": Errors(
        {"status": "ERROR", "errors": [{"code": "UNAUTHORIZED", "message": "Api-Key is invalid"}]},
        (420, {"X-RateLimit-Resource-Until": "Sun, 05 Apr 2026 12:00:05 GMT"}, 5.0),
        "ym-secret-key",
    ),
}


def _body_cursor(request: httpx.Request) -> str | None:
    return json.loads(request.content).get("cursor") or None


def _query(name: str, first: str = "") -> Callable[[httpx.Request], str | None]:
    """A query parameter as the page cursor; *first* (e.g. offset 0) means the first page."""
    return lambda request: (
        None if request.url.params.get(name, first) == first else (request.url.params[name])
    )


def _ozon_page(records: list[Record], token: str | None) -> Record:
    return {"items": records, "cursor": token or "", "total": 3}


def _ym_stocks_page(records: list[Record], token: str | None) -> Record:
    paging = {"nextPageToken": token} if token else {}
    warehouses = [{"warehouseId": 54321, "offers": records}]
    return {"status": "OK", "result": {"paging": paging, "warehouses": warehouses}}


def _ym_prices_page(records: list[Record], token: str | None) -> Record:
    paging = {"nextPageToken": token} if token else {}
    return {"status": "OK", "result": {"offers": records, "paging": paging}}


def _ym_mappings_page(records: list[Record], token: str | None) -> Record:
    paging = {"nextPageToken": token} if token else {}
    return {"status": "OK", "result": {"paging": paging, "offerMappings": records}}


def _ym_mapping(n: int) -> Record:
    offer = {"offerId": f"a{n}", "name": f"Товар {n}", "barcodes": [f"46000000000{n:02d}"]}
    return {"offer": offer, "mapping": {"marketSku": 100_000 + n}}


def _wb_page(records: list[Record], token: str | None) -> Record:
    return {"data": {"listGoods": records}, "error": False, "errorText": ""}


def _wb_card(n: int, **size: Any) -> Record:
    return {
        "nmID": 100 + n,
        "vendorCode": f"a{n}",
        "sizes": [
            {
                "sizeID": 1000 + n,
                "price": 200 + n,
                "discountedPrice": 100 + n,
                "clubDiscountedPrice": 100 + n,
                "techSizeName": "0",
                **size,
            }
        ],
        "currencyIsoCode4217": "RUB",
        "discount": 50,
        "editableSizePrice": False,
    }


def _wb_stock_routes(router: respx.MockRouter) -> None:
    router.get(f"{BASE}/api/v3/warehouses").respond(
        json=[{"name": "Подольск", "officeId": 15, "id": 658434, "cargoType": 1}]
    )

    def stocks(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)["chrtIds"]
        return httpx.Response(
            200, json={"stocks": [{"chrtId": c, "amount": c % 100} for c in asked]}
        )

    router.post(url__regex=rf"{re.escape(BASE)}/api/v3/stocks/\d+").mock(side_effect=stocks)


def _wb_tune(connector: Connector) -> None:
    connector.goods_page_size = 1  # type: ignore[attr-defined]  # one card per page
    connector.cards_page_size = 1  # type: ignore[attr-defined]


def _wb_cards_page(records: list[Record], token: str | None) -> Record:
    """A content cards page: the cursor names the last card; a full page is not the last."""
    if not records:
        return {"cards": [], "cursor": {"total": 0}}
    last = int(token) if token else records[-1]["nmID"]
    return {"cards": records, "cursor": {"updatedAt": CREATED, "nmID": last, "total": len(records)}}


def _wb_cards_cursor(request: httpx.Request) -> str | None:
    nm_id = json.loads(request.content)["settings"]["cursor"].get("nmID")
    return None if nm_id is None else str(nm_id)


def _wb_product_card(n: int) -> Record:
    size = {"chrtID": 1000 + n, "techSize": "0", "skus": [f"46000000000{n:02d}"]}
    return {"nmID": 100 + n, "vendorCode": f"a{n}", "title": f"Товар {n}", "sizes": [size],
            "updatedAt": CREATED}  # fmt: skip


def _wb_product(n: int) -> Record:
    return {
        "sku": f"a{n}",
        "name": f"Товар {n}",
        "barcodes": (f"46000000000{n:02d}",),
        "ids": {"nmID": str(100 + n), "chrtId": str(1000 + n)},
    }


def _ozon_stock(n: int) -> Record:
    stock = {
        "sku": 5000 + n,
        "type": "fbs",
        "present": n,
        "reserved": 0,
        "shipment_type": "SHIPMENT_TYPE_GENERAL",
        "warehouse_ids": [22142605386000],
    }
    return {"offer_id": f"a{n}", "product_id": 1000 + n, "stocks": [stock]}


def _ozon_price(n: int, value: Any = None) -> Record:
    price = {"price": value if value is not None else 100 + n, "old_price": 200 + n}
    return {"offer_id": f"a{n}", "product_id": 1000 + n, "price": {**price, "currency_code": "RUB"}}


def _ym_price(n: int, value: Any = None) -> Record:
    price = {"value": value if value is not None else 100 + n, "currencyId": "RUR"}
    return {"offerId": f"a{n}", "price": {**price, "discountBase": 200 + n, "updatedAt": CREATED}}


def _prices(n: int) -> Record:
    return {
        "sku": f"a{n}",
        "price": Decimal(100 + n),
        "old_price": Decimal(200 + n),
        "currency": "RUB",
    }


def _ozon_product_list(records: list[Record], token: str | None) -> Record:
    return {"result": {"items": records, "last_id": token or "", "total": 3}}


def _ozon_product(n: int) -> Record:
    return {"offer_id": f"a{n}", "product_id": 1000 + n, "sku": 5000 + n, "archived": False}


PROFILES: dict[tuple[str, str], StreamProfile] = {
    ("ozon", "products"): StreamProfile(
        "POST",
        "/v3/product/list",
        _ozon_product_list,
        _ozon_product,
        lambda n: {"sku": f"a{n}", "ids": {"product_id": str(1000 + n), "sku": str(5000 + n)}},
        lambda n: {"offer_id": None, "product_id": 1, "sku": f"bad-{n}"},
        lambda request: json.loads(request.content).get("last_id") or None,
    ),
    ("ozon", "stock"): StreamProfile(
        "POST",
        "/v4/product/info/stocks",
        _ozon_page,
        _ozon_stock,
        lambda n: {"sku": f"a{n}", "warehouse": "22142605386000", "on_hand": n, "reserved": 0},
        lambda n: {"offer_id": f"bad-{n}", "product_id": 1, "stocks": [{"type": "fbs"}]},
        _body_cursor,
    ),
    ("ozon", "prices"): StreamProfile(
        "POST",
        "/v5/product/info/prices",
        _ozon_page,
        _ozon_price,
        _prices,
        lambda n: {**_ozon_price(n, "abc"), "offer_id": f"bad-{n}"},
        _body_cursor,
    ),
    ("yandex_market", "stock"): StreamProfile(
        "POST",
        "/v2/campaigns/21000000/offers/stocks",
        _ym_stocks_page,
        lambda n: {
            "offerId": f"a{n}",
            "stocks": [{"type": "FIT", "count": n}],
            "updatedAt": CREATED,
        },
        lambda n: {"sku": f"a{n}", "warehouse": "54321", "on_hand": n, "reserved": 0},
        lambda n: {"offerId": f"bad-{n}", "updatedAt": CREATED},
        _query("page_token"),
    ),
    ("yandex_market", "prices"): StreamProfile(
        "POST",
        "/v2/businesses/1000001/offer-prices",
        _ym_prices_page,
        _ym_price,
        _prices,
        lambda n: {**_ym_price(n, "abc"), "offerId": f"bad-{n}"},
        _query("page_token"),
    ),
    ("yandex_market", "products"): StreamProfile(
        "POST",
        "/v2/businesses/1000001/offer-mappings",
        _ym_mappings_page,
        _ym_mapping,
        lambda n: {
            "sku": f"a{n}",
            "name": f"Товар {n}",
            "barcodes": (f"46000000000{n:02d}",),
            "ids": {"offerId": f"a{n}", "marketSku": str(100_000 + n)},
        },
        lambda n: {"offer": {"name": f"bad-{n}"}, "mapping": {"marketSku": 1}},  # no offerId
        _query("page_token"),
    ),
    ("wildberries", "stock"): StreamProfile(
        "GET",
        "/api/v2/list/goods/filter",
        _wb_page,
        _wb_card,
        lambda n: {"sku": f"a{n}", "warehouse": "658434", "on_hand": (1000 + n) % 100},
        lambda n: {**_wb_card(n, sizeID=None), "vendorCode": f"bad-{n}"},
        _query("offset", "0"),
        tokens=("1", "2"),
        offset_paging=True,
        routes=_wb_stock_routes,
        tune=_wb_tune,
    ),
    ("wildberries", "prices"): StreamProfile(
        "GET",
        "/api/v2/list/goods/filter",
        _wb_page,
        _wb_card,
        _prices,
        lambda n: {**_wb_card(n, price="n/a", discountedPrice=None), "vendorCode": f"bad-{n}"},
        _query("offset", "0"),
        tokens=("1", "2"),
        offset_paging=True,
        tune=_wb_tune,
    ),
    ("wildberries", "products"): StreamProfile(
        "POST",
        "/content/v2/get/cards/list",
        _wb_cards_page,
        _wb_product_card,
        _wb_product,
        lambda n: {**_wb_product_card(n), "vendorCode": f"bad-{n}", "title": {"ru": "?"}},
        _wb_cards_cursor,
        offset_paging=True,  # a full page is never known to be the last
        tune=_wb_tune,
    ),
}

SNAPSHOT_STREAMS = [
    (name, stream)
    for name in known_connectors()
    # Buyers' questions and reviews: tests/connectors/test_buyer_streams.py; finance and
    # returns are windowed reads with their own tests (tests/finance).
    for stream in sorted(
        load_connector(name).capabilities.streams
        - {"orders", "questions", "reviews", "finance", "returns"}
    )
]


@pytest.fixture(params=SNAPSHOT_STREAMS, ids=[f"{n}-{s}" for n, s in SNAPSHOT_STREAMS])
def case(request: pytest.FixtureRequest) -> tuple[str, str, StreamProfile]:
    name, stream = request.param
    if (name, stream) not in PROFILES:
        pytest.fail(f"connector {name!r} reads {stream!r} but has no profile; add one to PROFILES")
    return name, stream, PROFILES[(name, stream)]


def test_every_built_in_connector_reads_stock_and_prices() -> None:
    for name in ("wildberries", "ozon", "yandex_market"):
        assert {"orders", "stock", "prices"} <= load_connector(name).capabilities.streams


def _connector(name: str, profile: StreamProfile, sleep: RecordingSleep) -> Connector:
    cls = load_connector(name)
    connector = cls(account(name), sleep=sleep, now=lambda: NOW)  # type: ignore[call-arg]
    profile.tune(connector)
    return connector


def _window(resume: str | None = None) -> FetchWindow:
    return FetchWindow(since=NOW - timedelta(minutes=10), until=NOW, resume=resume)


def _route(router: respx.MockRouter, profile: StreamProfile) -> respx.Route:
    profile.routes(router)
    return router.route(method=profile.method, url__startswith=BASE + profile.path)


def _responses(profile: StreamProfile, items: list[list[Record]]) -> list[httpx.Response]:
    """One listing response per page of items, each pointing at the next; an offset-paged
    listing ends with an empty page (a full page is never known to be the last)."""
    tokens: list[str | None] = [*profile.tokens[: len(items) - 1], None]
    pages = [profile.page(records, token) for records, token in zip(items, tokens, strict=True)]
    if profile.offset_paging:
        pages.append(profile.page([], None))
    return [httpx.Response(200, json=page) for page in pages]


def _three_pages(profile: StreamProfile) -> list[httpx.Response]:
    return _responses(profile, [[profile.item(1)], [profile.item(2)], [profile.item(3)]])


RECORD_TYPES = {"stock": "stock", "prices": "price", "products": "product"}


async def _pages(connector: Connector, stream: str, window: FetchWindow) -> list[Page]:
    """The stream's own pages. A snapshot read may follow each answer's page with the
    products that answer names (``Page("product", ...)``, same resume token): those bind
    SKUs to the marketplace's ids and are checked by the connector's own tests."""
    pages = [page async for page in connector.fetch(stream, window)]
    own = [page for page in pages if page.record_type == RECORD_TYPES[stream]]
    for before, page in pairwise(pages):
        if page.record_type != RECORD_TYPES[stream]:
            assert page.record_type == "product" and page.resume == before.resume
    return own


def _mapped(name: str, pages: list[Page]) -> tuple[list[Any], list[Any]]:
    schema = load_connector(name).load_mapping(account(name))
    records: list[Any] = []
    failures: list[Any] = []
    for page in pages:
        mapped = schema.map_page(page.record_type, page.records, "acc-1", observed_at=NOW)
        records += mapped.records
        failures += mapped.failures
    return records, failures


def _fields(record: Any, expected: Record) -> Record:
    return {key: getattr(record, key) for key in expected}


async def test_bad_credentials_are_a_fatal_auth_error(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    errors = ERRORS[name]
    with respx.mock(assert_all_called=False) as router:
        _route(router, profile).respond(401, json=errors.auth)
        with pytest.raises(AuthError) as caught:
            await _pages(_connector(name, profile, sleep), stream, _window())
    message = str(caught.value)
    assert "401" in message and "credentials rejected" in message
    assert errors.secret not in message


async def test_pagination_across_three_pages_maps_every_record(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    responses = _three_pages(profile)
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).mock(side_effect=responses)
        pages = await _pages(_connector(name, profile, sleep), stream, _window())
    assert route.call_count == len(responses)
    assert [profile.cursor(call.request) for call in route.calls][:3] == [None, *profile.tokens]
    assert [len(page.records) for page in pages if page.records] == [1, 1, 1]
    assert pages[-1].resume is None and all(page.resume for page in pages[:-1])
    record_type = RECORD_TYPES[stream]
    assert {page.record_type for page in pages} == {record_type}
    records, failures = _mapped(name, pages)
    assert failures == []
    assert [_fields(r, profile.expected(n)) for n, r in enumerate(records, 1)] == [
        profile.expected(n) for n in (1, 2, 3)
    ]


async def test_resume_from_a_saved_cursor(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    responses = _three_pages(profile)
    with respx.mock(assert_all_called=False) as router:
        _route(router, profile).mock(side_effect=responses[:1])
        first = await anext(
            page
            async for page in _connector(name, profile, sleep).fetch(stream, _window())
            if page.record_type == RECORD_TYPES[stream]
        )
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).mock(side_effect=responses[1:])
        rest = await _pages(_connector(name, profile, sleep), stream, _window(first.resume))
    assert profile.cursor(route.calls[0].request) == profile.tokens[0]
    records, _ = _mapped(name, rest)
    assert [_fields(r, profile.expected(n)) for n, r in enumerate(records, 2)] == [
        profile.expected(2),
        profile.expected(3),
    ]


async def test_rate_limits_and_5xx_are_retried_with_the_asked_wait(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    status, headers, wait = ERRORS[name].rate_limit
    pages_json = _responses(profile, [[profile.item(1)]])
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).mock(
            side_effect=[
                httpx.Response(status, headers=headers, json={"message": "slow down"}),
                httpx.Response(503, text="upstream down"),
                *pages_json,
            ]
        )
        pages = await _pages(_connector(name, profile, sleep), stream, _window())
    assert route.call_count == 2 + len(pages_json)
    assert [len(page.records) for page in pages if page.records] == [1]
    assert sleep.waits[0] == pytest.approx(wait)
    assert 1.0 <= sleep.waits[1] <= 3.0  # 1 s x 2^1 plus up to 1 s of jitter


async def test_attempts_are_bounded_then_a_clear_error(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).respond(502, text="bad gateway")
        with pytest.raises(RetriesExhausted) as caught:
            await _pages(_connector(name, profile, sleep), stream, _window())
    assert route.call_count == 5 and len(sleep.waits) == 4
    assert "gave up after 5 attempts" in str(caught.value) and "502" in str(caught.value)


async def test_a_repeated_page_stops_the_loop(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    page = profile.page([profile.item(1)], profile.tokens[0])
    with respx.mock(assert_all_called=False) as router:
        route = _route(router, profile).respond(json=page)
        with pytest.raises(PaginationLoopError):
            await _pages(_connector(name, profile, sleep), stream, _window())
    assert route.call_count == 2


async def test_unknown_fields_are_tolerated(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    item = {**profile.item(1), "fieldFromTheFuture": [1, {"nested": None}]}
    body = {**profile.page([item], None), "envelopeExtra": {"x": 1}}
    responses = [httpx.Response(200, json=body)]
    if profile.offset_paging:
        responses.append(httpx.Response(200, json=profile.page([], None)))
    with respx.mock(assert_all_called=False) as router:
        _route(router, profile).mock(side_effect=responses)
        pages = await _pages(_connector(name, profile, sleep), stream, _window())
    records, failures = _mapped(name, pages)
    assert failures == []
    assert [_fields(r, profile.expected(1)) for r in records] == [profile.expected(1)]


async def test_a_malformed_item_is_a_mapping_failure_and_the_rest_maps(
    case: tuple[str, str, StreamProfile], sleep: RecordingSleep
) -> None:
    name, stream, profile = case
    items = [profile.item(1), profile.malformed(2), profile.item(3)]
    with respx.mock(assert_all_called=False) as router:
        _route(router, profile).mock(side_effect=_responses(profile, [items]))
        pages = await _pages(_connector(name, profile, sleep), stream, _window())
    records, failures = _mapped(name, pages)
    assert [_fields(r, profile.expected(n)) for n, r in zip((1, 3), records, strict=True)] == [
        profile.expected(1),
        profile.expected(3),
    ]
    (failure,) = failures
    assert "bad-2" in json.dumps(failure.raw, default=str)
    assert failure.field and failure.reason
