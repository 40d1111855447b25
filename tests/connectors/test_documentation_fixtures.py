"""Documentation payloads replayed through respx and mapped: checked field by field.

Yandex Market's are in ``test_yandex_market_documentation.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import respx
from connector_helpers import BASE, NOW, RecordingSleep, account, fixture_bytes
from mpsync_connectors.ozon import OzonConnector
from mpsync_connectors.wildberries import WildberriesConnector

from mpsync.connector.base import FetchWindow, Page
from mpsync.domain.models import OrderRecord
from mpsync.domain.status import OrderStatus

OZON_V4_EXAMPLE = Path(__file__).parents[1] / "contracts/fixtures/ozon/v4_list_response.json"


async def _pages(connector: Any, window: FetchWindow) -> list[Page]:
    return [page async for page in connector.fetch("orders", window)]


def _orders(connector: Any, pages: list[Page]) -> list[OrderRecord]:
    schema = type(connector).load_mapping(connector.account)
    records: list[OrderRecord] = []
    for page in pages:
        mapped = schema.map_page(page.record_type, page.records, "acc-1", observed_at=NOW)
        assert mapped.failures == []
        records += [r for r in mapped.records if isinstance(r, OrderRecord)]
    return records


@respx.mock
async def test_wildberries_new_and_history_tasks(sleep: RecordingSleep) -> None:
    respx.get(f"{BASE}/api/v3/orders/new").respond(content=fixture_bytes("wb_orders_new.json"))
    history = respx.get(f"{BASE}/api/v3/orders").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("wb_orders.json")),
            httpx.Response(200, json={"next": 13833711, "orders": []}),
        ]
    )
    respx.post(f"{BASE}/api/v3/orders/status").respond(
        content=fixture_bytes("wb_orders_status.json")
    )
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    window = FetchWindow(since=NOW.replace(day=1), until=NOW)
    pages = await _pages(connector, window)
    assert [p.record_type for p in pages] == ["order", "order", "order"]
    assert history.calls[0].request.url.params["next"] == "0"
    assert history.calls[1].request.url.params["next"] == "13833711"
    assert history.calls[0].request.headers["Authorization"] == "wb-secret-token"
    new, old = _orders(connector, pages)
    assert new.external_id == "13833711" and new.status == OrderStatus.NEW
    assert new.group_key == "165918930_629fbc924b984618a44354475ca58675"
    assert new.currency == "RUB" and new.total == Decimal("283.22")
    assert new.items_total == Decimal("283.22")
    assert new.created_at == datetime(2022, 5, 4, 7, 56, 29, tzinfo=UTC)
    assert new.delivery_address is not None and new.delivery_address.startswith("Челябинская")
    (line,) = new.lines
    assert (line.sku, line.marketplace_sku, line.quantity) == (
        "one-ring-7548",
        "123456789/987654321",
        1,
    )
    assert line.unit_price == Decimal("283.22") and line.total == Decimal("283.22")
    assert old.status == OrderStatus.DELIVERED
    assert (old.marketplace_status, old.marketplace_substatus) == ("complete", "sold")
    assert old.raw["supplyId"] == "WB-GI-1234567"
    await connector.aclose()


@respx.mock
async def test_wildberries_backfill_window_reads_the_history_only(sleep: RecordingSleep) -> None:
    """A resync chunk skips /orders/new and the status refresh: the history has them."""
    new = respx.get(f"{BASE}/api/v3/orders/new").respond(json={"orders": []})
    history = respx.get(f"{BASE}/api/v3/orders").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("wb_orders.json")),
            httpx.Response(200, json={"next": 13833711, "orders": []}),
        ]
    )
    respx.post(f"{BASE}/api/v3/orders/status").respond(
        content=fixture_bytes("wb_orders_status.json")
    )
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    window = FetchWindow(since=NOW.replace(day=1), until=NOW, open_ids=["1"], backfill=True)
    pages = await _pages(connector, window)
    assert (new.call_count, history.call_count) == (0, 2)
    assert len(_orders(connector, pages)) == len(
        json.loads(fixture_bytes("wb_orders.json"))["orders"]
    )
    await connector.aclose()


@respx.mock
async def test_wildberries_status_refresh_batches_of_1000(sleep: RecordingSleep) -> None:
    respx.get(f"{BASE}/api/v3/orders/new").respond(json={"orders": []})
    status = respx.post(f"{BASE}/api/v3/orders/status").respond(
        json={"orders": [{"id": 1, "supplierStatus": "confirm", "wbStatus": "waiting"}]}
    )
    respx.get(f"{BASE}/api/v3/orders").respond(json={"next": 0, "orders": []})
    connector = WildberriesConnector(account("wildberries"), sleep=sleep)
    ids = [str(n) for n in range(1, 2501)]
    pages = await _pages(connector, FetchWindow(since=NOW.replace(day=1), until=NOW, open_ids=ids))
    assert [p.record_type for p in pages].count("order_status") == 3
    sizes = [len(json.loads(call.request.content)["orders"]) for call in status.calls]
    assert sizes == [1000, 1000, 500]
    schema = WildberriesConnector.load_mapping(connector.account)
    mapped = schema.map_page("order_status", pages[1].records, "acc-1", observed_at=NOW)
    assert mapped.records[0].status == OrderStatus.CONFIRMED
    assert mapped.records[0].source_updated_at == NOW
    await connector.aclose()


@respx.mock
async def test_ozon_v3_and_v4_posting_shapes(sleep: RecordingSleep) -> None:
    route = respx.post(f"{BASE}/v4/posting/fbs/list").mock(
        side_effect=[
            httpx.Response(200, content=fixture_bytes("ozon_v3_list.json")),
            httpx.Response(200, content=OZON_V4_EXAMPLE.read_bytes()),
        ]
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    window = FetchWindow(since=datetime(2026, 3, 1, tzinfo=UTC), until=NOW)
    pages = await _pages(connector, window)
    sent = json.loads(route.calls[0].request.content)
    assert sent["filter"]["last_changed_status_date"] == {
        "from": "2026-03-01T00:00:00Z",
        "to": "2026-03-31T00:00:00Z",
    }
    assert sent["limit"] == 100 and sent["cursor"] == ""
    assert route.calls[0].request.headers["Client-Id"] == "100001"
    v3, v4 = _orders(connector, pages)
    assert (v3.external_id, v3.group_key, v3.status) == (
        "0132112277-0101-1",
        "0132112277-0101",
        OrderStatus.NEW,
    )
    assert v3.total == Decimal("1530.00") and v3.currency == "RUB"
    assert v3.ship_by == datetime(2026, 3, 31, 9, tzinfo=UTC)
    assert v3.payment_method == "Ozon Банк" and v3.customer is None
    assert v3.lines[0].sku == "SK-58 (малиновый)" and v3.lines[0].marketplace_sku == "827098843"
    # The official v4 example (NEWER swagger, /v4/posting/fbs/list 200 example).
    assert (v4.status, v4.marketplace_substatus) == (OrderStatus.NEW, "posting_created")
    assert v4.items_total == Decimal("19970.00") and v4.total == Decimal("19970.00")
    assert [(ln.line_no, ln.unit_price, ln.total) for ln in v4.lines] == [
        (1, Decimal("12990.00"), Decimal("12990.00")),
        (2, Decimal("3490.00"), Decimal("6980.00")),
    ]
    assert v4.customer is not None and v4.customer.phone == "+79031234567"
    assert v4.customer.email == "ivan.petrov@example.com"
    assert v4.delivery_address == "101000, Москва, д. 15, кв. 78"
    await connector.aclose()
