"""Contracts of the Ozon Seller API endpoints and pushes mpsync uses, from the official swagger.

Two copies of docs.ozon.ru's swagger are the oracle (the newer wins where they differ):

* ``NEWER``: vispar-tech/ozon-seller-api-schema, 2026-10 — the only one with the v4 posting
  lists and ``/v2/warehouse/list``;
* ``OLDER``: salacoste/ozon-daytona-seller-api, 2025-09 — used where the newer copy was
  not read for a schema (each ``Source`` says which one a contract comes from).

Units and formats carried over (see the field comments): posting prices are decimal
strings in rubles (v3) or ``{amount, currency}`` objects with a decimal-string amount
(v4); price reads are JSON numbers in rubles; price writes are decimal strings in rubles;
dates are ISO 8601 UTC (``Z``); ids documented as ``string (int64)`` travel as numbers or
strings (proto3 JSON mapping; the spec's own examples use both). Statuses are documented
in prose, not as enums: the ``Literal`` types below collect every value any of the posting
schemas of either copy lists.

Rate limits: 50 requests/s per Client-Id overall (HTTP 429, ``code`` 8); stock writes
80 requests/min per seller, 100 product-warehouse pairs per request and one update per
pair per 30 s; each product's price at most 10 times per hour, 1000 prices per request.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr

from tests.contracts.registry import Endpoint, PushContract, RequestModel, ResponseModel, Source

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


# -- postings: the pieces v3 and v4 share --------------------------------------------------
class PostingMoney(ResponseModel):
    """``money.postingMoney``: ``amount`` is a decimal string in ``currency`` (rubles)."""

    amount: DecimalText | None = None
    currency: StrictStr | None = None


class Addressee(ResponseModel):
    name: StrictStr | None = None
    phone: StrictStr | None = None  # v3 only; "always an empty string"


class Address(ResponseModel):
    address_tail: StrictStr | None = None
    city: StrictStr | None = None
    comment: StrictStr | None = None
    country: StrictStr | None = None
    district: StrictStr | None = None
    latitude: JsonNumber | None = None
    longitude: JsonNumber | None = None
    provider_pvz_code: StrictStr | None = None
    pvz_code: Int | None = None
    region: StrictStr | None = None
    zip_code: StrictStr | None = None


class Customer(ResponseModel):
    """rFBS only. ``customer_email`` is new in v4 (NEWER Postings.Customer)."""

    address: Address | None = None
    customer_email: StrictStr | None = None
    customer_id: Int | None = None
    name: StrictStr | None = None
    phone: StrictStr | None = None


class AnalyticsData(ResponseModel):
    city: StrictStr | None = None
    client_delivery_date_begin: DateTime | None = None
    client_delivery_date_end: DateTime | None = None
    delivery_date_begin: DateTime | None = None
    delivery_date_end: DateTime | None = None
    delivery_type: StrictStr | None = None
    is_legal: StrictBool | None = None
    is_premium: StrictBool | None = None
    payment_type_group_name: StrictStr | None = None
    region: StrictStr | None = None
    tpl_provider: StrictStr | None = None
    tpl_provider_id: Int | None = None
    warehouse: StrictStr | None = None
    warehouse_id: Int | None = None


class Barcodes(ResponseModel):
    lower_barcode: StrictStr | None = None
    upper_barcode: StrictStr | None = None


class Cancellation(ResponseModel):
    affect_cancellation_rating: StrictBool | None = None
    cancel_reason: StrictStr | None = None
    cancel_reason_id: Int | None = None
    cancellation_initiator: StrictStr | None = None
    cancellation_type: StrictStr | None = None
    cancelled_after_ship: StrictBool | None = None


class Container(ResponseModel):
    cargo_type: Literal["BOX", "PALLET"] | None = None
    container_date: StrictStr | None = None  # a date in the warehouse's zone
    container_id: Int | None = None
    container_number: Int | None = None


class DeliveryMethod(ResponseModel):
    id: Int | None = None
    name: StrictStr | None = None
    tpl_provider: StrictStr | None = None
    tpl_provider_id: Int | None = None
    warehouse: StrictStr | None = None
    warehouse_id: Int | None = None


class ExternalOrder(ResponseModel):
    is_external: StrictBool | None = None
    platform_name: StrictStr | None = None


class LegalInfo(ResponseModel):
    company_name: StrictStr | None = None
    inn: StrictStr | None = None
    kpp: StrictStr | None = None


class Optional_(ResponseModel):
    products_with_possible_mandatory_mark: list[Int64] | None = None


class Requirements(ResponseModel):
    products_requiring_change_country: list[Int64] | None = None
    products_requiring_country: list[Int64] | None = None
    products_requiring_gtd: list[Int64] | None = None
    products_requiring_imei: list[Int64] | None = None
    products_requiring_jw_uin: list[Int64] | None = None
    products_requiring_mandatory_mark: list[Int64] | None = None
    products_requiring_rnpt: list[Int64] | None = None
    products_requiring_weight: list[Int64] | None = None


class SortingCenter(ResponseModel):
    code: StrictStr | None = None
    name: StrictStr | None = None


class Commission(ResponseModel):
    amount: JsonNumber | None = None
    currency: StrictStr | None = None
    percent: Int | None = None


class TarifficationStep(ResponseModel):
    min_charge: PostingMoney | None = None
    tariff_charge: PostingMoney | None = None
    tariff_deadline_at: DateTime | None = None
    tariff_rate: JsonNumber | None = None
    tariff_type: StrictStr | None = None


# -- postings v4 (list, unfulfilled list) -------------------------------------------------
class V4Product(ResponseModel):
    """Postings.Products: ``price`` is a money object (``{amount, currency}``), not v3's
    decimal string + ``currency_code``; the price of ONE unit."""

    imei: list[StrictStr] | None = None
    is_blr_traceable: StrictBool | None = None
    is_marketplace_buyout: StrictBool | None = None
    name: StrictStr | None = None
    offer_id: StrictStr | None = None
    price: PostingMoney | None = None
    product_color: StrictStr | None = None
    quantity: Int | None = None
    sku: Int | None = None
    weight: JsonNumber | None = None


class V4FinancialProduct(ResponseModel):
    """``price``/``old_price``/``payout`` are JSON numbers in rubles; ``product_id`` is the SKU."""

    actions: list[StrictStr] | None = None
    commission: Commission | None = None
    customer_price: PostingMoney | None = None
    old_price: JsonNumber | None = None
    payout: JsonNumber | None = None
    price: JsonNumber | None = None
    product_id: Int | None = None
    quantity: Int | None = None
    total_discount_percent: JsonNumber | None = None
    total_discount_value: JsonNumber | None = None


class V4FinancialData(ResponseModel):
    cluster_from: StrictStr | None = None
    cluster_to: StrictStr | None = None
    products: list[V4FinancialProduct] | None = None


class V4Tariffication(ResponseModel):
    current_tariff_charge: PostingMoney | None = None
    current_tariff_min_charge: PostingMoney | None = None
    current_tariff_rate: JsonNumber | None = None
    current_tariff_type: StrictStr | None = None
    next_tariff_charge: PostingMoney | None = None
    next_tariff_min_charge: PostingMoney | None = None
    next_tariff_rate: JsonNumber | None = None
    next_tariff_starts_at: DateTime | None = None
    next_tariff_type: StrictStr | None = None


class V4Posting(ResponseModel):
    """posting.v4.PostingFbsListResponse.Postings (= ...UnfulfilledListResponse.Postings).

    There is no last-change time here (no ``last_changed_status_date``, ``status_changed_at``
    nor ``created_at``): only the filter has ``last_changed_status_date``.
    """

    addressee: Addressee | None = None
    analytics_data: AnalyticsData | None = None
    available_actions: list[StrictStr] | None = None
    barcodes: Barcodes | None = None
    cancellation: Cancellation | None = None
    container: Container | None = None
    container_sort_type: StrictStr | None = None
    customer: Customer | None = None
    delivering_date: DateTime | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_schema: StrictStr | None = None
    destination_place_id: Int | None = None
    destination_place_name: StrictStr | None = None
    external_order: ExternalOrder | None = None
    financial_data: V4FinancialData | None = None
    in_process_at: DateTime | None = None
    integration_type_flow: StrictStr | None = None
    is_click_and_collect: StrictBool | None = None
    is_express: StrictBool | None = None
    is_multibox: StrictBool | None = None
    is_presortable: StrictBool | None = None
    legal_info: LegalInfo | None = None
    multi_box_qty: Int | None = None
    optional: Optional_ | None = None
    order_id: Int | None = None
    order_number: StrictStr | None = None
    parent_posting_number: StrictStr | None = None
    pickup_code_verified_at: DateTime | None = None
    posting_number: StrictStr | None = None
    products: list[V4Product] | None = None
    prr_option: StrictStr | None = None
    quantum_id: Int | None = None
    require_blr_traceable_attrs: StrictBool | None = None
    requirements: Requirements | None = None
    scanit: StrictStr | None = None
    shipment_date: DateTime | None = None
    shipment_date_without_delay: DateTime | None = None
    sorting_center: SortingCenter | None = None
    status: PostingStatus | None = None
    substatus: PostingSubstatus | None = None
    tariffication: V4Tariffication | None = None
    tariffication_steps: list[TarifficationStep] | None = None
    tpl_integration_type: StrictStr | None = None
    tracking_number: StrictStr | None = None
    volume_weight: JsonNumber | None = None


class ChangedWindow(RequestModel):
    """``last_changed_status_date`` (the unfulfilled example writes ``last_change_status_date``,
    a name its schema does not have)."""

    from_: DateTime | None = Field(None, alias="from")
    to: DateTime | None = None


class V4With(RequestModel):
    analytics_data: StrictBool | None = None
    barcodes: StrictBool | None = None
    financial_data: StrictBool | None = None
    legal_info: StrictBool | None = None


class V4ListFilter(RequestModel):
    delivery_method_ids: list[Int64] | None = Field(None, max_length=1000)
    integration_type_flow: list[StrictStr] | None = None
    is_blr_traceable: StrictBool | None = None
    last_changed_status_date: ChangedWindow | None = None
    order_id: Int | None = None
    order_numbers: list[StrictStr] | None = Field(None, max_length=100)
    provider_ids: list[Int64] | None = Field(None, max_length=1000)
    since: DateTime  # required; the since..to period is at most one year
    statuses: list[PostingStatus] | None = None
    to: DateTime  # required
    warehouse_ids: list[Int64] | None = Field(None, max_length=1000)


class V4ListRequest(RequestModel):
    cursor: StrictStr | None = None
    filter: V4ListFilter
    limit: Annotated[Int, Field(ge=1, le=100)]
    sort_dir: SortDir | None = None
    translit: StrictBool | None = None
    with_: V4With | None = Field(None, alias="with")


class V4ListResponse(ResponseModel):
    cursor: StrictStr | None = None
    has_next: StrictBool | None = None
    postings: list[V4Posting] | None = None


class V4UnfulfilledFilter(RequestModel):
    """Either the ``cutoff_*`` pair or the ``delivering_date_*`` pair; both is an error."""

    cutoff_from: DateTime | None = None
    cutoff_to: DateTime | None = None
    delivering_date_from: DateTime | None = None
    delivering_date_to: DateTime | None = None
    delivery_method_ids: list[Int64] | None = Field(None, max_length=1000)
    last_changed_status_date: ChangedWindow | None = None
    provider_ids: list[Int64] | None = Field(None, max_length=1000)
    statuses: list[PostingStatus] | None = None
    warehouse_ids: list[Int64] | None = Field(None, max_length=1000)


class V4UnfulfilledRequest(RequestModel):
    cursor: StrictStr | None = None
    filter: V4UnfulfilledFilter | None = None
    limit: Annotated[Int, Field(ge=1, le=100)] | None = None
    sort_dir: SortDir | None = None
    translit: StrictBool | None = None
    with_: V4With | None = Field(None, alias="with")


class V4UnfulfilledResponse(V4ListResponse):
    count: Int | None = None


# -- posting v3 (get) ----------------------------------------------------------------------
class V3Product(ResponseModel):
    """v3PostingProductDetail: ``price`` is a decimal string per unit, with ``currency_code``."""

    currency_code: StrictStr | None = None
    dimensions: dict[str, StrictStr] | None = None
    imei: list[StrictStr] | None = None
    is_blr_traceable: StrictBool | None = None
    is_marketplace_buyout: StrictBool | None = None
    jw_uin: list[StrictStr] | None = None
    mandatory_mark: list[StrictStr] | None = None
    name: StrictStr | None = None
    offer_id: StrictStr | None = None
    price: DecimalText | None = None
    quantity: Int | None = None
    sku: Int | None = None


class V3FinancialProduct(ResponseModel):
    actions: list[StrictStr] | None = None
    commission_amount: JsonNumber | None = None
    commission_percent: Int | None = None
    commissions_currency_code: StrictStr | None = None
    currency_code: StrictStr | None = None
    customer_currency_code: StrictStr | None = None
    customer_price: JsonNumber | None = None
    old_price: JsonNumber | None = None
    payout: JsonNumber | None = None
    price: JsonNumber | None = None
    product_id: Int | None = None
    quantity: Int | None = None
    total_discount_percent: JsonNumber | None = None
    total_discount_value: JsonNumber | None = None


class V3FinancialData(ResponseModel):
    cluster_from: StrictStr | None = None
    cluster_to: StrictStr | None = None
    products: list[V3FinancialProduct] | None = None


class V3Tariffication(ResponseModel):
    current_tariff_charge: StrictStr | None = None
    current_tariff_charge_currency_code: StrictStr | None = None
    current_tariff_rate: JsonNumber | None = None
    current_tariff_type: StrictStr | None = None
    next_tariff_charge: StrictStr | None = None
    next_tariff_charge_currency_code: StrictStr | None = None
    next_tariff_rate: JsonNumber | None = None
    next_tariff_starts_at: DateTime | None = None
    next_tariff_type: StrictStr | None = None


class KeyValue(ResponseModel):
    key: StrictStr | None = None
    value: StrictStr | None = None


class Courier(ResponseModel):
    car_model: StrictStr | None = None
    car_number: StrictStr | None = None
    name: StrictStr | None = None
    phone: StrictStr | None = None


class PrrOption(ResponseModel):
    code: StrictStr | None = None
    currency_code: StrictStr | None = None
    floor: StrictStr | None = None
    price: StrictStr | None = None


class RelatedPostings(ResponseModel):
    related_posting_numbers: list[StrictStr] | None = None


class V3PostingDetail(ResponseModel):
    """v3FbsPostingDetail (NEWER): what ``/v3/posting/fbs/get`` answers under ``result``."""

    additional_data: list[KeyValue] | None = None
    addressee: Addressee | None = None
    analytics_data: AnalyticsData | None = None
    available_actions: list[StrictStr] | None = None
    barcodes: Barcodes | None = None
    cancellation: Cancellation | None = None
    container: Container | None = None
    container_sort_type: StrictStr | None = None
    courier: Courier | None = None
    customer: Customer | None = None
    delivering_date: DateTime | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_price: StrictStr | None = None
    external_order: ExternalOrder | None = None
    fact_delivery_date: DateTime | None = None
    financial_data: V3FinancialData | None = None
    in_process_at: DateTime | None = None
    integration_type_flow: StrictStr | None = None
    is_express: StrictBool | None = None
    is_multibox: StrictBool | None = None
    legal_info: LegalInfo | None = None
    multi_box_qty: Int | None = None
    optional: Optional_ | None = None
    order_id: Int | None = None
    order_number: StrictStr | None = None
    parent_posting_number: StrictStr | None = None
    pickup_code_verified_at: DateTime | None = None
    posting_number: StrictStr | None = None
    previous_substatus: PostingSubstatus | None = None
    product_exemplars: dict[str, object] | None = None
    products: list[V3Product] | None = None
    provider_status: StrictStr | None = None
    prr_option: PrrOption | None = None
    related_postings: RelatedPostings | None = None
    related_weight_postings: list[StrictStr] | None = None
    require_blr_traceable_attrs: StrictBool | None = None
    requirements: Requirements | None = None
    scanit: StrictStr | None = None
    shipment_date: DateTime | None = None
    shipment_date_without_delay: DateTime | None = None
    sorting_center: SortingCenter | None = None
    status: PostingStatus | None = None
    substatus: PostingSubstatus | None = None
    tariffication: list[V3Tariffication] | V3Tariffication | None = None
    tariffication_steps: list[TarifficationStep] | None = None
    tpl_integration_type: StrictStr | None = None
    tracking_number: StrictStr | None = None


class V3GetWith(RequestModel):
    analytics_data: StrictBool | None = None
    barcodes: StrictBool | None = None
    financial_data: StrictBool | None = None
    legal_info: StrictBool | None = None
    product_exemplars: StrictBool | None = None
    related_postings: StrictBool | None = None
    translit: StrictBool | None = None


class V3GetRequest(RequestModel):
    posting_number: StrictStr
    with_: V3GetWith | None = Field(None, alias="with")


class V3GetResponse(ResponseModel):
    result: V3PostingDetail | None = None


# -- ship, cancel --------------------------------------------------------------------------
class ShipProduct(RequestModel):
    product_id: Int  # "Идентификатор товара в системе Ozon — SKU" (not the product_id!)
    quantity: Int


class ShipPackage(RequestModel):
    products: list[ShipProduct]


class ShipWith(RequestModel):
    additional_data: StrictBool | None = None


class ShipRequest(RequestModel):
    packages: list[ShipPackage]
    posting_number: StrictStr
    with_: ShipWith | None = Field(None, alias="with")


class ShippedProduct(ResponseModel):
    currency_code: StrictStr | None = None
    mandatory_mark: list[StrictStr] | None = None
    name: StrictStr | None = None
    offer_id: StrictStr | None = None
    price: DecimalText | None = None
    quantity: Int | None = None
    sku: Int | None = None


class ShipAdditionalData(ResponseModel):
    posting_number: StrictStr | None = None
    products: list[ShippedProduct] | None = None


class ShipResponse(ResponseModel):
    """A 200 does not mean shipped: check ``/v3/posting/fbs/get`` (``ship_failed`` = retry)."""

    additional_data: list[ShipAdditionalData] | None = None
    result: list[StrictStr] | None = None


class CancelRequest(RequestModel):
    cancel_reason_id: Int | None = None
    cancel_reason_message: StrictStr | None = None  # required when cancel_reason_id is 402
    posting_number: StrictStr | None = None


class BooleanResponse(ResponseModel):
    result: StrictBool | None = None


# -- warehouses ----------------------------------------------------------------------------
class WarehouseListRequest(RequestModel):
    cursor: StrictStr | None = None
    limit: Annotated[Int, Field(ge=1, le=200)]  # required
    warehouse_ids: list[Int64] | None = Field(None, max_length=200)


class WarehouseAddress(ResponseModel):
    address: StrictStr | None = None
    latitude: JsonNumber | None = None
    longitude: JsonNumber | None = None
    utc: StrictStr | None = None


class FirstMile(ResponseModel):
    dropoff_point_id: StrictStr | None = None
    first_mile_is_changing: StrictBool | None = None
    timeslot_from: StrictStr | None = None
    timeslot_id: Int | None = None
    timeslot_to: StrictStr | None = None
    type: StrictStr | None = None


class WorkingHours(ResponseModel):
    time_from: DateTime | None = None
    time_to: DateTime | None = None


class Timetable(ResponseModel):
    timetable_from: DateTime | None = None
    timetable_to: DateTime | None = None
    working_hours: list[WorkingHours] | None = None


class Warehouse(ResponseModel):
    """WarehouseListV2ResponseWarehouse, typed from the path's published example."""

    address_info: WarehouseAddress | None = None
    carriage_label_type: StrictStr | None = None
    courier_comment: StrictStr | None = None
    courier_phones: list[StrictStr] | None = None
    created_at: DateTime | None = None
    cut_in_time: Int | None = None
    first_mile: FirstMile | None = None
    has_entrusted_acceptance: StrictBool | None = None
    has_postings_limit: StrictBool | None = None
    is_auto_assembly: StrictBool | None = None
    is_comfort: StrictBool | None = None
    is_express: StrictBool | None = None
    is_kgt: StrictBool | None = None
    is_rfbs: StrictBool | None = None
    is_waybill_enabled: StrictBool | None = None
    min_postings_limit: Int | None = None
    name: StrictStr | None = None
    phone: StrictStr | None = None
    postings_limit: Int | None = None
    sla_cut_in: Int | None = None
    status: StrictStr | None = None
    timetable: Timetable | None = None
    updated_at: DateTime | None = None
    warehouse_id: Int | None = None
    warehouse_type: StrictStr | None = None
    with_item_list: StrictBool | None = None
    working_days: list[StrictStr] | None = None


