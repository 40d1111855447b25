"""Yandex Market API notifications (``POST .../notification``): events with stable dedupe
keys; every answer, PING or not, carries name/version/time.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from mpsync.connector.base import PushEvent, PushParseResult
from mpsync.connector.errors import PushError
from mpsync.connector.paging import iso_z


def _error(kind: str, message: str) -> PushError:
    return PushError(
        message, status_code=400, response={"error": {"type": kind, "message": message}}
    )


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error("WRONG_EVENT_FORMAT", "the body is not valid JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("notificationType"), str):
        raise _error("WRONG_EVENT_FORMAT", "notificationType is missing")
    return data


def _order_id(data: dict[str, Any]) -> str:
    value = data.get("orderId")
    if value is None or isinstance(value, bool) or not str(value).strip():
        raise _error("WRONG_EVENT_FORMAT", "orderId is missing")
    return str(value)


def parse(body: bytes, *, now: datetime, name: str, version: str) -> PushParseResult:
    """Parse one notification; raise ``PushError`` (400, YM's error body) if malformed."""
    data = _load(body)
    answer = {"version": version, "name": name, "time": iso_z(now)}
    kind = data["notificationType"]
    if kind == "PING":
        return PushParseResult([], 200, answer)
    event = _event(kind, data)
    return PushParseResult([event] if event else [], 200, answer)


def _event(kind: str, data: dict[str, Any]) -> PushEvent | None:
    if kind not in ("ORDER_CREATED", "ORDER_STATUS_UPDATED", "ORDER_CANCELLED", "ORDER_UPDATED"):
        return None
    order = _order_id(data)
    scope = f"ym:{kind}:{data.get('campaignId', '')}:{order}"
    if kind == "ORDER_CREATED":
        return PushEvent(
            "new_order", f"{scope}:{data.get('createdAt', '')}", (order,), [], "order", data
        )
    if kind == "ORDER_UPDATED":
        marker = f"{data.get('updateType', '')}:{data.get('updatedAt', '')}"
        return PushEvent("order_changed", f"{scope}:{marker}", (order,), [], "order", data)
    if kind == "ORDER_CANCELLED":
        record = {**data, "status": "CANCELLED", "substatus": data.get("substatus")}
        return PushEvent(
            "status_changed",
            f"{scope}:{data.get('cancelledAt', '')}",
            (order,),
            [record],
            "order_status",
            data,
        )
    if not isinstance(data.get("status"), str):
        raise _error("WRONG_EVENT_FORMAT", "status is missing")
    marker = f"{data['status']}:{data.get('substatus', '')}:{data.get('updatedAt', '')}"
    return PushEvent(
        "status_changed", f"{scope}:{marker}", (order,), [dict(data)], "order_status", data
    )
