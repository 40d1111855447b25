"""Contract of the Wildberries realization report mpsync reads (the ``finance`` stream).

Source: ``eslazarev/wildberries-sdk:specs/13-finances.yaml`` at ``aa34039``,
``GET /api/v5/supplier/reportDetailByPeriod`` on statistics-api: query ``dateFrom``,
``dateTo`` (required, RFC 3339 or a date, Moscow time), ``limit`` (≤ 100,000), ``rrdid``,
``period`` (weekly | daily); 200 a list of ``DetailReportItem`` (no field required), 204
"Нет данных", 400 ``response400rDBP``, 401/429 the gateway's envelope.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, RootModel

from tests.contracts.registry import Endpoint, RequestModel, ResponseModel
from tests.contracts.wildberries import GATEWAY, source

FINANCES = "specs/13-finances.yaml"
REPORT = "/api/v5/supplier/reportDetailByPeriod"
REPORT_LIMIT = "1 request/min per seller account, interval 1 min, burst 1"


def _moment(value: str) -> str:
    # "Можно передать дату или дату со временем", seconds or milliseconds, Moscow time.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?", value):
        raise ValueError(f"not a date or a date-time: {value!r}")
    datetime.fromisoformat(value)
    return value


Moment = Annotated[str, AfterValidator(_moment)]


class ReportQuery(RequestModel):
    dateFrom: Moment
    dateTo: Moment
    limit: Annotated[int, Field(ge=1, le=100_000)] | None = None
    rrdid: Annotated[int, Field(ge=0)] | None = None
    period: Literal["weekly", "daily"] | None = None


class DetailReportItem(ResponseModel):
    realizationreport_id: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    create_dt: str | None = None
    currency_name: str | None = None
    suppliercontract_code: Any | None = None
    rrd_id: int | None = None
    gi_id: int | None = None
    dlv_prc: Decimal | None = None
    fix_tariff_date_from: str | None = None
    fix_tariff_date_to: str | None = None
    subject_name: str | None = None
    nm_id: int | None = None
    brand_name: str | None = None
    sa_name: str | None = None
    ts_name: str | None = None
    barcode: str | None = None
    doc_type_name: str | None = None
    quantity: int | None = None
    retail_price: Decimal | None = None
    retail_amount: Decimal | None = None
    sale_percent: int | None = None
    commission_percent: Decimal | None = None
    office_name: str | None = None
    supplier_oper_name: str | None = None
    order_dt: str | None = None
    sale_dt: str | None = None
    rr_dt: str | None = None
    shk_id: int | None = None
    retail_price_withdisc_rub: Decimal | None = None
    delivery_amount: int | None = None
    return_amount: int | None = None
    delivery_rub: Decimal | None = None
    gi_box_type_name: str | None = None
    product_discount_for_report: Decimal | None = None
    supplier_promo: Decimal | None = None
    ppvz_spp_prc: Decimal | None = None
    ppvz_kvw_prc_base: Decimal | None = None
    ppvz_kvw_prc: Decimal | None = None
    sup_rating_prc_up: Decimal | None = None
    is_kgvp_v2: Decimal | None = None
    ppvz_sales_commission: Decimal | None = None
    ppvz_for_pay: Decimal | None = None
    ppvz_reward: Decimal | None = None
    acquiring_fee: Decimal | None = None
    acquiring_percent: Decimal | None = None
    payment_processing: str | None = None
    acquiring_bank: str | None = None
    ppvz_vw: Decimal | None = None
    ppvz_vw_nds: Decimal | None = None
    ppvz_office_name: str | None = None
    ppvz_office_id: int | None = None
    ppvz_supplier_id: int | None = None
    ppvz_supplier_name: str | None = None
    ppvz_inn: str | None = None
    declaration_number: str | None = None
    bonus_type_name: str | None = None
    sticker_id: str | None = None
    site_country: str | None = None
    srv_dbs: bool | None = None
    penalty: Decimal | None = None
    additional_payment: Decimal | None = None
    rebill_logistic_cost: Decimal | None = None
    rebill_logistic_org: str | None = None
    storage_fee: Decimal | None = None
    deduction: Decimal | None = None
    acceptance: Decimal | None = None
    assembly_id: int | None = None
    kiz: str | None = None
    srid: str | None = None
    report_type: int | None = None
    is_legal_entity: bool | None = None
    trbx_id: str | None = None
    installment_cofinancing_amount: Decimal | None = None
    wibes_wb_discount_percent: Decimal | None = None
    cashback_amount: Decimal | None = None
    cashback_discount: Decimal | None = None
    cashback_commission_change: Decimal | None = None
    order_uid: str | None = None
    payment_schedule: Decimal | None = None
    delivery_method: str | None = None


class DetailReport(RootModel[list[DetailReportItem]]):
    pass


class ReportError(ResponseModel):
    """``components/responses/response400rDBP``."""

    status: int | None = None
    title: str | None = None
    detail: str | None = None
    request_id: str | None = None
    origin: str | None = None


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "wildberries",
        "GET",
        REPORT,
        source(FINANCES, "#/paths/~1api~1v5~1supplier~1reportDetailByPeriod/get"),
        query=ReportQuery,
        responses={200: DetailReport, 204: None, 400: ReportError, **GATEWAY},
        limits=REPORT_LIMIT,
    ),
]
