"""Ozon push notifications: parsed into events with stable dedupe keys and the answer
Ozon expects (``TYPE_PING`` → name/version/time, others ``{"result": true}``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from types import MappingProxyType
from typing import Any

from mpsync.connector.base import PushEvent, PushParseResult
from mpsync.connector.errors import PushError
from mpsync.connector.paging import iso_z
from mpsync.connector.pushes import load_event

# Push ``new_state`` → Seller API ``status`` (the documented correspondence table).
PUSH_STATES: Mapping[str, str] = MappingProxyType(
    {
        "posting_acceptance_in_progress": "acceptance_in_progress",
        "posting_created": "awaiting_packaging",
        "posting_awaiting_registration": "awaiting_registration",
        "posting_transferring_to_delivery": "awaiting_deliver",
        "posting_in_carriage": "awaiting_deliver",
        "posting_not_in_carriage": "awaiting_deliver",
        "posting_in_arbitration": "arbitration",
        "posting_in_client_arbitration": "client_arbitration",
        "posting_on_way_to_city": "delivering",
        "posting_transferred_to_courier_service": "delivering",
        "posting_in_courier_service": "delivering",
        "posting_on_way_to_pickup_point": "delivering",
        "posting_in_pickup_point": "delivering",
        "posting_conditionally_delivered": "delivering",
        "posting_driver_pick_up": "driver_pickup",
        "posting_delivered": "delivered",
        "posting_received": "delivered",
        "posting_canceled": "cancelled",
        "posting_not_in_sort_center": "not_accepted",
    }
)
REFETCH_TYPES = frozenset(
    {"TYPE_NEW_POSTING", "TYPE_CUTOFF_DATE_CHANGED", "TYPE_DELIVERY_DATE_CHANGED"}
)
STATUS_TYPES = frozenset({"TYPE_POSTING_CANCELLED", "TYPE_STATE_CHANGED"})


def _error(code: str, message: str) -> PushError:
    body = {"error": {"code": code, "message": message, "details": None}}
    return PushError(message, status_code=400, response=body)


def _load(body: bytes) -> dict[str, Any]:
    missing = _error("ERROR_PARAMETER_VALUE_MISSED", "message_type is missing")
    return load_event(body, "message_type", invalid=partial(_error, "ERROR_UNKNOWN"),
                      missing=missing)  # fmt: skip


def _digest(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def parse(body: bytes, *, now: datetime, name: str, version: str) -> PushParseResult:
    """Parse one Ozon push; raise ``PushError`` (HTTP 400, Ozon's error body) if malformed."""
    data = _load(body)
    kind = data["message_type"]
    if kind == "TYPE_PING":
        return PushParseResult([], 200, {"version": version, "name": name, "time": iso_z(now)})
    event = _event(kind, data)
    return PushParseResult([event] if event else [], 200, {"result": True})


def _posting(data: Mapping[str, Any]) -> str:
    number = data.get("posting_number")
    if not isinstance(number, str) or not number:
        raise _error("ERROR_PARAMETER_VALUE_MISSED", "posting_number is missing")
    return number


def _event(kind: str, data: dict[str, Any]) -> PushEvent | None:
    if kind in REFETCH_TYPES:
        return _refetch(
            kind, data, data.get("new_cutoff_date") or data.get("new_delivery_date_begin")
        )
    if kind in STATUS_TYPES:
        return _status_event(kind, data)
    if kind == "TYPE_STOCKS_CHANGED" or ("items" in data and kind == "string"):
        key = f"ozon:TYPE_STOCKS_CHANGED:{_digest(data)}"
        rows = _stock_rows(data)
        products = _product_ids(data)
        if products:
            # The push names products by id and Ozon SKU only; the stock read keys rows
            # by offer_id. Processing reads those products' stock, so push and poll
            # update the same rows instead of keeping two per product.
            return PushEvent("stock_changed", key, products, [], "stock", data)
        return PushEvent("stock_changed", key, (), rows, "stock", data)
    return None


def _refetch(kind: str, data: dict[str, Any], marker: Any) -> PushEvent:
    """An event naming the posting only: processing reads it (``/v3/posting/fbs/get``)."""
    number = _posting(data)
    event = "new_order" if kind == "TYPE_NEW_POSTING" else "order_changed"
    return PushEvent(event, f"ozon:{kind}:{number}:{marker or ''}", (number,), [], "order", data)


def _status_event(kind: str, data: dict[str, Any]) -> PushEvent:
    """The posting's new status as a record, from the push's own ``new_state``.

    A ``TYPE_POSTING_CANCELLED`` is a cancellation whatever its ``new_state`` says; a
    ``TYPE_STATE_CHANGED`` without ``new_state`` says nothing about the status, so the
    posting is read instead. An unknown state is passed on raw (the mapping reports it).
    """
    number = _posting(data)
    state = data.get("new_state")
    if not isinstance(state, str) or not state:
        if kind != "TYPE_POSTING_CANCELLED":
            return _refetch(kind, data, data.get("changed_state_date"))
        state = "posting_canceled"
    record = {**data, "status": PUSH_STATES.get(state, state)}
    key = f"ozon:{kind}:{number}:{state}:{data.get('changed_state_date', '')}"
    return PushEvent("status_changed", key, (number,), [record], "order_status", data)


def _product_ids(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Every item's ``product_id`` (as text), or () when one lacks it."""
    ids = []
    for item in data.get("items") or []:
        product_id = item.get("product_id") if isinstance(item, dict) else None
        if isinstance(product_id, bool) or not isinstance(product_id, int | str):
            return ()
        ids.append(str(product_id))
    return tuple(dict.fromkeys(ids))


def _stock_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    items = data.get("items")
    if not isinstance(items, list):
        raise _error("ERROR_PARAMETER_VALUE_MISSED", "items is missing")
    rows = []
    for item in items:
        base = {k: v for k, v in dict(item).items() if k != "stocks"}
        for stock in item.get("stocks") or []:
            rows.append({**base, **dict(stock)})
    return rows