class WarehouseListResponse(ResponseModel):
    cursor: StrictStr | None = None
    has_next: StrictBool | None = None  # the published example writes "string"
    warehouses: list[Warehouse] | None = None


# -- stocks --------------------------------------------------------------------------------
class WithQuant(RequestModel):
    created: StrictBool | None = None
    exists: StrictBool | None = None


class StocksFilter(RequestModel):
    offer_id: list[StrictStr] | None = None
    product_id: list[Int64] | None = None
    visibility: Visibility | None = None
    with_quant: WithQuant | None = None


class StocksReadRequest(RequestModel):
    cursor: StrictStr | None = None
    filter: StocksFilter  # required
    limit: Annotated[Int, Field(ge=1, le=1000)]  # required


class StockEntry(ResponseModel):
    """One stock of one item. ``type`` is the scheme ("Тип склада"): ``fbs``/``rfbs`` are the
    seller's warehouses, ``fbo``/``fbp`` Ozon's (the method covers FBO, FBS, rFBS and FBP).
    ``present`` includes ``reserved``."""

    present: Int | None = None
    reserved: Int | None = None
    shipment_type: ShipmentType | None = None
    sku: Int | None = None
    type: StrictStr | None = None
    warehouse_ids: list[Int64] | None = None  # OLDER only; the NEWER example has none


