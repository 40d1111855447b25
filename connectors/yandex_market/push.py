"""Yandex Market API notifications (``POST .../notification``): events with stable dedupe
keys; every answer, PING or not, carries name/version/time.

Types and fields: the official notifications page (push-notifications/reference/
sendNotification.md). ``ORDER_STATUS_UPDATED`` and ``ORDER_CANCELLED`` carry the new status
(the latter without its reason, which the next read of the order fills in); the other order
notifications (created, changed, a return or non-redemption created or moved on, a DBS
cancellation request) name the order only, which is then read in full.
``GOODS_FEEDBACK_CREATED`` and ``QUESTION_CREATED`` name a new review or question, which is
then read (``getGoodsFeedbacks`` / ``getGoodsQuestions`` by id) into the buyers' inbox.
Chats, comments, answers and order-line services are answered, not stored.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from mpsync.connector.base import PushEvent, PushParseResult
from mpsync.connector.errors import PushError
from mpsync.connector.paging import iso_z
from mpsync.connector.pushes import load_event

# Notification type → the event it makes and the fields that tell its redeliveries apart
# (the event time last: Market may send one event several times).
ORDER_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ORDER_CREATED": ("new_order", ("createdAt",)),
    "ORDER_UPDATED": ("order_changed", ("updateType", "updatedAt")),
    "ORDER_CANCELLATION_REQUEST": ("order_changed", ("requestedAt",)),
    "ORDER_RETURN_CREATED": ("order_changed", ("returnId", "returnType", "createdAt")),
    "ORDER_RETURN_STATUS_UPDATED": (
        "order_changed",
        ("returnId", "statuses.refundStatus", "statuses.shipmentStatus", "updatedAt"),
    ),
}
NOT_ORDERS = frozenset(
    {
        "ORDER_LINE_SERVICE_STATUS_UPDATED",
        "GOODS_FEEDBACK_COMMENT_CREATED",
        "CHAT_CREATED",
        "CHAT_MESSAGE_SENT",
        "CHAT_ARBITRAGE_STARTED",
        "CHAT_ARBITRAGE_FINISHED",
        "QUESTION_ANSWER_CREATED",
        "QUESTION_COMMENT_CREATED",
    }
)


def _error(kind: str, message: str) -> PushError:
    return PushError(
        message, status_code=400, response={"error": {"type": kind, "message": message}}
    )


def _load(body: bytes) -> dict[str, Any]:
    missing = _error("WRONG_EVENT_FORMAT", "notificationType is missing")
    return load_event(body, "notificationType", invalid=partial(_error, "WRONG_EVENT_FORMAT"),
                      missing=missing)  # fmt: skip


def _order_id(data: dict[str, Any]) -> str:
    value = data.get("orderId")
    if value is None or isinstance(value, bool) or not str(value).strip():
        raise _error("WRONG_EVENT_FORMAT", "orderId is missing")
    return str(value)


def _field(data: dict[str, Any], dotted: str) -> str:
    value: Any = data
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def parse(body: bytes, *, now: datetime, name: str, version: str) -> PushParseResult:
    """Parse one notification; raise ``PushError`` (400, YM's error body) if malformed."""
    data = _load(body)
    answer = {"version": version, "name": name, "time": iso_z(now)}
    event = _event(data["notificationType"], data)
    return PushParseResult([event] if event else [], 200, answer)


# A new buyer's message: the notification type → (event, record type, id field).
MESSAGE_EVENTS = {
    "GOODS_FEEDBACK_CREATED": ("new_review", "review", "feedbackId"),
    "QUESTION_CREATED": ("new_question", "question", "questionId"),
}


def _event(kind: str, data: dict[str, Any]) -> PushEvent | None:
    if kind in ("ORDER_STATUS_UPDATED", "ORDER_CANCELLED"):
        return _status_event(kind, data)
    if kind in MESSAGE_EVENTS:
        return _message_event(kind, data)
    if kind not in ORDER_EVENTS:
        return None  # PING, NOT_ORDERS, and types Market adds later: answered, nothing to do
    order = _order_id(data)
    event_kind, markers = ORDER_EVENTS[kind]
    key = ":".join(["ym", kind, str(data.get("campaignId", "")), order,
                    *(_field(data, m) for m in markers)])  # fmt: skip
    return PushEvent(event_kind, key, (order,), [], "order", data)


def _message_event(kind: str, data: dict[str, Any]) -> PushEvent:
    event_kind, record_type, field = MESSAGE_EVENTS[kind]
    value = data.get(field)
    if value is None or isinstance(value, bool) or not str(value).strip():
        raise _error("WRONG_EVENT_FORMAT", f"{field} is missing")
    key = f"ym:{kind}:{data.get('businessId', '')}:{value}"
    return PushEvent(event_kind, key, (str(value),), [], record_type, data)  # type: ignore[arg-type]


def _status_event(kind: str, data: dict[str, Any]) -> PushEvent:
    order = _order_id(data)
    scope = f"ym:{kind}:{data.get('campaignId', '')}:{order}"
    if kind == "ORDER_CANCELLED":
        record = {**data, "status": "CANCELLED", "substatus": None}
        key = f"{scope}:{data.get('cancelledAt', '')}"
        return PushEvent("status_changed", key, (order,), [record], "order_status", data)
    if not isinstance(data.get("status"), str):
        raise _error("WRONG_EVENT_FORMAT", "status is missing")
    marker = f"{data['status']}:{data.get('substatus', '')}:{data.get('updatedAt', '')}"
    return PushEvent("status_changed", f"{scope}:{marker}", (order,), [dict(data)],
                     "order_status", data)  # fmt: skip
