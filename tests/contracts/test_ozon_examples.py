"""The official Ozon examples, values as published, through connector and mapping.

Every example comes from docs.ozon.ru's swagger (``tests/contracts/fixtures/ozon/``;
``SOURCES`` names each one's copy and pointer); the canonical result is worked out by hand
in each test. A page the spec has no example for (the end of a paged list) is built
strictly from the schema and marked so. The exchange goes through ``ContractTransport``, so
the requests the connector sends for them are checked too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from mpsync_connectors.ozon import OzonConnector

from mpsync.config.model import AccountConfig
from mpsync.connector.base import FetchWindow, OrderRef, Page, PriceUpdate, StockUpdate
from mpsync.domain.models import OrderRecord, OrderStatusUpdate, PriceRecord, StockRecord
from mpsync.domain.status import OrderStatus
from tests.contracts.checker import ContractLog, ContractTransport

FIXTURES = Path(__file__).parent / "fixtures" / "ozon"
NOW = datetime(2026, 5, 15, 12, 0, tzinfo=UTC)
SOURCES = {
    "v4_list_*": "NEWER #/paths/~1v4~1posting~1fbs~1list/post (request and 200 examples)",
    "v4_unfulfilled_*": "NEWER #/paths/~1v4~1posting~1fbs~1unfulfilled~1list/post",
    "v4_ship_*": "NEWER #/paths/~1v4~1posting~1fbs~1ship/post",
    "v4_stocks_*": "NEWER #/paths/~1v4~1product~1info~1stocks/post",
    "v5_prices_*": "NEWER #/paths/~1v5~1product~1info~1prices/post",
    "v2_warehouse_*": "NEWER #/paths/~1v2~1warehouse~1list/post",
    "v3_get_*": "OLDER #/paths/~1v3~1posting~1fbs~1get/post",
    "v2_cancel_*": "OLDER #/paths/~1v2~1posting~1fbs~1cancel/post",
    "v2_stocks_write_*": "OLDER #/paths/~1v2~1products~1stocks/post (NEWER: the same)",
    "v1_import_prices_*": "OLDER #/paths/~1v1~1product~1import~1prices/post",
    "v3_product_list_*": "OLDER #/paths/~1v3~1product~1list/post",
    "pushes.json": "NEWER #/tags/push_types and push_start (the sections' JSON examples)",
}
# Where an official example contradicts its own schema (the schema wins in the contract).
EXAMPLE_VERSUS_SCHEMA = {
    "v4_list_request.json": ["sort_dir 'asc' (enum ASC/DESC)", "with.translit (not in With)"],
    "v4_unfulfilled_request.json": ["sort_dir 'asc'", "filter.last_change_status_date (sic)"],
    "v2_warehouse_request.json": ["limit 0 (1..200)"],
    "v2_warehouse_response.json": ['has_next "string" (boolean)'],
    "v3_get_response.json": ["requirements.products_requiring_jwn (not in the schema)"],
}


def example(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)


def official_push(kind: str) -> dict[str, Any]:
    pushes: dict[str, dict[str, Any]] = example("pushes.json")
    return pushes[kind]


Answers = dict[str, list[Any]]


def replay(
    answers: Answers, rest: dict[str, Any] | None = None
) -> tuple[OzonConnector, ContractLog]:
    """An Ozon connector whose calls get the given bodies, in order, per path; then the
    path's ``rest`` body (an empty page, built from the schema) for every further call."""
    queues = {path: list(bodies) for path, bodies in answers.items()}

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/base")
        queue = queues.get(path)
        return httpx.Response(200, json=queue.pop(0) if queue else (rest or {})[path])

    log = ContractLog()
    transport = ContractTransport(httpx.MockTransport(handle), "ozon", prefix="/base", log=log)
    account = AccountConfig.model_validate(
        {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k",
         "api_base_url": "http://ozon.test/base"}
    )  # fmt: skip

    async def no_sleep(_: float) -> None:
        return None

    return OzonConnector(account, transport=transport, sleep=no_sleep, now=lambda: NOW), log


