"""The stream registry: every stream mpsync reads, declared once.

Config validation, the CLI, the sync service, the push processor and status take the streams from
here: name, record type, the key its records are stored by, whether a read is a snapshot
(the whole list every run, no change-time filter), the default poll interval, whether the
stream is read only on demand, and whether mpsync pushes its records to the marketplace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class StreamName(StrEnum):
    ORDERS = "orders"
    STOCK = "stock"
    PRICES = "prices"
    PRODUCTS = "products"
    QUESTIONS = "questions"
    REVIEWS = "reviews"
    FINANCE = "finance"
    RETURNS = "returns"


class RecordKind(StrEnum):
    """The record types a page carries (``Page.record_type``, mapping sections)."""

    ORDER = "order"
    ORDER_STATUS = "order_status"
    STOCK = "stock"
    PRICE = "price"
    PRODUCT = "product"
    QUESTION = "question"
    REVIEW = "review"
    FINANCE = "finance"
    RETURN = "return"


@dataclass(frozen=True)
class StreamInfo:
    name: StreamName
    record_type: RecordKind
    key: tuple[str, ...]
    snapshot: bool
    poll: timedelta
    # Read only when the account schedules it (``poll.<stream>``) or a command asks for it.
    on_demand: bool = False
    # mpsync writes these records to the marketplace (``stock set``, ``prices apply``): a
    # complete snapshot read judges the pushes of the stream's record type it did not list.
    pushed: bool = False


STREAMS: dict[str, StreamInfo] = {
    info.name.value: info
    for info in (
        StreamInfo(StreamName.ORDERS, RecordKind.ORDER, ("account_id", "external_id"),
                   snapshot=False, poll=timedelta(minutes=1)),
        StreamInfo(StreamName.STOCK, RecordKind.STOCK, ("account_id", "sku", "warehouse"),
                   snapshot=True, poll=timedelta(minutes=10), pushed=True),
        StreamInfo(StreamName.PRICES, RecordKind.PRICE, ("account_id", "sku"),
                   snapshot=True, poll=timedelta(minutes=30), pushed=True),
        StreamInfo(StreamName.PRODUCTS, RecordKind.PRODUCT, ("account_id", "sku"),
                   snapshot=True, poll=timedelta(hours=6)),
        # Buyers' questions and reviews (mpsync.inbox), read by change time.
        StreamInfo(StreamName.QUESTIONS, RecordKind.QUESTION, ("account_id", "external_id"),
                   snapshot=False, poll=timedelta(minutes=10)),
        StreamInfo(StreamName.REVIEWS, RecordKind.REVIEW, ("account_id", "external_id"),
                   snapshot=False, poll=timedelta(minutes=10)),
        # Money after the sale (mpsync.finance): entries per marketplace row, and returns.
        # Read on a schedule only when the account sets `poll.finance`/`poll.returns`
        # (Wildberries allows one report request a minute); `poll` is the suggested one.
        StreamInfo(StreamName.FINANCE, RecordKind.FINANCE, ("account_id", "external_id"),
                   snapshot=False, poll=timedelta(hours=6), on_demand=True),
        StreamInfo(StreamName.RETURNS, RecordKind.RETURN, ("account_id", "external_id"),
                   snapshot=False, poll=timedelta(hours=1), on_demand=True),
    )
}  # fmt: skip
STREAM_NAMES: tuple[str, ...] = tuple(STREAMS)
RECORD_TYPES: dict[str, str] = {name: info.record_type.value for name, info in STREAMS.items()}
STREAM_OF_RECORD: dict[str, str] = {info.record_type.value: name for name, info in STREAMS.items()}


def record_stream(record_type: str) -> str:
    """The stream a record type belongs to (an order status update: ``orders``)."""
    return STREAM_OF_RECORD.get(record_type, StreamName.ORDERS.value)