class StockItem(ResponseModel):
    offer_id: StrictStr | None = None
    product_id: Int | None = None
    stocks: list[StockEntry] | None = None


class StocksReadResponse(ResponseModel):
    cursor: StrictStr | None = None
    items: list[StockItem] | None = None
    total: Int | None = None  # switched off on 2026-11-23
    total_items: Int | None = None


class StockWrite(RequestModel):
    """productv2ProductsStocksRequestStock. ``product_id`` is required (the schema also lists
    ``quant_size`` as required although the property itself was removed: quant sizes were
    switched off on 2025-06-26). With both ids given, ``offer_id`` wins."""

    offer_id: StrictStr | None = None
    product_id: Int
    stock: Annotated[Int, Field(ge=0)]  # free units, reserved ones excluded
    warehouse_id: Int


class StocksWriteRequest(RequestModel):
    stocks: list[StockWrite] = Field(min_length=1, max_length=100)


class WriteError(ResponseModel):
    code: StrictStr | None = None
    message: StrictStr | None = None


class StockWriteResult(ResponseModel):
    errors: list[WriteError] | None = None
    offer_id: StrictStr | None = None
    product_id: Int | None = None
    updated: StrictBool | None = None
    warehouse_id: Int | None = None


class StocksWriteResponse(ResponseModel):
    result: list[StockWriteResult] | None = None


