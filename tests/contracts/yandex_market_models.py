"""Pydantic models of the Yandex Market Partner API shapes mpsync reads and sends.

Written from the official OpenAPI, ``yandex-market/yandex-market-partner-api:openapi/`` at
commit 1318e9b848591f069059eeebf777f1f5bb439743; each class names its schema file. JSON types
are strict (a number is never a string); ``nullable`` fields take ``None``; fields the spec
marks required are required. Units, as the spec states them:

* money is ``CurrencyValueDTO {value: number, currencyId: CurrencyType}`` in the shop's
  currency (``RUR`` for rubles), in currency units (rubles, not kopecks);
* ``ItemPriceDTO`` amounts are for the whole line: "Если в заказе несколько единиц товаров,
  в параметрах возвращается суммарное значение"; the goods cost ``payment + cashback``,
  ``subsidy`` is the Market's payout to the seller on top;
* ``date`` fields are ``YYYY-MM-DD`` calendar days; ``date-time`` fields ISO 8601 with an
  offset; the legacy ``OrderDTO`` writes ``DD-MM-YYYY`` and ``DD-MM-YYYY HH:MM:SS``.

Branches of a response mpsync never reads (media files, certificates, ...) are named but
typed loosely (``Loose``): the sandbox does not serve them, the real API may.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from tests.contracts.registry import RequestModel, ResponseModel
from tests.contracts.yandex_market_enums import (
    ApiAvailabilityStatusType,
    ApiResponseStatusType,
    CurrencyType,
    DigitalGoodsDeliveryType,
    OfferCampaignStatusType,
    OfferCardStatusType,
    OfferSellingProgramStatusType,
    OperationType,
    OrderBuyerType,
    OrderDeliveryDispatchType,
    OrderDeliveryEacType,
    OrderDeliveryPartnerType,
    OrderDeliveryType,
    OrderItemInstanceType,
    OrderItemSubsidyType,
    OrderItemTagType,
    OrderItemUnitStatusType,
    OrderLiftType,
    OrderPaymentMethodType,
    OrderPaymentType,
    OrderPromoType,
    OrderSourcePlatformType,
    OrderStatusType,
    OrderSubsidyType,
    OrderSubstatusType,
    OrderTaxSystemType,
    OrderVatType,
    PlacementType,
    RegionType,
    SellingProgramType,
    TurnoverType,
    WarehouseStockType,
)


def _aware(value: str) -> str:
    """``format: date-time``: ISO 8601 with an offset ("2020-02-02T14:30:30+03:00", "…Z")."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return value


Number = int | Decimal  # JSON number (the checker parses fractions as Decimal)
DateTime = Annotated[str, AfterValidator(_aware)]
Date = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]  # format: date
DateDdMmYyyy = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}-\d{4}$")]
DateDdMmYyyyHhMmSs = Annotated[
    str, StringConstraints(pattern=r"^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$")
]
Time = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}(:\d{2})?$")]  # format: time
# ShopSku.yaml: the seller's SKU (offerId), 1..255 printable characters, not all blank.
ShopSku = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=255,
        pattern=r"^[^\x00-\x08\x0A-\x1f\x7f]*\S[^\x00-\x08\x0A-\x1f\x7f]*$",
    ),
]
CampaignId = Annotated[int, Field(ge=1)]  # CampaignId.yaml
BusinessId = Annotated[int, Field(ge=1)]  # BusinessId.yaml
Loose = dict[str, Any] | list[Any] | None  # a branch mpsync does not read


