"""Ozon warehouse, stock, price and product-list contracts (see ``ozon``).

Stock reads count units (``present`` includes ``reserved``); stock writes send free units.
Price reads are JSON numbers in rubles, price writes decimal strings in rubles.
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
    PriceSwitch,
    ShipmentType,
    Visibility,
)
from tests.contracts.registry import RequestModel, ResponseModel


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