# -- prices --------------------------------------------------------------------------------
class PricesFilter(RequestModel):
    offer_id: list[StrictStr] | None = Field(None, max_length=1000)
    product_id: list[Int64] | None = Field(None, max_length=1000)
    visibility: Visibility | None = None


class PricesReadRequest(RequestModel):
    cursor: StrictStr | None = None
    filter: PricesFilter  # required
    limit: Annotated[Int, Field(ge=1, le=1000)]  # required


class ItemPrice(ResponseModel):
    """ItemPricev5: JSON numbers in rubles; ``old_price``/``min_price`` 0 = none set."""

    auto_action_enabled: StrictBool | None = None
    auto_add_to_ozon_actions_list_enabled: StrictBool | None = None
    currency_code: StrictStr | None = None
    marketing_price: JsonNumber | None = None  # OLDER only
    marketing_seller_price: JsonNumber | None = None  # OLDER only
    min_price: JsonNumber | None = None
    net_price: JsonNumber | None = None
    old_price: JsonNumber | None = None
    price: JsonNumber | None = None
    retail_price: JsonNumber | None = None  # OLDER only
    vat: JsonNumber | None = None


class IndexData(ResponseModel):
    min_price: JsonNumber | StrictStr | None = None  # OLDER: string; NEWER example: number
    min_price_currency: StrictStr | None = None
    price_index_value: JsonNumber | None = None


