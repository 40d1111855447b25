"""Every enum value of the Ozon contracts is mapped by ``mappings/ozon.toml`` (or handled by
the push parser), or listed here with the reason it is deliberately kept raw or ignored."""

from __future__ import annotations

import json
import typing

import pytest
from mpsync_connectors.ozon import OzonConnector, push
from mpsync_connectors.ozon.connector import SELLER_STOCK_TYPES, stock_rows

from mpsync.config.model import AccountConfig
from tests.contracts import ozon as contract

ACCOUNT = AccountConfig.model_validate(
    {"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k"}
)

# Substatuses refine a status, they never change the canonical one: the canonical status
# follows ``status`` alone and the substatus is recorded raw (marketplace_substatus).
RAW_SUBSTATUS_REASON = "recorded raw as marketplace_substatus; the canonical status follows status"

IGNORED_PUSHES = {
    "TYPE_CREATE_OR_UPDATE_ITEM": "a product card event; the catalogue is read by the products stream",
    "TYPE_CREATE_ITEM": "switched off on 2023-07-15 (push docs); superseded as above",
    "TYPE_UPDATE_ITEM": "switched off on 2023-07-15 (push docs); superseded as above",
    "TYPE_PRICE_INDEX_CHANGED": "the price index is no canonical field (dropped by the 2026 docs)",
    "TYPE_NEW_MESSAGE": "buyer chats are not synced",
    "TYPE_UPDATE_MESSAGE": "buyer chats are not synced",
    "TYPE_MESSAGE_READ": "buyer chats are not synced",
    "TYPE_CHAT_CLOSED": "buyer chats are not synced",
    "TYPE_DESCRIPTION_CATEGORY_TREE_CHANGED": "the category tree is not synced",
    "TYPE_FBO_POSTING_NEW": "FBO postings are Ozon's fulfilment; mpsync syncs FBS/rFBS postings",
    "TYPE_FBO_POSTING_CANCELLED": "FBO postings are not synced (as above)",
    "TYPE_FBO_POSTING_STATE_CHANGED": "FBO postings are not synced (as above)",
    "TYPE_FBO_POSTING_DELIVERY_DATE_CHANGED": "FBO postings are not synced (as above)",
    "TYPE_FBO_STOCKS_CHANGED": "Ozon-held stock comes with the stock read (ozon-fbo rows)",
    "TYPE_ORDER_NEW": "mpsync's order is the posting; its own TYPE_NEW_POSTING covers it",
    "TYPE_ORDER_CANCELLED": "as above: TYPE_POSTING_CANCELLED covers each posting",
    "TYPE_ORDER_STATE_CHANGED": "as above: TYPE_STATE_CHANGED covers each posting",
}


def _values(literal: object) -> tuple[str, ...]:
    return typing.get_args(literal)


@pytest.mark.parametrize("section", ["order", "order_status"])
def test_every_posting_status_is_mapped(section: str) -> None:
    """posting.v4...Postings.status ∪ v3FbsPostingDetail.status ∪ Filter.statuses."""
    schema = OzonConnector.load_mapping(ACCOUNT)
    for status in _values(contract.PostingStatus):
        raw = {"posting_number": "1-1-1", "status": status, "substatus": None,
               "products": [], "in_process_at": "2026-01-01T00:00:00Z",
               "changed_state_date": "2026-01-01T00:00:00Z"}  # fmt: skip
        mapped = schema.map_page(section, [raw], "oz")
        assert mapped.failures == [] and mapped.unknown_statuses == [], (section, status)


def test_not_accepted_arbitrations_keep_and_cancellations_cancel() -> None:
    schema = OzonConnector.load_mapping(ACCOUNT)
    canonical = {}
    for status in _values(contract.PostingStatus):
        raw = {"posting_number": "1-1-1", "status": status, "products": [],
               "in_process_at": "2026-01-01T00:00:00Z"}  # fmt: skip
        (record,) = schema.map_page("order", [raw], "oz").records
        canonical[status] = record.status.value if record.status else None
    kept = {s for s, c in canonical.items() if c is None}
    assert kept == {"not_accepted", "arbitration", "client_arbitration"}
    assert {s for s, c in canonical.items() if c == "cancelled"} == {
        "cancelled", "cancelled_from_split_pending"
    }  # fmt: skip


def test_every_substatus_is_kept_raw_beside_its_status() -> None:
    assert RAW_SUBSTATUS_REASON
    schema = OzonConnector.load_mapping(ACCOUNT)
    for substatus in _values(contract.PostingSubstatus):
        raw = {"posting_number": "1-1-1", "status": "awaiting_packaging", "substatus": substatus,
               "products": [], "in_process_at": "2026-01-01T00:00:00Z"}  # fmt: skip
        (record,) = schema.map_page("order", [raw], "oz").records
        assert (record.status.value, record.marketplace_substatus) == ("new", substatus)


def test_push_states_follow_the_published_table() -> None:
    """The push model ↔ Seller API status table (push_types §Изменение статуса отправления)."""
    assert dict(push.PUSH_STATES) == contract.PUSH_STATE_TO_STATUS
    assert set(push.PUSH_STATES) == set(_values(contract.PushState))
    statuses = set(_values(contract.PostingStatus))
    assert set(push.PUSH_STATES.values()) <= statuses


def test_every_push_type_is_handled_or_ignored_for_a_reason() -> None:
    handled = {"TYPE_PING", "TYPE_STOCKS_CHANGED", *push.REFETCH_TYPES, *push.STATUS_TYPES}
    kinds = set(_values(contract.PushType))
    assert handled | set(IGNORED_PUSHES) == kinds and not handled & set(IGNORED_PUSHES)
    assert {c.kind for c in contract.PUSHES} == handled
    connector = OzonConnector(ACCOUNT)
    for kind in IGNORED_PUSHES:
        body = json.dumps({"message_type": kind, "seller_id": 1}).encode()
        parsed = connector.parse_push({}, body)
        assert (parsed.events, parsed.status_code, parsed.response) == ([], 200, {"result": True})


def test_stock_types_split_into_the_sellers_and_ozons() -> None:
    """GetProductInfoStocksResponseStock.type is prose ("Тип склада"); /v4/product/info/stocks
    covers "FBO, FBS, rFBS и FBP": fbs/rfbs are the seller's, fbo/fbp Ozon's."""
    assert {"fbs", "rfbs"} == SELLER_STOCK_TYPES
    item = {"offer_id": "A", "product_id": 1, "stocks": [
        {"type": kind, "present": 1, "reserved": 0, "sku": 2, "warehouse_ids": ["77"]}
        for kind in ("fbs", "rfbs", "fbo", "fbp")
    ]}  # fmt: skip
    keys = [row.get("warehouse_id") or row.get("stock_location") for row in stock_rows(item)]
    assert keys == ["77", "77", "ozon-fbo", "ozon-fbp"]


def test_the_connector_documents_every_status_of_the_spec() -> None:
    """``documented_statuses`` drives the mapping loader's gap check (a custom mapping that
    leaves one of them out is reported); it is the spec's list."""
    assert set(OzonConnector.documented_statuses) == set(_values(contract.PostingStatus))
