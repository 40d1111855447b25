"""Ozon push contracts: the bodies Ozon sends and the answers it expects (see ``ozon``)."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool, StrictStr

from tests.contracts.ozon_types import DateTime, Int, PushState, newer
from tests.contracts.registry import PushContract, ResponseModel, Source


# -- pushes --------------------------------------------------------------------------------
def push_source(section: str) -> Source:
    return newer(f"#/tags/push_types §{section}")


class PushProduct(ResponseModel):
    offer_id: StrictStr | None = None  # TYPE_NEW_POSTING only (NEWER)
    quantity: Int
    sku: Int


class Ping(ResponseModel):
    message_type: Literal["TYPE_PING"]
    time: DateTime


class NewPosting(ResponseModel):
    """``in_process_at`` may be empty when the order was paid late (the warning of the section)."""

    message_type: Literal["TYPE_NEW_POSTING"]
    posting_number: StrictStr
    products: list[PushProduct]
    in_process_at: DateTime | Literal[""] | None = None
    warehouse_id: Int
    shipment_date: DateTime | None = None
    tpl_integration_type: StrictStr | None = None
    is_express: StrictBool | None = None
    tracking_number: StrictStr | None = None
    delivery_date_begin: DateTime | None = None
    delivery_date_end: DateTime | None = None
    seller_id: Int


class CancelReason(ResponseModel):
    id: Int
    message: StrictStr


class PostingCancelled(ResponseModel):
    message_type: Literal["TYPE_POSTING_CANCELLED"]
    posting_number: StrictStr
    products: list[PushProduct]
    old_state: PushState
    new_state: Literal["posting_canceled"]
    changed_state_date: DateTime
    reason: CancelReason
    warehouse_id: Int
    seller_id: Int


class StateChanged(ResponseModel):
    message_type: Literal["TYPE_STATE_CHANGED"]
    posting_number: StrictStr
    new_state: PushState
    changed_state_date: DateTime
    warehouse_id: Int
    seller_id: Int


class CutoffChanged(ResponseModel):
    """``new_cutoff_date`` may come empty when the delivery interval was removed."""

    message_type: Literal["TYPE_CUTOFF_DATE_CHANGED"]
    posting_number: StrictStr
    new_cutoff_date: DateTime | Literal[""] | None = None
    old_cutoff_date: DateTime | None = None
    warehouse_id: Int
    seller_id: Int


class DeliveryDateChanged(ResponseModel):
    """The new dates may come empty when the delivery interval was removed."""

    message_type: Literal["TYPE_DELIVERY_DATE_CHANGED"]
    posting_number: StrictStr
    new_delivery_date_begin: DateTime | Literal[""] | None = None
    new_delivery_date_end: DateTime | Literal[""] | None = None
    old_delivery_date_begin: DateTime | None = None
    old_delivery_date_end: DateTime | None = None
    warehouse_id: Int
    seller_id: Int


class PushStock(ResponseModel):
    warehouse_id: Int
    present: Int  # all units at the warehouse, reserved ones included
    reserved: Int


class PushStockItem(ResponseModel):
    product_id: Int
    sku: Int  # "SKU товара при работе по схемам FBS или rFBS"
    updated_at: DateTime
    stocks: list[PushStock]


class StocksChanged(ResponseModel):
    """The published example literally has ``"message_type": "string"``."""

    message_type: Literal["TYPE_STOCKS_CHANGED"]
    seller_id: Int
    items: list[PushStockItem]


class PingAnswer(ResponseModel):
    version: StrictStr
    name: StrictStr
    time: DateTime


class ResultAnswer(ResponseModel):
    result: Literal[True]


PUSHES: list[PushContract] = [
    PushContract(
        "ozon",
        "TYPE_PING",
        newer("#/tags/push_start §Запрос для проверки соединения"),
        Ping,
        PingAnswer,
    ),
    PushContract(
        "ozon", "TYPE_NEW_POSTING", push_source("Новое отправление"), NewPosting, ResultAnswer
    ),
    PushContract(
        "ozon",
        "TYPE_POSTING_CANCELLED",
        push_source("Отмена отправления"),
        PostingCancelled,
        ResultAnswer,
    ),
    PushContract(
        "ozon",
        "TYPE_STATE_CHANGED",
        push_source("Изменение статуса отправления"),
        StateChanged,
        ResultAnswer,
    ),
    PushContract(
        "ozon",
        "TYPE_CUTOFF_DATE_CHANGED",
        push_source("Изменение даты отгрузки отправления"),
        CutoffChanged,
        ResultAnswer,
    ),
    PushContract(
        "ozon",
        "TYPE_DELIVERY_DATE_CHANGED",
        push_source("Изменение даты доставки отправления"),
        DeliveryDateChanged,
        ResultAnswer,
    ),
    PushContract(
        "ozon",
        "TYPE_STOCKS_CHANGED",
        push_source("Изменение остатков на складах продавца"),
        StocksChanged,
        ResultAnswer,
    ),
]


def push_contract(kind: str) -> PushContract:
    for contract in PUSHES:
        if contract.kind == kind:
            return contract
    raise KeyError(kind)