class Send(RequestModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Serve(ResponseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(RequestModel):
    """Query strings are text; values are parsed as the spec's types (lax)."""


# -- shared -------------------------------------------------------------------------------
class CurrencyValueDTO(Serve):  # CurrencyValueDTO.yaml
    value: Number
    currencyId: CurrencyType


class PagerDTO(Serve):  # PackagingForwardScrollingPagerDTO.yaml
    nextPageToken: str | None = None


class ApiErrorDTO(Serve):  # ApiErrorDTO.yaml
    code: str
    message: str | None = None


class ApiErrorResponse(Serve):
    """ApiErrorResponse.yaml (and its 400/401/403/404/420/423/500 aliases)."""

    status: ApiResponseStatusType
    errors: list[ApiErrorDTO] | None = Field(None, min_length=1)


class EmptyApiResponse(Serve):  # EmptyApiResponse.yaml = ApiResponse.yaml
    status: ApiResponseStatusType


# -- getBusinessOrders --------------------------------------------------------------------
class OrderDatesFilterDTO(Send):
    """OrderDatesFilterDTO.yaml. creation/shipment: ``YYYY-MM-DD``, ``From`` included, ``To``
    excluded, at most 30 days apart; ``creationDateFrom`` defaults to 30 days ago, so an
    update-date filter alone never reaches orders created earlier."""

    creationDateFrom: Date | None = None
    creationDateTo: Date | None = None
    shipmentDateFrom: Date | None = None
    shipmentDateTo: Date | None = None
    updateDateFrom: DateTime | None = None
    updateDateTo: DateTime | None = None


class GetBusinessOrdersRequest(Send):  # GetBusinessOrdersRequest.yaml
    orderIds: list[int] | None = Field(None, min_length=1, max_length=50)
    externalOrderIds: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        None, min_length=1, max_length=50
    )
    programTypes: list[SellingProgramType] | None = Field(None, min_length=1)
    campaignIds: list[CampaignId] | None = Field(None, min_length=1, max_length=50)
    statuses: list[OrderStatusType] | None = Field(None, min_length=1)
    substatuses: list[OrderSubstatusType] | None = Field(None, min_length=1)
    dates: OrderDatesFilterDTO | None = None
    fake: bool | None = None
    waitingForCancellationApprove: bool | None = None
    sourcePlatforms: list[OrderSourcePlatformType] | None = Field(None, min_length=1)


class OrdersQuery(Query):
    """AliasedPageToken.yaml (``pageToken``, alias ``page_token``), PageLimit50Truncate.yaml."""

    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = Field(None, ge=1, le=50)


class ItemPriceDTO(Serve):
    """ItemPriceDTO.yaml: totals of the LINE (all ``count`` units); cost = payment + cashback."""

    payment: CurrencyValueDTO | None = None
    subsidy: CurrencyValueDTO | None = None
    cashback: CurrencyValueDTO | None = None
    vat: OrderVatType | None = None


class OrderItemInstanceDTO(Serve):  # OrderItemInstanceDTO.yaml
    cis: str | None = None
    cisFull: str | None = None
    uin: str | None = None
    rnpt: str | None = None
    gtd: str | None = None
    countryCode: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class OrderItemUnitStatusDTO(Serve):  # OrderItemUnitStatusDTO.yaml
    status: OrderItemUnitStatusType
    count: int


class BusinessOrderItemDTO(Serve):  # BusinessOrderItemDTO.yaml
    id: int
    offerId: ShopSku
    offerName: str
    count: int
    prices: ItemPriceDTO | None = None
    instances: list[OrderItemInstanceDTO] | None = Field(None, min_length=1)
    requiredInstanceTypes: list[OrderItemInstanceType] | None = Field(None, min_length=1)
    itemStatuses: list[OrderItemUnitStatusDTO] | None = Field(None, min_length=1)
    tags: list[OrderItemTagType] | None = Field(None, min_length=1)


class DeliveryPriceDTO(Serve):  # DeliveryPriceDTO.yaml
    payment: CurrencyValueDTO | None = None
    subsidy: CurrencyValueDTO | None = None
    vat: OrderVatType | None = None


class OrderPriceDTO(Serve):  # OrderPriceDTO.yaml: goods = payment + cashback
    payment: CurrencyValueDTO | None = None
    subsidy: CurrencyValueDTO | None = None
    cashback: CurrencyValueDTO | None = None
    delivery: DeliveryPriceDTO | None = None


class GpsDTO(Serve):  # GpsDTO.yaml
    latitude: Number
    longitude: Number


class BusinessOrderDeliveryAddressDTO(Serve):  # BusinessOrderDeliveryAddressDTO.yaml
    country: str | None = None
    postcode: str | None = None
    city: str | None = None
    district: str | None = None
    subway: str | None = None
    street: str | None = None
    house: str | None = None
    block: str | None = None  # корпус или строение
    entrance: str | None = None
    entryphone: str | None = None
    floor: str | None = None
    apartment: str | None = None
    gps: GpsDTO | None = None


class RegionDTO(Serve):  # RegionDTO.yaml
    id: int
    name: str
    type: RegionType
    parent: RegionDTO | None = None


class BusinessOrderCourierDeliveryDTO(Serve):  # BusinessOrderCourierDeliveryDTO.yaml
    address: BusinessOrderDeliveryAddressDTO | None = None
    region: RegionDTO | None = None


class BusinessOrderPickupDeliveryDTO(Serve):  # BusinessOrderPickupDeliveryDTO.yaml
    address: BusinessOrderDeliveryAddressDTO | None = None
    region: RegionDTO | None = None
    logisticPointId: Annotated[int, Field(ge=1)] | None = None
    outletCode: str | None = None
    outletStorageLimitDate: Date | None = None


class OrderCourierDTO(Serve):  # OrderCourierDTO.yaml
    fullName: str | None = None
    phone: str | None = None
    phoneExtension: str | None = None
    vehicleNumber: str | None = None
    vehicleDescription: str | None = None


class BusinessOrderEacDTO(Serve):  # BusinessOrderEacDTO.yaml
    eacType: OrderDeliveryEacType
    eacCode: str | None = None


class BusinessOrderTransferDTO(Serve):  # BusinessOrderTransferDTO.yaml
    courier: OrderCourierDTO | None = None
    eac: BusinessOrderEacDTO | None = None


class BusinessOrderDeliveryDatesDTO(Serve):  # BusinessOrderDeliveryDatesDTO.yaml
    fromDate: Date
    toDate: Date | None = None
    fromTime: Time | None = None
    toTime: Time | None = None
    realDeliveryDate: Date | None = None


class BusinessOrderShipmentDTO(Serve):
    """BusinessOrderShipmentDTO.yaml: ``shipmentDate`` is a calendar day (no time, no zone);
    ``shipmentTime`` the hour of that day when given."""

    id: int | None = None
    shipmentDate: Date
    shipmentTime: Time | None = None


class TrackDTO(Serve):  # OrderTrackDTO.yaml
    trackCode: str | None = None
    deliveryServiceId: int


class DigitalGoodsDeliveryDetailsDTO(Serve):  # DigitalGoodsDeliveryDetailsDTO.yaml
    type: DigitalGoodsDeliveryType
    steamLink: str | None = None


class BusinessOrderDeliveryDTO(Serve):  # BusinessOrderDeliveryDTO.yaml
    type: OrderDeliveryType
    serviceName: str
    deliveryServiceId: int
    warehouseId: str | None = None
    deliveryPartnerType: OrderDeliveryPartnerType
    dispatchType: OrderDeliveryDispatchType | None = None
    dates: BusinessOrderDeliveryDatesDTO
    shipment: BusinessOrderShipmentDTO | None = None
    courier: BusinessOrderCourierDeliveryDTO | None = None
    pickup: BusinessOrderPickupDeliveryDTO | None = None
    transfer: BusinessOrderTransferDTO | None = None
    boxesLayout: Loose = None  # BusinessOrderBoxLayoutDTO[]
    tracks: list[TrackDTO] | None = Field(None, min_length=1)
    estimated: bool | None = None
    receiveBarcode: str | None = None
    receiveCode: str | None = None
    digitalGoods: DigitalGoodsDeliveryDetailsDTO | None = None


class BusinessOrderServicesDTO(Serve):  # BusinessOrderServicesDTO.yaml
    liftType: OrderLiftType | None = None


class BusinessOrderDTO(Serve):  # BusinessOrderDTO.yaml
    orderId: int
    campaignId: CampaignId
    programType: SellingProgramType | None = None
    externalOrderId: Annotated[str, StringConstraints(min_length=1)] | None = None
    status: OrderStatusType
    substatus: OrderSubstatusType
    creationDate: DateTime
    updateDate: DateTime | None = None
    paymentType: OrderPaymentType
    paymentMethod: OrderPaymentMethodType
    fake: bool
    items: list[BusinessOrderItemDTO]
    prices: OrderPriceDTO | None = None
    delivery: BusinessOrderDeliveryDTO
    services: BusinessOrderServicesDTO | None = None
    buyerType: OrderBuyerType | None = None
    notes: str | None = None
    cancelRequested: bool | None = None
    sourcePlatform: OrderSourcePlatformType | None = None


class GetBusinessOrdersResponse(Serve):  # GetBusinessOrdersResponse.yaml
    orders: list[BusinessOrderDTO] = Field(max_length=50)
    paging: PagerDTO | None = None


# -- updateOrderStatus (answers with the legacy OrderDTO) ---------------------------------
class OrderStatusChangeDeliveryDatesDTO(Send):  # OrderStatusChangeDeliveryDatesDTO.yaml
    realDeliveryDate: Date | None = None


class OrderStatusChangeDeliveryDTO(Send):  # OrderStatusChangeDeliveryDTO.yaml
    dates: OrderStatusChangeDeliveryDatesDTO | None = None


class OrderStatusChangeDTO(Send):  # OrderStatusChangeDTO.yaml
    status: OrderStatusType
    substatus: OrderSubstatusType | None = None
    delivery: OrderStatusChangeDeliveryDTO | None = None


class UpdateOrderStatusRequest(Send):  # UpdateOrderStatusRequest.yaml
    order: OrderStatusChangeDTO


class OrderItemPromoDTO(Serve):  # OrderItemPromoDTO.yaml
    type: OrderPromoType
    discount: Number | None = None
    subsidy: Number
    shopPromoId: str | None = None
    marketPromoId: str | None = None


class OrderItemSubsidyDTO(Serve):  # OrderItemSubsidyDTO.yaml
    type: OrderItemSubsidyType
    amount: Number


class OrderItemDTO(Serve):
    """OrderItemDTO.yaml (legacy): ``price``, ``buyerPrice`` are per UNIT, unlike the business
    orders' per-line ``ItemPriceDTO``."""

    id: int
    offerId: ShopSku
    offerName: str
    price: Number
    buyerPrice: Number
    buyerPriceBeforeDiscount: Number
    priceBeforeDiscount: Number | None = None  # deprecated
    count: int
    vat: OrderVatType | None = None
    shopSku: ShopSku | None = None
    subsidy: Number | None = None  # deprecated
    partnerWarehouseId: str | None = None
    promos: list[OrderItemPromoDTO] | None = Field(None, min_length=1)
    instances: list[OrderItemInstanceDTO] | None = Field(None, min_length=1)
    details: Loose = None  # deprecated OrderItemDetailDTO[]
    subsidies: list[OrderItemSubsidyDTO] | None = Field(None, min_length=1)
    requiredInstanceTypes: list[OrderItemInstanceType] | None = Field(None, min_length=1)
    tags: list[OrderItemTagType] | None = Field(None, min_length=1)


class OrderSubsidyDTO(Serve):  # OrderSubsidyDTO.yaml
    type: OrderSubsidyType
    amount: Number


class OrderDeliveryDatesDTO(Serve):  # OrderDeliveryDatesDTO.yaml (DD-MM-YYYY)
    fromDate: DateDdMmYyyy
    toDate: DateDdMmYyyy | None = None
    fromTime: Time | None = None
    toTime: Time | None = None
    realDeliveryDate: DateDdMmYyyy | None = None


class OrderShipmentDTO(Serve):  # OrderShipmentDTO.yaml
    id: int | None = None  # deprecated
    shipmentDate: DateDdMmYyyy | None = None
    shipmentTime: str | None = None  # Express only, ЧЧ:ММ
    tracks: list[TrackDTO] | None = Field(None, min_length=1)
    boxes: Loose = None  # OrderParcelBoxDTO[]


class OrderDeliveryAddressDTO(Serve):  # OrderDeliveryAddressDTO.yaml
    country: str | None = None
    postcode: str | None = None
    city: str | None = None
    district: str | None = None
    subway: str | None = None
    street: str | None = None
    house: str | None = None
    estate: str | None = None
    block: str | None = None
    building: str | None = None
    entrance: str | None = None
    entryphone: str | None = None
    floor: str | None = None
    apartment: str | None = None
    phone: str | None = None
    recipient: str | None = None
    gps: GpsDTO | None = None


class OrderDeliveryDTO(Serve):  # OrderDeliveryDTO.yaml
    id: str | None = None  # deprecated
    type: OrderDeliveryType
    serviceName: str
    price: Number | None = None  # deprecated
    deliveryPartnerType: OrderDeliveryPartnerType
    courier: OrderCourierDTO | None = None
    dates: OrderDeliveryDatesDTO
    region: RegionDTO | None = None
    address: OrderDeliveryAddressDTO | None = None
    vat: OrderVatType | None = None
    deliveryServiceId: int
    liftType: OrderLiftType | None = None
    liftPrice: Number | None = None
    outletCode: str | None = None
    outletStorageLimitDate: DateDdMmYyyy | None = None
    dispatchType: OrderDeliveryDispatchType | None = None
    tracks: list[TrackDTO] | None = Field(None, min_length=1)
    shipments: list[OrderShipmentDTO] | None = Field(None, min_length=1)
    estimated: bool | None = None
    eacType: OrderDeliveryEacType | None = None
    eacCode: str | None = None
    receiveCode: str | None = None


class OrderBuyerDTO(Serve):  # OrderBuyerDTO.yaml = OrderBuyerBasicInfoDTO.yaml
    id: str | None = None
    lastName: str | None = None
    firstName: str | None = None
    middleName: str | None = None
    type: OrderBuyerType


class OrderDTO(Serve):  # OrderDTO.yaml (legacy; dates DD-MM-YYYY HH:MM:SS)
    id: int
    externalOrderId: Annotated[str, StringConstraints(min_length=1)] | None = None
    status: OrderStatusType
    substatus: OrderSubstatusType
    creationDate: DateDdMmYyyyHhMmSs
    updatedAt: DateDdMmYyyyHhMmSs | None = None
    currency: CurrencyType
    itemsTotal: Number
    deliveryTotal: Number
    buyerItemsTotal: Number | None = None  # deprecated
    buyerTotal: Number | None = None  # deprecated
    buyerItemsTotalBeforeDiscount: Number
    buyerTotalBeforeDiscount: Number | None = None  # deprecated
    paymentType: OrderPaymentType
    paymentMethod: OrderPaymentMethodType
    fake: bool
    items: list[OrderItemDTO]
    subsidies: list[OrderSubsidyDTO] | None = Field(None, min_length=1)
    delivery: OrderDeliveryDTO
    buyer: OrderBuyerDTO
    notes: str | None = None
    taxSystem: OrderTaxSystemType
    cancelRequested: bool | None = None
    expiryDate: DateDdMmYyyyHhMmSs | None = None


class OperationDTO(Serve):  # OperationDTO.yaml
    id: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    type: OperationType


class UpdateOrderStatusResponse(Serve):  # UpdateOrderStatusResponse.yaml
    order: OrderDTO | None = None
    operation: OperationDTO | None = None


# -- getCampaign --------------------------------------------------------------------------
class BusinessDTO(Serve):  # BusinessDTO.yaml
    id: BusinessId | None = None
    name: str | None = None


class CampaignDTO(Serve):  # CampaignDTO.yaml
    domain: str | None = None
    id: CampaignId | None = None
    clientId: int | None = None  # deprecated
    business: BusinessDTO | None = None
    placementType: PlacementType | None = None
    apiAvailability: ApiAvailabilityStatusType | None = None


class GetCampaignResponse(Serve):  # GetCampaignResponse.yaml (no ApiResponse envelope)
    campaign: CampaignDTO | None = None


# -- getStocks / updateStocks -------------------------------------------------------------
class StocksQuery(Query):  # AliasedPageToken.yaml, PageLimit200.yaml
    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = Field(None, ge=1, le=200)


class GetWarehouseStocksRequest(Send):  # GetWarehouseStocksRequest.yaml
    stocksWarehouseId: Annotated[int, Field(ge=1)] | None = None
    hasStocks: bool | None = None
    withTurnover: bool | None = None
    archived: bool | None = None
    offerIds: list[ShopSku] | None = Field(None, min_length=1, max_length=500)


class WarehouseStockDTO(Serve):  # WarehouseStockDTO.yaml
    type: WarehouseStockType
    count: int


class TurnoverDTO(Serve):  # TurnoverDTO.yaml
    turnover: TurnoverType
    turnoverDays: Number | None = None


class WarehouseOfferDTO(Serve):  # WarehouseOfferDTO.yaml
    offerId: ShopSku
    turnoverSummary: TurnoverDTO | None = None
    stocks: list[WarehouseStockDTO]
    updatedAt: DateTime | None = None


class WarehouseOffersDTO(Serve):  # WarehouseOffersDTO.yaml
    warehouseId: int
    offers: list[WarehouseOfferDTO]


class GetWarehouseStocksDTO(Serve):  # GetWarehouseStocksDTO.yaml
    paging: PagerDTO | None = None
    warehouses: list[WarehouseOffersDTO]


class GetWarehouseStocksResponse(Serve):  # GetWarehouseStocksResponse.yaml
    status: ApiResponseStatusType
    result: GetWarehouseStocksDTO | None = None


class UpdateStockItemDTO(Send):  # UpdateStockItemDTO.yaml
    count: Annotated[int, Field(ge=0, le=2_000_000_000)]
    updatedAt: DateTime | None = None


class UpdateStockDTO(Send):  # UpdateStockDTO.yaml
    sku: ShopSku
    items: list[UpdateStockItemDTO] = Field(min_length=1, max_length=1)


class UpdateStocksRequest(Send):  # UpdateStocksRequest.yaml
    skus: list[UpdateStockDTO] = Field(min_length=1, max_length=2000)


# -- getDefaultPrices / updateBusinessPrices ----------------------------------------------
class PricesQuery(Query):  # AliasedPageToken.yaml, PageLimit500Truncate.yaml
    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = Field(None, ge=1, le=500)


class GetDefaultPricesRequest(Send):  # GetDefaultPricesRequest.yaml
    offerIds: list[ShopSku] | None = Field(None, min_length=1, max_length=200)
    archived: bool | None = None


Positive = Annotated[Number, Field(gt=0)]  # minimum 0, exclusiveMinimum
# DiscountBase.yaml: "Число должно быть целым" (the price before the discount, 5..99 % above).
DiscountBase = Annotated[int, Field(gt=0)]
BestsellerMinimum = Annotated[Number, Field(gt=0, le=100_000_000)]


class OfferDefaultPriceDTO(Serve):  # OfferDefaultPriceDTO.yaml: updatedAt lives HERE
    minimumForBestseller: BestsellerMinimum | None = None
    excludedFromBestsellers: bool | None = None
    value: Positive | None = None
    currencyId: CurrencyType | None = None
    discountBase: Annotated[Number, Field(gt=0)] | None = None
    updatedAt: DateTime | None = None


class OfferDefaultPriceResponseDTO(Serve):  # OfferDefaultPriceResponseDTO.yaml
    offerId: ShopSku
    price: OfferDefaultPriceDTO | None = None


class OfferDefaultPriceListResponseDTO(Serve):  # OfferDefaultPriceListResponseDTO.yaml
    offers: list[OfferDefaultPriceResponseDTO]
    paging: PagerDTO | None = None


class GetDefaultPricesResponse(Serve):  # GetDefaultPricesResponse.yaml
    status: ApiResponseStatusType
    result: OfferDefaultPriceListResponseDTO | None = None


class UpdateBusinessPricesDTO(Send):
    """UpdateBusinessPricesDTO.yaml. Without ``minimumForBestseller`` the value set before is
    erased ("Не передать этот параметр. Удалится значение, которое вы указали ранее")."""

    value: Positive
    currencyId: CurrencyType
    discountBase: DiscountBase | None = None
    minimumForBestseller: BestsellerMinimum | None = None


class UpdateBusinessOfferPriceDTO(Send):  # UpdateBusinessOfferPriceDTO.yaml
    offerId: ShopSku
    price: UpdateBusinessPricesDTO


class UpdateBusinessPricesRequest(Send):  # UpdateBusinessPricesRequest.yaml
    offers: list[UpdateBusinessOfferPriceDTO] = Field(min_length=1, max_length=500)


# -- getOfferMappings (the product binding: offerId ↔ marketSku) --------------------------
class MappingsQuery(Query):  # AliasedPageToken, PageLimit100Truncate, CatalogLanguage
    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = Field(None, ge=1, le=100)
    language: str | None = None


class GetOfferMappingsRequest(Send):  # GetOfferMappingsRequest.yaml
    offerIds: list[ShopSku] | None = Field(None, min_length=1, max_length=100)
    cardStatuses: list[OfferCardStatusType] | None = Field(None, min_length=1)
    categoryIds: list[Annotated[int, Field(ge=0)]] | None = Field(None, min_length=1)
    vendorNames: list[str] | None = Field(None, min_length=1)
    tags: list[str] | None = Field(None, min_length=1)
    archived: bool | None = None


class GetPriceWithDiscountDTO(Serve):  # GetPriceWithDiscountDTO.yaml
    value: Positive
    currencyId: CurrencyType
    discountBase: Annotated[Number, Field(gt=0)] | None = None
    updatedAt: DateTime


class GetPriceDTO(Serve):  # GetPriceDTO.yaml
    value: Positive
    currencyId: CurrencyType
    updatedAt: DateTime


class OfferCampaignStatusDTO(Serve):  # OfferCampaignStatusDTO.yaml
    campaignId: CampaignId
    status: OfferCampaignStatusType


class OfferSellingProgramDTO(Serve):  # OfferSellingProgramDTO.yaml
    sellingProgram: SellingProgramType
    status: OfferSellingProgramStatusType


class GetOfferDTO(Serve):
    """GetOfferDTO.yaml = BaseOfferResponseDTO.yaml + prices, statuses, archive flag."""

    offerId: ShopSku
    name: str | None = None
    marketCategoryId: Annotated[int, Field(ge=0)] | None = None
    category: str | None = None  # deprecated
    pictures: list[str] | None = Field(None, min_length=1)
    videos: list[str] | None = Field(None, min_length=1)
    manuals: Loose = None
    vendor: str | None = None
    barcodes: list[str] | None = Field(None, min_length=1)
    description: str | None = None
    manufacturerCountries: list[str] | None = Field(None, min_length=1)
    weightDimensions: Loose = None
    vendorCode: str | None = None
    tags: list[str] | None = Field(None, min_length=1, max_length=50)
    shelfLife: Loose = None
    lifeTime: Loose = None
    guaranteePeriod: Loose = None
    customsCommodityCode: str | None = None  # deprecated
    commodityCodes: Loose = None
    certificates: list[str] | None = Field(None, min_length=1)
    boxCount: Annotated[int, Field(ge=1)] | None = None
    condition: Loose = None
    type: str | None = None  # OfferType
    downloadable: bool | None = None
    adult: bool | None = None
    age: Loose = None
    params: Loose = None  # deprecated
    basicPrice: GetPriceWithDiscountDTO | None = None
    purchasePrice: GetPriceDTO | None = None
    additionalExpenses: GetPriceDTO | None = None
    cardStatus: OfferCardStatusType | None = None
    campaigns: list[OfferCampaignStatusDTO] | None = Field(None, min_length=1)
    sellingPrograms: list[OfferSellingProgramDTO] | None = Field(None, min_length=1)
    mediaFiles: Loose = None
    archived: bool | None = None
    groupId: str | None = None


class GetMappingDTO(Serve):  # GetMappingDTO.yaml: the Market's product card
    marketSku: Annotated[int, Field(ge=1)] | None = None
    marketSkuName: str | None = None
    marketModelName: str | None = None  # deprecated
    marketCategoryId: int | None = None
    marketCategoryName: str | None = None


class GetOfferMappingDTO(Serve):  # GetOfferMappingDTO.yaml
    offer: GetOfferDTO | None = None
    mapping: GetMappingDTO | None = None
    showcaseUrls: Loose = None


class GetOfferMappingsResultDTO(Serve):  # GetOfferMappingsResultDTO.yaml
    paging: PagerDTO | None = None
    offerMappings: list[GetOfferMappingDTO]


class GetOfferMappingsResponse(Serve):  # GetOfferMappingsResponse.yaml
    status: ApiResponseStatusType
    result: GetOfferMappingsResultDTO | None = None