def _json(answer: Any) -> Any:
    """Decimal → float so httpx can send it back as JSON (values unchanged)."""
    return json.loads(json.dumps(answer, default=str), parse_float=Decimal)


async def _records(connector: OzonConnector, stream: str, kind: type[Any]) -> list[Any]:
    pages: list[Page] = [
        page async for page in connector.fetch(stream, FetchWindow(since=None, until=NOW))
    ]
    return _map(connector, pages, kind)


def _map(connector: OzonConnector, pages: list[Page], kind: type[Any]) -> list[Any]:
    schema = OzonConnector.load_mapping(connector.account)
    records: list[Any] = []
    for page in pages:
        mapped = schema.map_page(page.record_type, page.records, "oz", observed_at=NOW)
        assert mapped.failures == []
        records += [r for r in mapped.records if isinstance(r, kind)]
    return records


def _floats(body: Any) -> Any:
    return json.loads(json.dumps(body, default=float))


def _pages_of(*bodies: Any) -> list[Any]:
    return [_floats(body) for body in bodies]


async def test_v4_posting_list_example() -> None:
    empty = {"cursor": "", "has_next": False, "postings": []}  # schema-built, older windows
    path = "/v4/posting/fbs/list"
    connector, log = replay({path: _pages_of(example("v4_list_response.json"))}, {path: empty})
    (order,) = await _records(connector, "orders", OrderRecord)
    await connector.aclose()
    assert log.violations == []
    assert (order.external_id, order.group_key, order.order_number) == (
        "0208245774-0029-1", "0208245774-0029", "0208245774-0029"
    )  # fmt: skip
    assert (order.status, order.marketplace_status, order.marketplace_substatus) == (
        OrderStatus.NEW, "awaiting_packaging", "posting_created"
    )  # fmt: skip
    assert order.created_at == datetime(2026, 5, 14, 8, tzinfo=UTC)
    assert order.ship_by == datetime(2026, 5, 18, 12, tzinfo=UTC)
    assert order.source_updated_at == NOW  # the list has no change time: the read's moment
    assert order.delivery_method == "Доставка Ozon самостоятельно, Софьино"
    assert order.payment_method == "Банковская карта" and order.currency == "RUB"
    # products[].price is per unit: 12990.00 × 1 + 3490.00 × 2
    lines = [(ln.line_no, ln.sku, ln.marketplace_sku, ln.name, ln.quantity, ln.unit_price,
              ln.total) for ln in order.lines]  # fmt: skip
    assert lines == [
        (1, "b4408110", "1904686181", "Смартфон Xiaomi Note 12", 1, Decimal("12990.00"),
         Decimal("12990.00")),
        (2, "h667722", "1904686182", "Наушники Bluetooth", 2, Decimal("3490.00"),
         Decimal("6980.00")),
    ]  # fmt: skip
    assert order.items_total == order.total == Decimal("19970.00")
    customer = order.customer
    assert customer is not None
    assert (customer.name, customer.phone, customer.email) == (
        "Иван Петров", "+79031234567", "ivan.petrov@example.com"
    )  # fmt: skip
    assert (customer.company_name, customer.inn, customer.kpp) == (
        "ООО Ромашка", "7701234567", "770101001"
    )  # fmt: skip
    # zip, region, city, street part; Moscow's region and city said once
    assert order.delivery_address == "101000, Москва, д. 15, кв. 78"


