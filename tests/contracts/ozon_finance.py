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
