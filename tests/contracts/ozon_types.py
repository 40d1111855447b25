"""Value types, enums, sources and the error shape of the Ozon contracts (see ``ozon``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, StrictInt, StrictStr

from tests.contracts.registry import ResponseModel, Source

NEWER = ("vispar-tech/ozon-seller-api-schema", "schemas/ozon-seller-api-openapi.json",
         "4810e0fe420bf0189571344bd2fe99a4bb28f55d")  # fmt: skip
OLDER = ("salacoste/ozon-daytona-seller-api", "ozon-swagger-docs/swagger.json",
         "f3567a52409b5342144f55745bdb3cdcf0e7c830")  # fmt: skip


def newer(pointer: str) -> Source:
    return Source(*NEWER, pointer=pointer)


def older(pointer: str) -> Source:
    return Source(*OLDER, pointer=pointer)


# -- value types ---------------------------------------------------------------------------
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_DIGITS = re.compile(r"\d+")


def _date_time(value: str) -> str:
    if not _DATE_TIME.fullmatch(value):
        raise ValueError(f"not an RFC 3339 date-time with a zone: {value!r}")
    return value


def _decimal(value: str) -> str:
    if not _DECIMAL.fullmatch(value):
        raise ValueError(f"not a decimal number as text: {value!r}")
    return value


def _digits(value: str) -> str:
    if not _DIGITS.fullmatch(value):
        raise ValueError(f"not an int64 as text: {value!r}")
    return value


DateTime = Annotated[StrictStr, AfterValidator(_date_time)]
"""``string (date-time)``: ISO 8601 in UTC, as the spec's examples write it."""
DecimalText = Annotated[StrictStr, AfterValidator(_decimal)]
"""A money amount as a decimal string in rubles (``"1390.000000"``)."""
Int64Text = Annotated[StrictStr, AfterValidator(_digits)]
Int64 = StrictInt | Int64Text
"""``string (int64)``: a number or its decimal text (proto3 JSON mapping)."""


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"not a JSON number: {value!r}")
    if isinstance(value, Decimal | float) and not Decimal(value).is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return value


JsonNumber = Annotated[object, AfterValidator(_number)]
"""``number (double)``: a JSON number (the harness parses fractions as ``Decimal``)."""
Int = StrictInt


# -- enums (every value the posting schemas of either copy list) ----------------------------
PostingStatus = Literal[
    "acceptance_in_progress", "arbitration", "awaiting_approve", "awaiting_deliver",
    "awaiting_packaging", "awaiting_registration", "awaiting_verification", "cancelled",
    "cancelled_from_split_pending", "client_arbitration", "delivered", "delivering",
    "driver_pickup", "not_accepted", "sent_by_seller",
]  # fmt: skip
"""``status`` of an FBS/rFBS posting: NEWER posting.v4.PostingFbsListResponse.Postings.status,
v3FbsPostingDetail.status (adds ``delivered``), posting.v4.PostingFbsListRequest.Filter.statuses
(adds ``sent_by_seller``); OLDER v3FbsPosting.status."""

PostingSubstatus = Literal[
    "posting_acceptance_in_progress", "posting_in_arbitration", "posting_created",
    "posting_in_carriage", "posting_not_in_carriage", "posting_registered",
    "posting_transferring_to_delivery", "posting_awaiting_passport_data",
    "posting_awaiting_registration", "posting_registration_error", "posting_split_pending",
    "posting_canceled", "posting_in_client_arbitration", "posting_delivered",
    "posting_received", "posting_conditionally_delivered", "posting_in_courier_service",
    "posting_in_pickup_point", "posting_on_way_to_city", "posting_on_way_to_pickup_point",
    "posting_returned_to_warehouse", "posting_transferred_to_courier_service",
    "posting_driver_pick_up", "posting_not_in_sort_center", "ship_failed", "sent_by_seller",
]  # fmt: skip
"""``substatus``: NEWER Postings.substatus (adds ``ship_failed``); OLDER v3FbsPosting.substatus
(lists ``sent_by_seller`` as a substatus too)."""