async def test_v4_unfulfilled_list_example() -> None:
    end = {"count": 0, "cursor": "", "has_next": False, "postings": []}  # schema-built end page
    connector, log = replay({"/v4/posting/fbs/unfulfilled/list": _pages_of(
        example("v4_unfulfilled_response.json"), end)})  # fmt: skip
    pages = [page async for page in connector.work_queue(NOW - timedelta(days=1), NOW)]
    (order,) = _map(connector, pages, OrderRecord)
    await connector.aclose()
    assert log.violations == []
    sent = [e for e in log.exchanges if e.path == "/v4/posting/fbs/unfulfilled/list"]
    assert len(sent) == 2  # has_next: true, so the cursor was followed
    assert (order.external_id, order.status, order.marketplace_substatus) == (
        "41517061-0214-1", OrderStatus.READY_TO_SHIP, "posting_in_carriage"
    )  # fmt: skip
    assert order.created_at == datetime(2026, 5, 4, 6, 44, 37, tzinfo=UTC)
    assert order.ship_by == datetime(2026, 5, 5, 6, 44, 37, tzinfo=UTC)
    ((sku, quantity, unit, total),) = [(ln.sku, ln.quantity, ln.unit_price, ln.total)
                                       for ln in order.lines]  # fmt: skip
    assert (sku, quantity, unit, total) == ("S5200657-28", 1, Decimal("300"), Decimal("300"))
    assert order.total == Decimal("300") and order.currency == "RUB"
    assert order.customer is None and order.delivery_address is None


async def test_v3_get_example_and_the_ship_verified_by_it() -> None:
    get = _floats(example("v3_get_response.json"))
    connector, log = replay({"/v3/posting/fbs/get": [get, get],
                             "/v4/posting/fbs/ship": [_floats(example("v4_ship_response.json"))]})  # fmt: skip
    (raw,) = await connector.fetch_orders(["57195475-0050-3"])
    schema = OzonConnector.load_mapping(connector.account)
    order = schema.map_one("order", raw, "oz", observed_at=NOW)
    assert isinstance(order, OrderRecord)
    assert (order.status, order.marketplace_substatus) == (
        OrderStatus.NEW, "posting_awaiting_passport_data"
    )  # fmt: skip
    ((sku, ozon_sku, quantity, unit),) = [
        (ln.sku, ln.marketplace_sku, ln.quantity, ln.unit_price) for ln in order.lines
    ]
    # v3 price: a decimal string per unit ("279.0000") with currency_code RUB
    assert (sku, ozon_sku, quantity, unit) == ("250-7898-1", "180550365", 1, Decimal("279"))
    assert order.total == Decimal("279") and order.currency == "RUB"
    assert order.created_at == datetime(2021, 11, 20, 9, 14, 16, tzinfo=UTC)
    assert order.ship_by == datetime(2021, 11, 23, 10, tzinfo=UTC)
    # The ship answer's 200 is not a shipment: the get still says awaiting_packaging.
    result = await connector.ship(OrderRef("57195475-0050-3", raw=raw))
    await connector.aclose()
    assert result.ok and result.details["verified"] is False
    assert result.message == "ship accepted, still processing"
    violations = [v for v in log.violations if "products_requiring_jwn" not in v]
    assert violations == [] and len(log.violations) == 2  # the example's own extra field


async def test_cancel_warehouses_and_writes_examples() -> None:
    connector, log = replay({
        "/v2/posting/fbs/cancel": [example("v2_cancel_response.json")],
        "/v2/warehouse/list": [_floats(example("v2_warehouse_response.json"))],
        "/v2/products/stocks": [example("v2_stocks_write_response.json")],
        "/v1/product/import/prices": [example("v1_import_prices_response.json")],
    })  # fmt: skip
    assert (await connector.cancel(OrderRef("33920113-1231-1"), "Product is out of stock")).ok
    await connector.check_credentials()
    ids = {"product_id": "313455276"}
    assert (await connector.push_stock([StockUpdate("PH11042", "22142605386000", 100, ids=ids)])).ok
    price = PriceUpdate("PH8865", Decimal("1448"), None, Decimal("800"), ids={"product_id": "1386"})
    assert (await connector.push_prices([price])).ok
    await connector.aclose()
    wrong = [v for v in log.violations if "has_next" not in v]
    assert wrong == []  # only the warehouse example's has_next "string" breaks its schema
    sent = {e.path: e for e in log.exchanges}
    assert set(sent) == {"/v2/posting/fbs/cancel", "/v2/warehouse/list", "/v2/products/stocks",
                         "/v1/product/import/prices"}  # fmt: skip


