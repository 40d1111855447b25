"""Ozon posting contracts: the v4 lists, the v3 get, ship and cancel (see ``ozon``).

A v4 list product's unit price is a ``{amount, currency}`` object, a v3 one a decimal
string with ``currency_code``; money in ``financial_data`` is JSON numbers in rubles.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr

from tests.contracts.ozon_types import (
    DateTime,
    DecimalText,
    Int,
    Int64,
    JsonNumber,
    PostingStatus,
    PostingSubstatus,
    SortDir,
)
from tests.contracts.registry import RequestModel, ResponseModel


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


class _Posting(ResponseModel):
    """The fields the v4 list posting and the v3 get posting share (same names, types)."""

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
    external_order: ExternalOrder | None = None
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
    require_blr_traceable_attrs: StrictBool | None = None
    requirements: Requirements | None = None
    scanit: StrictStr | None = None
    shipment_date: DateTime | None = None
    shipment_date_without_delay: DateTime | None = None
    sorting_center: SortingCenter | None = None
    status: PostingStatus | None = None
    substatus: PostingSubstatus | None = None
    tariffication_steps: list[TarifficationStep] | None = None
    tpl_integration_type: StrictStr | None = None
    tracking_number: StrictStr | None = None


class V4Posting(_Posting):
    """posting.v4.PostingFbsListResponse.Postings (= ...UnfulfilledListResponse.Postings).

    There is no last-change time here (no ``last_changed_status_date``, ``status_changed_at``
    nor ``created_at``): only the filter has ``last_changed_status_date``.
    """

    delivery_schema: StrictStr | None = None
    destination_place_id: Int | None = None
    destination_place_name: StrictStr | None = None
    financial_data: V4FinancialData | None = None
    is_click_and_collect: StrictBool | None = None
    is_presortable: StrictBool | None = None
    products: list[V4Product] | None = None
    prr_option: StrictStr | None = None
    quantum_id: Int | None = None
    tariffication: V4Tariffication | None = None
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


class V3PostingDetail(_Posting):
    """v3FbsPostingDetail (NEWER): what ``/v3/posting/fbs/get`` answers under ``result``."""

    additional_data: list[KeyValue] | None = None
    courier: Courier | None = None
    delivery_price: StrictStr | None = None
    fact_delivery_date: DateTime | None = None
    financial_data: V3FinancialData | None = None
    previous_substatus: PostingSubstatus | None = None
    product_exemplars: dict[str, object] | None = None
    products: list[V3Product] | None = None
    provider_status: StrictStr | None = None
    prr_option: PrrOption | None = None
    related_postings: RelatedPostings | None = None
    related_weight_postings: list[StrictStr] | None = None
    tariffication: list[V3Tariffication] | V3Tariffication | None = None


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