class PriceIndexes(ResponseModel):
    color_index: Literal["WITHOUT_INDEX", "GREEN", "YELLOW", "RED"] | None = None
    external_index_data: IndexData | None = None
    ozon_index_data: IndexData | None = None
    self_marketplaces_index_data: IndexData | None = None


class MarketingAction(ResponseModel):
    date_from: DateTime | None = None
    date_to: DateTime | None = None
    title: StrictStr | None = None
    value: JsonNumber | StrictStr | None = None  # OLDER: string; NEWER example: number


class Marketing(ResponseModel):
    actions: list[MarketingAction] | None = None
    current_period_from: DateTime | None = None
    current_period_to: DateTime | None = None
    ozon_actions_exist: StrictBool | None = None


class PriceItem(ResponseModel):
    acquiring: JsonNumber | None = None
    commissions: dict[str, JsonNumber] | None = None
    marketing_actions: Marketing | None = None
    offer_id: StrictStr | None = None
    price: ItemPrice | None = None
    price_indexes: PriceIndexes | None = None
    product_id: Int | None = None
    volume_weight: JsonNumber | None = None


class PricesReadResponse(ResponseModel):
    cursor: StrictStr | None = None
    items: list[PriceItem] | None = None
    total: Int | None = None  # switched off on 2026-11-23
    total_items: Int | None = None