async def test_stock_read_example_keeps_ozon_stock_apart() -> None:
    end = {"cursor": "", "items": [], "total": 2, "total_items": 2}  # schema-built end page
    connector, log = replay({"/v4/product/info/stocks": _pages_of(
        example("v4_stocks_response.json"), end)})  # fmt: skip
    records = await _records(connector, "stock", StockRecord)
    await connector.aclose()
    assert log.violations == []
    rows = [(r.sku, r.warehouse, r.on_hand, r.reserved) for r in records]
    # present includes reserved; the fbo entry is Ozon's stock, keyed apart (ozon-fbo)
    assert rows == [
        ("test-offer-123456", "fbs", 150, 25),
        ("test-offer-123456", "ozon-fbo", 75, 10),
        ("test-offer-123457", "fbs", 45, 5),
    ]


async def test_price_read_example() -> None:
    connector, log = replay({"/v5/product/info/prices": _pages_of(
        example("v5_prices_response.json"))})  # fmt: skip
    records = await _records(connector, "prices", PriceRecord)
    await connector.aclose()
    assert log.violations == []
    # ItemPricev5 money is JSON numbers in rubles
    assert [(r.sku, r.price, r.old_price, r.min_price, r.currency) for r in records] == [
        ("test-offer-123456", Decimal("2999.99"), Decimal("3499.99"), Decimal("2799.99"), "RUB"),
        ("test-offer-123457", Decimal("5999.99"), Decimal("6999.99"), Decimal("5499.99"), "RUB"),
    ]


def _push(kind: str, change: Callable[[dict[str, Any]], dict[str, Any]] = dict) -> Any:
    connector, _log = replay({})
    body = json.dumps(change(official_push(kind))).encode()
    return connector, connector.parse_push({}, body)


def test_push_examples_through_parsing_and_mapping() -> None:
    connector, ping = _push("TYPE_PING")
    assert ping.events == [] and ping.response["time"] == "2026-05-15T12:00:00Z"
    schema = OzonConnector.load_mapping(connector.account)
    _c, delivered = _push("TYPE_STATE_CHANGED")
    (event,) = delivered.events
    (update,) = schema.map_page("order_status", event.records, "oz", observed_at=NOW).records
    assert isinstance(update, OrderStatusUpdate)
    assert (update.external_id, update.status, update.marketplace_status) == (
        "24219509-0020-2", OrderStatus.DELIVERED, "delivered"
    )  # fmt: skip
    assert update.source_updated_at == datetime(2021, 2, 2, 15, 7, 46, 765000, tzinfo=UTC)
    _c, cancelled = _push("TYPE_POSTING_CANCELLED")
    (update,) = schema.map_page(
        "order_status", cancelled.events[0].records, "oz", observed_at=NOW
    ).records
    assert isinstance(update, OrderStatusUpdate) and update.status == OrderStatus.CANCELLED
    for kind in ("TYPE_NEW_POSTING", "TYPE_CUTOFF_DATE_CHANGED", "TYPE_DELIVERY_DATE_CHANGED"):
        _c, parsed = _push(kind)
        (event,) = parsed.events
        assert event.records == [] and event.external_ids == (
            official_push(kind)["posting_number"],
        )
        assert parsed.response == {"result": True}
    _c, stocks = _push("TYPE_STOCKS_CHANGED")
    (event,) = stocks.events
    assert event.kind == "stock_changed" and event.external_ids == ("0",)  # product_id 0
