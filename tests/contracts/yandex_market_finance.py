"""Contract of Yandex Market's order stats, read as the ``finance`` stream.

Source: ``openapi/paths/v2_campaigns_campaignId_stats_orders.yaml`` (getOrdersStats) and
``openapi/components/schemas/GetOrdersStatsRequest.yaml``, ``OrdersStats*.yaml`` at the
commit of ``yandex_market``. ``limit``: PageLimit200.yaml; ``dateFrom``/``dateTo`` and
``updateFrom``/``updateTo`` are dates that may not be mixed. ``statusUpdateDate`` is
"ISO 8601 … Часовой пояс — UTC+03:00", written as the description's ``2017-11-21T00:00:00``:
no offset.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tests.contracts.registry import Endpoint, Source
from tests.contracts.yandex_market_enums import ApiResponseStatusType, CurrencyType
from tests.contracts.yandex_market_models import (
    ApiErrorResponse,
    Date,
    Loose,
    Number,
    PagerDTO,
    Query,
    Send,
    Serve,
    ShopSku,
)

REPO = "yandex-market/yandex-market-partner-api"
COMMIT = "1318e9b848591f069059eeebf777f1f5bb439743"
CommissionType = Literal[
    "FEE", "FULFILLMENT", "LOYALTY_PARTICIPATION_FEE", "AUCTION_PROMOTION", "INSTALLMENT",
    "DELIVERY_TO_CUSTOMER", "EXPRESS_DELIVERY_TO_CUSTOMER", "AGENCY", "PAYMENT_TRANSFER",
    "RETURNED_ORDERS_STORAGE", "SORTING", "INTAKE_SORTING", "RETURN_PROCESSING",
    "ILLIQUID_GOODS_SALE", "CROSSREGIONAL_DELIVERY", "FULFILLMENT_WITHDRAW", "ITEM_BOOKING",
]  # fmt: skip
StatsStatus = Literal[
    "CANCELLED_BEFORE_PROCESSING", "CANCELLED_IN_DELIVERY", "CANCELLED_IN_PROCESSING",
    "DELIVERY", "DELIVERED", "PARTIALLY_DELIVERED", "PARTIALLY_RETURNED", "PENDING", "PICKUP",
    "PROCESSING", "RESERVED", "RETURNED", "UNKNOWN", "UNPAID", "LOST",
]  # fmt: skip


class StatsQuery(Query):  # AliasedPageToken.yaml, PageLimit200.yaml
    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = Field(None, ge=1, le=200)


class GetOrdersStatsRequest(Send):  # GetOrdersStatsRequest.yaml
    dateFrom: Date | None = None
    dateTo: Date | None = None
    updateFrom: Date | None = None
    updateTo: Date | None = None
    orders: list[int] | None = Field(None, min_length=1)
    statuses: list[StatsStatus] | None = Field(None, min_length=1)
    hasCis: bool | None = None


class OrdersStatsPriceDTO(Serve):
    type: Literal["BUYER", "CASHBACK", "MARKETPLACE"] | None = None
    costPerItem: Number | None = None
    total: Number | None = None


class OrdersStatsItemDTO(Serve):
    offerName: str | None = None
    marketSku: int | None = None
    shopSku: ShopSku | None = None
    count: int | None = None
    prices: list[OrdersStatsPriceDTO] | None = Field(None, min_length=1)
    warehouse: Loose = None
    details: Loose = None
    cisList: list[str] | None = None
    initialCount: int | None = None
    bidFee: int | None = Field(None, ge=0, le=10_000)
    cofinanceThreshold: Number | None = None
    cofinanceValue: Number | None = None


class OrdersStatsCommissionDTO(Serve):
    type: CommissionType | None = None
    actual: Number | None = None


class OrdersStatsPaymentDTO(Serve):
    id: str | None = None
    date: Date | None = None
    type: Literal["PAYMENT", "REFUND"] | None = None
    source: Literal["BUYER", "CASHBACK", "MARKETPLACE", "MARKET_CESSION", "SPLIT"] | None = None
    total: Number | None = None
    paymentOrder: Loose = None


class OrdersStatsSubsidyDTO(Serve):
    operationType: Literal["ACCRUAL", "DEDUCTION"]
    type: Literal["YANDEX_CASHBACK", "SUBSIDY", "DELIVERY"]
    amount: Number


class OrdersStatsOrderDTO(Serve):
    id: int | None = None
    creationDate: Date | None = None
    statusUpdateDate: str | None = None
    status: StatsStatus | None = None
    partnerOrderId: str | None = None
    paymentType: Literal["POSTPAID", "PREPAID", "UNKNOWN"] | None = None
    fake: bool | None = None
    deliveryRegion: Loose = None
    items: list[OrdersStatsItemDTO]
    initialItems: list[OrdersStatsItemDTO] | None = None
    payments: list[OrdersStatsPaymentDTO]
    commissions: list[OrdersStatsCommissionDTO]
    subsidies: list[OrdersStatsSubsidyDTO] | None = None
    currency: CurrencyType


class OrdersStatsDTO(Serve):
    orders: list[OrdersStatsOrderDTO]
    paging: PagerDTO | None = None


class GetOrdersStatsResponse(Serve):
    status: ApiResponseStatusType
    result: OrdersStatsDTO | None = None


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "yandex_market", "POST", "/v2/campaigns/{campaignId}/stats/orders",
        Source(REPO, "openapi/paths/v2_campaigns_campaignId_stats_orders.yaml", COMMIT,
               "#getOrdersStats"),
        query=StatsQuery, body=GetOrdersStatsRequest,
        responses={200: GetOrdersStatsResponse,
                   **dict.fromkeys((400, 401, 403, 420, 500), ApiErrorResponse)},
        limits="10,000 requests/hour (none and medium); 200 orders a request",
    ),
]  # fmt: skip


# -- GET /v2/campaigns/{campaignId}/returns (the returns stream) -------------------------
class ReturnsQuery(Query):  # AliasedPageToken.yaml, PageLimit100Truncate.yaml, the filters
    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = None  # truncated to 100, never refused
    orderIds: str | None = None
    statuses: str | None = None
    shipmentStatuses: str | None = None
    type: Literal["UNREDEEMED", "RETURN"] | None = None
    fromDate: Date | None = None
    toDate: Date | None = None


class CurrencyValue(Serve):  # CurrencyValueDTO.yaml
    value: Number
    currencyId: CurrencyType


class ReturnDecisionDTO(Serve):
    returnItemId: int | None = None
    count: int | None = None
    comment: str | None = None
    reasonType: str | None = None
    subreasonType: str | None = None
    decisionType: str | None = None
    refundAmount: int | None = None
    amount: CurrencyValue | None = None
    partnerCompensation: int | None = None
    partnerCompensationAmount: CurrencyValue | None = None
    images: list[str] | None = None


class ReturnItemDTO(Serve):
    marketSku: int | None = None
    shopSku: ShopSku
    count: int
    decisions: list[ReturnDecisionDTO] | None = None
    instances: Loose = None
    tracks: Loose = None


class ReturnDTO(Serve):
    id: int
    orderId: int
    creationDate: str | None = None
    updateDate: str | None = None
    refundStatus: str | None = None
    logisticPickupPoint: Loose = None
    pickupTillDate: str | None = None
    shipmentRecipientType: str | None = None
    shipmentStatus: str | None = None
    refundAmount: int | None = None
    amount: CurrencyValue | None = None
    items: list[ReturnItemDTO]
    returnType: Literal["UNREDEEMED", "RETURN"]
    fastReturn: bool | None = None


class PagedReturnsDTO(Serve):
    paging: PagerDTO | None = None
    returns: list[ReturnDTO]


class GetReturnsResponse(Serve):
    status: ApiResponseStatusType
    result: PagedReturnsDTO | None = None


ENDPOINTS.append(
    Endpoint(
        "yandex_market", "GET", "/v2/campaigns/{campaignId}/returns",
        Source(REPO, "openapi/paths/v2_campaigns_campaignId_returns.yaml", COMMIT,
               "#getReturns"),
        query=ReturnsQuery,
        responses={200: GetReturnsResponse,
                   **dict.fromkeys((400, 401, 403, 404, 420, 500), ApiErrorResponse)},
        limits="5,000 requests/hour (none and medium); 100 returns a request",
    )
)  # fmt: skip