class PriceWrite(RequestModel):
    """productImportProductsPricesRequestPrice: money as decimal strings in rubles (up to two
    decimals). ``old_price = "0"`` RESETS the crossed-out price; an absent field changes
    nothing. With both ids given, ``offer_id`` wins."""

    auto_action_enabled: PriceSwitch | None = None
    auto_add_to_ozon_actions_list_enabled: PriceSwitch | None = None
    currency_code: StrictStr | None = None
    min_price: DecimalText | None = None
    min_price_for_auto_actions_enabled: StrictBool | None = None
    net_price: DecimalText | None = None
    offer_id: StrictStr | None = None
    old_price: DecimalText | None = None
    price: DecimalText | None = None
    price_strategy_enabled: PriceSwitch | None = None
    product_id: Int | None = None
    quant_size: Int | None = None
    vat: StrictStr | None = None


class PricesWriteRequest(RequestModel):
    prices: list[PriceWrite] = Field(min_length=1, max_length=1000)


class PriceWriteResult(ResponseModel):
    errors: list[WriteError] | None = None
    offer_id: StrictStr | None = None
    product_id: Int | None = None
    updated: StrictBool | None = None


class PricesWriteResponse(ResponseModel):
    result: list[PriceWriteResult] | None = None


# -- product list (binding) ----------------------------------------------------------------
class ProductListFilter(RequestModel):
    offer_id: list[StrictStr] | None = Field(None, min_length=1, max_length=1000)
    product_id: list[Int64] | None = Field(None, min_length=1, max_length=1000)
    skus: list[Int64] | None = Field(None, min_length=1, max_length=1000)
    visibility: Visibility | None = None


