"""Contracts of the Ozon finance transactions mpsync reads (the ``finance`` stream) and the
totals ``mpsync finance reconcile`` compares with.

Source: ``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json`` (``OLDER``),
``POST /v3/finance/transaction/list`` ("Список транзакций": one month at most per request,
sequential requests) and ``POST /v3/finance/transaction/totals``. ``filter.date.from``/``to``
are ``YYYY-MM-DDTHH:mm:ss.sssZ``; ``operation_date`` is written ``"2021-11-01 00:00:00"`` in
the official example (no zone: Moscow time); amounts are JSON numbers in rubles.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StrictInt

from tests.contracts.ozon_types import ERRORS, DateTime, older
from tests.contracts.registry import Endpoint, RequestModel, ResponseModel

Number = StrictInt | Decimal
LIST = "/v3/finance/transaction/list"
TOTALS = "/v3/finance/transaction/totals"
TransactionType = str  # all | orders | returns | services | compensation | transferDelivery | other


class Period(RequestModel):
    from_: DateTime = Field(alias="from")
    to: DateTime


class ListFilter(RequestModel):
    date: Period | None = None
    operation_type: list[str] | None = None
    posting_number: str | None = None
    transaction_type: TransactionType | None = None


class ListRequest(RequestModel):
    filter: ListFilter | None = None
    page: Annotated[int, Field(ge=1)]
    page_size: Annotated[int, Field(ge=1, le=1000)]


class Item(ResponseModel):
    name: str | None = None
    sku: StrictInt | None = None


class Posting(ResponseModel):
    delivery_schema: str | None = None
    order_date: str | None = None
    posting_number: str | None = None
    warehouse_id: StrictInt | None = None


class Service(ResponseModel):
    name: str | None = None
    price: Number | None = None


class Operation(ResponseModel):
    accruals_for_sale: Number | None = None
    amount: Number | None = None
    delivery_charge: Number | None = None
    items: list[Item] | None = None
    operation_date: str | None = None
    operation_id: StrictInt | None = None
    operation_type: str | None = None
    operation_type_name: str | None = None
    posting: Posting | None = None
    return_delivery_charge: Number | None = None
    sale_commission: Number | None = None
    services: list[Service] | None = None
    type: str | None = None


class ListResult(ResponseModel):
    operations: list[Operation] | None = None
    page_count: StrictInt | None = None
    row_count: StrictInt | None = None


class ListResponse(ResponseModel):
    result: ListResult | None = None


class TotalsRequest(RequestModel):
    date: Period | None = None
    posting_number: str | None = None
    transaction_type: TransactionType | None = None


class Totals(ResponseModel):
    accruals_for_sale: Number | None = None
    compensation_amount: Number | None = None
    money_transfer: Number | None = None
    others_amount: Number | None = None
    processing_and_delivery: Number | None = None
    refunds_and_cancellations: Number | None = None
    sale_commission: Number | None = None
    services_amount: Number | None = None


class TotalsResponse(ResponseModel):
    result: Totals | None = None


LIMITS = "50 requests/s per Client-Id (all methods); one request at a time, a month at most"
ENDPOINTS: list[Endpoint] = [
    Endpoint("ozon", "POST", LIST, older("#/paths/~1v3~1finance~1transaction~1list/post"),
             body=ListRequest, responses={200: ListResponse, **ERRORS}, limits=LIMITS),
    Endpoint("ozon", "POST", TOTALS, older("#/paths/~1v3~1finance~1transaction~1totals/post"),
             body=TotalsRequest, responses={200: TotalsResponse, **ERRORS}, limits=LIMITS),
]  # fmt: skip


# -- POST /v1/returns/list (the returns stream) ------------------------------------------
class TimeRange(RequestModel):
    time_from: DateTime | None = None
    time_to: DateTime | None = None


class ReturnsFilter(RequestModel):
    """ "Используйте только один фильтр в запросе" among the three dates."""

    logistic_return_date: TimeRange | None = None
    storage_tariffication_start_date: TimeRange | None = None
    visual_status_change_moment: TimeRange | None = None
    order_id: StrictInt | None = None
    posting_numbers: list[str] | None = Field(None, max_length=50)
    product_name: str | None = None
    offer_id: str | None = None
    visual_status_name: str | None = None
    warehouse_id: StrictInt | None = None
    barcode: str | None = None
    return_schema: str | None = None


class ReturnsRequest(RequestModel):
    filter: ReturnsFilter | None = None
    limit: Annotated[int, Field(ge=1, le=500)]
    last_id: StrictInt | None = None


class Money(ResponseModel):
    currency_code: str | None = None
    price: Number | None = None


class ReturnProduct(ResponseModel):
    sku: StrictInt | None = None
    offer_id: str | None = None
    name: str | None = None
    price: Money | None = None
    price_without_commission: Money | None = None
    commission_percent: Number | None = None
    commission: Money | None = None
    quantity: StrictInt | None = None


class ReturnStatus(ResponseModel):
    id: StrictInt | None = None
    display_name: str | None = None
    sys_name: str | None = None


class ReturnVisual(ResponseModel):
    status: ReturnStatus | None = None
    change_moment: DateTime | None = None


class ReturnLogistic(ResponseModel):
    technical_return_moment: DateTime | None = None
    final_moment: DateTime | None = None
    cancelled_with_compensation_moment: DateTime | None = None
    return_date: DateTime | None = None
    barcode: str | None = None


class ReturnItem(ResponseModel):
    exemplars: list[dict[str, object]] | None = None
    id: StrictInt | None = None
    company_id: StrictInt | None = None
    return_reason_name: str | None = None
    type: str | None = None  # Cancellation | FullReturn | PartialReturn | ClientReturn | Unknown
    schema_: str | None = Field(None, alias="schema")
    order_id: StrictInt | None = None
    order_number: str | None = None
    place: dict[str, object] | None = None
    target_place: dict[str, object] | None = None
    storage: dict[str, object] | None = None
    product: ReturnProduct | None = None
    logistic: ReturnLogistic | None = None
    visual: ReturnVisual | None = None
    additional_info: dict[str, object] | None = None
    source_id: StrictInt | None = None
    posting_number: str | None = None
    clearing_id: StrictInt | None = None
    return_clearing_id: StrictInt | None = None


class ReturnsResponse(ResponseModel):
    returns: list[ReturnItem] | None = None
    has_next: bool | None = None


ENDPOINTS.append(
    Endpoint(
        "ozon",
        "POST",
        "/v1/returns/list",
        older("#/paths/~1v1~1returns~1list/post"),
        body=ReturnsRequest,
        responses={200: ReturnsResponse, **ERRORS},
        limits="50 requests/s per Client-Id (all methods); limit ≤ 500",
    )
)


# -- POST /v2/returns/rfbs/list (the returns stream's rFBS phase) ------------------------
class CreatedAt(RequestModel):
    from_: DateTime | None = Field(None, alias="from")
    to: DateTime | None = None


class RfbsFilter(RequestModel):
    offer_id: str | None = None
    posting_number: str | None = None
    group_state: list[str] | None = None
    created_at: CreatedAt | None = None


class RfbsRequest(RequestModel):
    filter: RfbsFilter | None = None
    last_id: StrictInt | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] | None = None


class RfbsProduct(ResponseModel):
    name: str | None = None
    offer_id: str | None = None
    currency_code: str | None = None
    price: str | None = None
    sku: StrictInt | None = None


class RfbsState(ResponseModel):
    group_state: str | None = None
    money_return_state_name: str | None = None
    state: str | None = None
    state_name: str | None = None


class RfbsReturn(ResponseModel):
    client_name: str | None = None
    created_at: DateTime | None = None
    order_number: str | None = None
    posting_number: str | None = None
    product: RfbsProduct | None = None
    return_id: StrictInt | None = None
    return_number: str | None = None
    state: RfbsState | None = None


class RfbsResponse(ResponseModel):
    """``returns`` is one object in the swagger (``ReturnsRfbsListResponseReturns``); a
    list of them is what a listing of requests answers: both are accepted."""

    returns: RfbsReturn | list[RfbsReturn] | None = None


ENDPOINTS.append(
    Endpoint(
        "ozon",
        "POST",
        "/v2/returns/rfbs/list",
        older("#/paths/~1v2~1returns~1rfbs~1list/post"),
        body=RfbsRequest,
        responses={200: RfbsResponse, **ERRORS},
        limits="50 requests/s per Client-Id (all methods)",
    )
)
