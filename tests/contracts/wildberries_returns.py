"""Contract of the Wildberries goods-return report mpsync reads (the ``returns`` stream).

Source: ``eslazarev/wildberries-sdk:specs/12-reports.yaml`` at ``aa34039``,
``GET /api/v1/analytics/goods-return`` on seller-analytics-api: ``dateFrom``/``dateTo``
(required dates, 31 days at most); 200 ``{report: [...]}``; 400 a problem+json body
(not checked here: error answers are the fault tests'); 401/429 the gateway's envelope.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tests.contracts.registry import Endpoint, RequestModel, ResponseModel
from tests.contracts.wildberries import GATEWAY, source

REPORTS = "specs/12-reports.yaml"
PATH = "/api/v1/analytics/goods-return"
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class GoodsReturnQuery(RequestModel):
    dateFrom: Day
    dateTo: Day


class GoodsReturnRow(ResponseModel):
    barcode: str | None = None
    brand: str | None = None
    completedDt: str | None = None
    dstOfficeAddress: str | None = None
    dstOfficeId: int | None = None
    expiredDt: str | None = None
    isStatusActive: int | None = None
    nmId: int | None = None
    orderDt: str | None = None
    orderId: int | None = None
    readyToReturnDt: str | None = None
    reason: str | None = None
    returnType: str | None = None
    shkId: int | None = None
    srid: str | None = None
    status: str | None = None
    stickerId: str | None = None
    subjectName: str | None = None
    techSize: str | None = None


class GoodsReturnReport(ResponseModel):
    report: list[GoodsReturnRow] | None = None


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "wildberries",
        "GET",
        PATH,
        source(REPORTS, "#/paths/~1api~1v1~1analytics~1goods-return/get"),
        query=GoodsReturnQuery,
        responses={200: GoodsReturnReport, **GATEWAY},
        limits="1 request/min per seller account, interval 1 min, burst 10; 31 days at most",
    ),
]