class ProductListRequest(RequestModel):
    filter: ProductListFilter | None = None
    last_id: StrictStr | None = None
    limit: Annotated[Int, Field(ge=1, le=1000)] | None = None


class Quant(ResponseModel):
    quant_code: StrictStr | None = None
    quant_size: Int | None = None


class ProductListItem(ResponseModel):
    archived: StrictBool | None = None
    has_fbo_stocks: StrictBool | None = None
    has_fbs_stocks: StrictBool | None = None
    is_discounted: StrictBool | None = None
    offer_id: StrictStr | None = None
    product_id: Int | None = None
    quants: list[Quant] | None = None
    sku: Int | None = None  # NEWER only


class ProductListResult(ResponseModel):
    items: list[ProductListItem] | None = None
    last_id: StrictStr | None = None
    total: Int | None = None  # deprecated
    total_items: Int | None = None


class ProductListResponse(ResponseModel):
    result: ProductListResult | None = None


# -- the endpoint table --------------------------------------------------------------------
def _endpoint(path: str, source: Source, body: type[RequestModel], ok: type[ResponseModel],
              limits: str = "50 requests/s per Client-Id (all methods)") -> Endpoint:  # fmt: skip
    return Endpoint("ozon", "POST", path, source, body=body, responses={200: ok, **ERRORS},
                    limits=limits)  # fmt: skip


