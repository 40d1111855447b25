"""The Ozon facts issue 11 lists, each checked against the official swagger.

Sources: ``tests/contracts/ozon.py`` (NEWER = vispar-tech/ozon-seller-api-schema 2026-10,
OLDER = salacoste/ozon-daytona-seller-api 2025-09) and the examples it keeps.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import respx
from connector_helpers import BASE, NOW, RecordingSleep, account
from mpsync_connectors.ozon import OzonConnector
from mpsync_connectors.ozon.connector import stock_rows
from sqlalchemy import Engine, text
from tests.contracts import ozon as contract

from mpsync.connector.base import PriceUpdate, StockUpdate
from mpsync.domain import OrderRecord
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.orders import write_orders

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "tests/contracts/fixtures/ozon/v4_list_response.json"


def _official_posting(**changes: Any) -> dict[str, Any]:
    (posting,) = json.loads(EXAMPLE.read_bytes())["postings"]
    return {**posting, **changes}


def _map(raw: dict[str, Any], at: datetime) -> OrderRecord:
    schema = OzonConnector.load_mapping(account("ozon"))
    record = schema.map_one("order", raw, "oz", observed_at=at)
    assert isinstance(record, OrderRecord)
    return record


def _stored(store: Engine) -> tuple[str | None, str]:
    with store.connect() as connection:
        row = connection.execute(text("SELECT status, marketplace_status FROM orders")).one()
    return row.status, row.marketplace_status


def test_not_accepted_keeps_the_status_and_a_later_delivery_is_taken(store: Engine) -> None:
    """not_accepted: "не принято на сортировочном центре" (NEWER Postings.status); the
    unfulfilled list still lists it — it is not a cancellation."""
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz", "marketplace": "ozon",  # type: ignore[attr-defined]
                    "created_at": NOW}], ["id"], update=[], returning=None)  # fmt: skip
    reads = [("awaiting_deliver", 0), ("not_accepted", 1), ("delivering", 2), ("delivered", 3)]
    seen = []
    for status, hours in reads:
        record = _map(_official_posting(status=status), NOW + timedelta(hours=hours))
        with store.begin() as connection:
            write_orders(connection, "oz", "ozon", [record], source="poll",
                         now=record.source_updated_at)  # fmt: skip
        seen.append(_stored(store))
    assert seen == [
        ("ready_to_ship", "awaiting_deliver"),
        ("ready_to_ship", "not_accepted"),  # kept, the raw status recorded
        ("shipped", "delivering"),
        ("delivered", "delivered"),
    ]


@respx.mock
async def test_the_credential_check_reads_the_v2_warehouse_list(sleep: RecordingSleep) -> None:
    """/v1/warehouse/list "будет отключён 7 апреля 2026 года"; v2 requires ``limit``."""
    route = respx.post(f"{BASE}/v2/warehouse/list").respond(
        json={"cursor": "", "has_next": False, "warehouses": []}
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    await connector.check_credentials()
    await connector.aclose()
    body = json.loads(route.calls[0].request.content)
    assert contract.WarehouseListRequest.model_validate(body).limit >= 1


@respx.mock
async def test_a_stock_push_sends_the_bound_product_id(sleep: RecordingSleep) -> None:
    """productv2ProductsStocksRequestStock.required = [product_id, ..., stock, warehouse_id]."""
    route = respx.post(f"{BASE}/v2/products/stocks").respond(
        json={
            "result": [
                {
                    "offer_id": "PH11042",
                    "product_id": 313455276,
                    "updated": True,
                    "errors": [],
                    "warehouse_id": 22142605386000,
                }
            ]
        }
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    bound = StockUpdate("PH11042", "22142605386000", 100, ids={"product_id": "313455276"})
    assert (await connector.push_stock([bound])).ok
    (sent,) = json.loads(route.calls[0].request.content)["stocks"]
    assert sent == {"offer_id": "PH11042", "product_id": 313455276, "stock": 100,
                    "warehouse_id": 22142605386000}  # fmt: skip
    contract.StocksWriteRequest.model_validate({"stocks": [sent]})
    unbound = await connector.push_stock([StockUpdate("PH11042", "22142605386000", 5)])
    await connector.aclose()
    assert not unbound.ok and "PH11042" in unbound.message
    assert "mpsync sync --account acc-1 --stream products" in unbound.message
    assert route.call_count == 1  # nothing sent for the unbound SKU


def test_ozon_held_stock_is_never_keyed_as_a_seller_warehouse() -> None:
    """/v4/product/info/stocks returns FBO/FBP stock too ("FBO, FBS, rFBS и FBP"; the NEWER
    example's ``type: fbo``): Ozon's stock, even with warehouse ids, stays apart."""
    item = {"offer_id": "A", "product_id": 1, "stocks": [
        {"type": "fbs", "present": 5, "reserved": 1, "sku": 2, "warehouse_ids": ["777"]},
        {"type": "fbo", "present": 9, "reserved": 0, "sku": 2, "warehouse_ids": ["888"]},
    ]}  # fmt: skip
    schema = OzonConnector.load_mapping(account("ozon"))
    records = schema.map_page("stock", stock_rows(item), "oz").records
    assert [(r.warehouse, r.on_hand) for r in records] == [("777", 5), ("ozon-fbo", 9)]


def test_the_customer_email_is_mapped() -> None:
    """posting.v4.PostingFbsListResponse.Postings.Customer.customer_email (rFBS)."""
    record = _map(_official_posting(), NOW)
    assert record.customer is not None and record.customer.email == "ivan.petrov@example.com"


def _paths(section: dict[str, Any]) -> list[str]:
    return [rule if isinstance(rule, str) else rule.get("path", "") for rule in section.values()]


def _fields(model: type[Any]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def test_order_fields_are_read_from_fields_the_postings_have() -> None:
    """Every top-level field the [order] rules read exists in the v4 list posting or the v3
    get posting (no last_changed_status_date, status_changed_at nor created_at there)."""
    mapping = tomllib.loads((ROOT / "mappings/ozon.toml").read_text())
    known = _fields(contract.V4Posting) | _fields(contract.V3PostingDetail)
    order = mapping["order"]
    paths = [*_paths(order["fields"]), *_paths(order["customer"]["fields"]), order["lines"]["path"]]
    read = {m for path in paths for m in re.findall(r"(?:^|\|\| )([a-z_]+)", path)}
    assert read and read <= known, read - known
    lines = _fields(contract.V4Product) | _fields(contract.V3Product)
    line_reads = {re.findall(r"[a-z_]+", p)[0] for p in _paths(order["lines"]["fields"])}
    assert line_reads <= lines, line_reads - lines
    record = _map(_official_posting(), NOW)
    assert record.source_updated_at == NOW  # the read's own moment


def test_a_state_change_without_new_state_is_not_a_cancellation() -> None:
    """TYPE_STATE_CHANGED: new_state is the new status; without it the push says nothing
    about the status, so the posting is read again (never "cancelled")."""
    connector = OzonConnector(account("ozon"))
    body = {"message_type": "TYPE_STATE_CHANGED", "posting_number": "24219509-0020-2",
            "changed_state_date": "2021-02-02T15:07:46.765Z", "warehouse_id": 0,
            "seller_id": 15}  # fmt: skip
    (event,) = connector.parse_push({}, json.dumps(body).encode()).events
    assert event.records == [] and event.record_type == "order"
    assert event.external_ids == ("24219509-0020-2",)
    assert all(record.get("status") != "cancelled" for record in event.records)


@respx.mock
async def test_a_price_push_keeps_the_old_price_unless_asked(sleep: RecordingSleep) -> None:
    """productImportProductsPricesRequestPrice.old_price: "0" resets it; absent, unchanged."""
    route = respx.post(f"{BASE}/v1/product/import/prices").respond(
        json={"result": [{"offer_id": "A", "product_id": 1386, "updated": True, "errors": []}]}
    )
    connector = OzonConnector(account("ozon"), sleep=sleep)
    ids = {"product_id": "1386"}
    for old_price in (None, Decimal("1990.00"), Decimal(0)):
        update = PriceUpdate("A", Decimal("1448"), old_price, ids=ids)
        assert (await connector.push_prices([update])).ok
    await connector.aclose()
    sent = [json.loads(call.request.content)["prices"][0] for call in route.calls]
    assert [row.get("old_price") for row in sent] == [None, "1990.00", "0"]
    assert "old_price" not in sent[0]  # none known: not sent, Ozon keeps its own
    assert all(row["offer_id"] == "A" and row["product_id"] == 1386 for row in sent)
    for row in sent:
        contract.PricesWriteRequest.model_validate({"prices": [row]})


def test_time_fields_are_utc() -> None:
    """Seller API works in UTC ("Seller API работает по UTC", tags/Getting started)."""
    record = _map(_official_posting(), NOW)
    assert record.created_at.tzinfo is not None and record.created_at.utcoffset() == timedelta(0)
    assert record.ship_by == datetime(2026, 5, 18, 12, tzinfo=UTC)