PushState = Literal[
    "posting_acceptance_in_progress", "posting_created", "posting_awaiting_registration",
    "posting_transferring_to_delivery", "posting_in_carriage", "posting_not_in_carriage",
    "posting_in_arbitration", "posting_in_client_arbitration", "posting_on_way_to_city",
    "posting_transferred_to_courier_service", "posting_in_courier_service",
    "posting_on_way_to_pickup_point", "posting_in_pickup_point",
    "posting_conditionally_delivered", "posting_driver_pick_up", "posting_delivered",
    "posting_received", "posting_canceled", "posting_not_in_sort_center",
]  # fmt: skip
"""Push ``new_state``/``old_state``: the "Seller API status ↔ push model" table of
tags/push_types §Изменение статуса отправления (NEWER and OLDER agree)."""

PUSH_STATE_TO_STATUS: dict[str, str] = {
    "posting_acceptance_in_progress": "acceptance_in_progress",
    "posting_created": "awaiting_packaging",  # also awaiting_approve
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
"""The same table, push state → Seller API status (carried over as published)."""

PushType = Literal[
    "TYPE_PING", "TYPE_NEW_POSTING", "TYPE_POSTING_CANCELLED", "TYPE_STATE_CHANGED",
    "TYPE_CUTOFF_DATE_CHANGED", "TYPE_DELIVERY_DATE_CHANGED", "TYPE_CREATE_OR_UPDATE_ITEM",
    "TYPE_CREATE_ITEM", "TYPE_UPDATE_ITEM", "TYPE_PRICE_INDEX_CHANGED", "TYPE_STOCKS_CHANGED",
    "TYPE_NEW_MESSAGE", "TYPE_UPDATE_MESSAGE", "TYPE_MESSAGE_READ", "TYPE_CHAT_CLOSED",
    "TYPE_DESCRIPTION_CATEGORY_TREE_CHANGED", "TYPE_FBO_POSTING_NEW",
    "TYPE_FBO_POSTING_CANCELLED", "TYPE_FBO_POSTING_STATE_CHANGED",
    "TYPE_FBO_POSTING_DELIVERY_DATE_CHANGED", "TYPE_FBO_STOCKS_CHANGED", "TYPE_ORDER_NEW",
    "TYPE_ORDER_CANCELLED", "TYPE_ORDER_STATE_CHANGED",
]  # fmt: skip
"""NEWER notification.v1.SetNotificationRequest.Type.Enum (21 values) + tags/push_types
(``TYPE_PING``) + OLDER tags/push_types (``TYPE_PRICE_INDEX_CHANGED``, since dropped)."""

SortDir = Literal["ASC", "DESC"]
Visibility = Literal[
    "ALL", "VISIBLE", "INVISIBLE", "EMPTY_STOCK", "NOT_MODERATED", "MODERATED", "DISABLED",
    "STATE_FAILED", "READY_TO_SUPPLY", "VALIDATION_STATE_PENDING", "VALIDATION_STATE_FAIL",
    "VALIDATION_STATE_SUCCESS", "TO_SUPPLY", "IN_SALE", "REMOVED_FROM_SALE", "BANNED",
    "OVERPRICED", "CRITICALLY_OVERPRICED", "EMPTY_BARCODE", "BARCODE_EXISTS", "QUARANTINE",
    "ARCHIVED", "OVERPRICED_WITH_STOCK", "PARTIAL_APPROVED", "AUTO_ARCHIVED", "MANUAL_ARCHIVED",
    "SEASONAL_AUTO_ARCHIVED", "VISIBLE_WITH_FBO_STOCK", "SHOWCASE_SELECT_ACTIVE",
]  # fmt: skip
"""NEWER v4Visibility ∪ productv3GetProductListRequestFilterFilterVisibility."""
ShipmentType = Literal["SHIPMENT_TYPE_GENERAL", "SHIPMENT_TYPE_BOX", "SHIPMENT_TYPE_PALLET"]
PriceSwitch = Literal["UNKNOWN", "ENABLED", "DISABLED"]


# -- errors --------------------------------------------------------------------------------
class ProtobufAny(ResponseModel):
    typeUrl: StrictStr | None = None
    value: StrictStr | None = None


class RpcStatus(ResponseModel):
    """``rpcStatus``: every error answer (400/403/404/409/500; 429 with ``code`` 8)."""

    code: Int | None = None
    message: StrictStr | None = None
    details: list[ProtobufAny] | None = None


ERRORS: dict[int, type[ResponseModel] | None] = dict.fromkeys((400, 403, 404, 409, 429, 500),
                                                              RpcStatus)  # fmt: skip