ENDPOINTS: list[Endpoint] = [
    _endpoint(
        "/v4/posting/fbs/list",
        newer(
            "#/paths/~1v4~1posting~1fbs~1list/post "
            "(posting.v4.PostingFbsListRequest, posting.v4.PostingFbsListResponse)"
        ),
        V4ListRequest,
        V4ListResponse,
    ),
    _endpoint(
        "/v4/posting/fbs/unfulfilled/list",
        newer(
            "#/paths/~1v4~1posting~1fbs~1unfulfilled~1list/post "
            "(posting.v4.PostingFbsUnfulfilledListRequest, ...Response)"
        ),
        V4UnfulfilledRequest,
        V4UnfulfilledResponse,
    ),
    _endpoint(
        "/v3/posting/fbs/get",
        newer(
            "#/paths/~1v3~1posting~1fbs~1get/post "
            "(postingv3GetFbsPostingRequest, v3GetFbsPostingResponseV3 → v3FbsPostingDetail)"
        ),
        V3GetRequest,
        V3GetResponse,
    ),
    _endpoint(
        "/v4/posting/fbs/ship",
        newer(
            "#/paths/~1v4~1posting~1fbs~1ship/post "
            "(fbsv4FbsPostingShipV4Request, fbsv4FbsPostingShipV4Response)"
        ),
        ShipRequest,
        ShipResponse,
    ),
    _endpoint(
        "/v2/posting/fbs/cancel",
        older(
            "#/paths/~1v2~1posting~1fbs~1cancel/post "
            "(postingCancelFbsPostingRequest, postingBooleanResponse)"
        ),
        CancelRequest,
        BooleanResponse,
    ),
    _endpoint(
        "/v2/warehouse/list",
        newer(
            "#/paths/~1v2~1warehouse~1list/post "
            "(v2WarehouseListV2Request, v2WarehouseListV2Response)"
        ),
        WarehouseListRequest,
        WarehouseListResponse,
    ),
    _endpoint(
        "/v4/product/info/stocks",
        newer(
            "#/paths/~1v4~1product~1info~1stocks/post "
            "(v4GetProductInfoStocksRequest, v4GetProductInfoStocksResponse; stock entries "
            "from OLDER GetProductInfoStocksResponseStock)"
        ),
        StocksReadRequest,
        StocksReadResponse,
    ),
    _endpoint(
        "/v2/products/stocks",
        newer(
            "#/paths/~1v2~1products~1stocks/post "
            "(productv2ProductsStocksRequest, productv2ProductsStocksResponse)"
        ),
        StocksWriteRequest,
        StocksWriteResponse,
        "80 requests/min per seller; 100 pairs per request; a product-warehouse pair "
        "at most once per 30 s (TOO_MANY_REQUESTS in result.errors)",
    ),
    _endpoint(
        "/v5/product/info/prices",
        newer(
            "#/paths/~1v5~1product~1info~1prices/post "
            "(productv5GetProductInfoPricesV5Request, ...Response; items from OLDER "
            "productGetProductInfoPricesV5ResponseItem)"
        ),
        PricesReadRequest,
        PricesReadResponse,
    ),
    _endpoint(
        "/v1/product/import/prices",
        older(
            "#/paths/~1v1~1product~1import~1prices/post "
            "(productImportProductsPricesRequest, productImportProductsPricesResponse)"
        ),
        PricesWriteRequest,
        PricesWriteResponse,
        "each product's price at most 10 times per hour; 1000 prices per request",
    ),
    _endpoint(
        "/v3/product/list",
        newer(
            "#/components/schemas/productv3GetProductListRequest, "
            "productv3GetProductListResponse (items carry sku)"
        ),
        ProductListRequest,
        ProductListResponse,
    ),
]


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
