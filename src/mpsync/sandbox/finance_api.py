"""The sandbox's finance endpoints, rendered from ``mpsync.sandbox.money``:

* WB ``GET /api/v5/supplier/reportDetailByPeriod`` (13-finances.yaml): rows by ``rrd_id``,
  ``rrdid`` paging, 204 when nothing is left, ``limit`` ≤ 100,000, 1 request/min.
* Ozon ``POST /v3/finance/transaction/list`` and ``/totals`` (swagger): at most one month
  per request, ``page``/``page_size``, ``page_count``.
* YM ``POST /v2/campaigns/{campaignId}/stats/orders`` (getOrdersStats): by update date,
  ``pageToken``/``limit`` ≤ 200.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from mpsync.sandbox import ids
from mpsync.sandbox.http import ApiError, Ctx, Reply, integer, obj
from mpsync.sandbox.money import (
    DAY,
    MSK,
    OrderMoney,
    all_money,
    moscow_date,
    moscow_text,
    rate,
    storage_days,
)
from mpsync.sandbox.state import money_number as rub

WB_REPORT_LIMIT = 100_000
STORAGE_RRD = 9_000_000_000
OZON_PAGE_MAX = 1_000
YM_PAGE_MAX = 200
PENALTY_OP = "OperationMarketplaceWithHoldingForUndeliverableGoods"
REVERSE_SERVICE = "MarketplaceServiceItemReturnFlowLogistic"


# -- Wildberries ---------------------------------------------------------------------------
def _wb_base(ctx: Ctx, money: OrderMoney, at: int) -> dict[str, Any]:
    world, seed, row = ctx.state.world, ctx.state.config.seed, money.row
    line = money.lines[0]
    product = line.product
    week = _monday(at)
    return {
        "realizationreport_id": 1_000 + week // (7 * DAY), "date_from": moscow_date(week),
        "date_to": moscow_date(week + 6 * DAY), "create_dt": moscow_date(week + 7 * DAY),
        "currency_name": "руб", "suppliercontract_code": None, "gi_id": 0,
        "subject_name": product.name.split()[-1], "nm_id": product.nm_id, "brand_name": "Sandbox",
        "sa_name": product.sku, "ts_name": "0", "barcode": product.barcode, "doc_type_name": "",
        "quantity": 0, "retail_price": rub(line.unit_price_kop), "retail_amount": 0,
        "sale_percent": 0, "commission_percent": rate(line), "office_name": "Подольск",
        "supplier_oper_name": "", "order_dt": _z(world.tables["wildberries"].created[row]),
        "sale_dt": _z(money.delivered_at), "rr_dt": moscow_date(at), "shk_id": row,
        "retail_price_withdisc_rub": rub(line.unit_price_kop), "delivery_amount": 0,
        "return_amount": 0, "delivery_rub": 0, "ppvz_for_pay": 0, "penalty": 0,
        "additional_payment": 0, "storage_fee": 0, "deduction": 0, "acceptance": 0,
        "rebill_logistic_cost": 0, "bonus_type_name": "", "site_country": "Россия",
        "srv_dbs": False, "report_type": 1, "is_legal_entity": False,
        "assembly_id": ids.wb_task_id(row), "srid": ids.wb_rid(seed, row),
        "order_uid": ids.wb_order_uid(seed, world.tables["wildberries"].group[row]),
        "delivery_method": "FBS", "cashback_amount": 0, "cashback_discount": 0,
        "cashback_commission_change": 0,
    }  # fmt: skip


def _wb_rows(ctx: Ctx) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(rrd_id, epoch, row) of every report row, money first, then storage."""
    world = ctx.state.world
    for money in all_money(world, ctx.state.config.seed, "wildberries"):
        row = money.row * 8 + 10_000_000
        at = money.delivered_at
        base = _wb_base(ctx, money, at)
        yield row, at, {**base, "doc_type_name": "Продажа", "supplier_oper_name": "Продажа",
                        "quantity": 1, "retail_amount": rub(money.sale),
                        "ppvz_for_pay": rub(money.sale - money.commission)}  # fmt: skip
        yield row + 1, at, {**base, "supplier_oper_name": "Логистика", "delivery_amount": 1,
                            "delivery_rub": rub(money.logistics)}  # fmt: skip
        if money.penalty:
            yield row + 2, at, {**base, "supplier_oper_name": "Штраф",
                                "penalty": rub(money.penalty),
                                "bonus_type_name": "Штраф за нарушение сроков сборки"}  # fmt: skip
        refund = money.refund
        if refund is not None:
            back = _wb_base(ctx, money, refund.at)
            yield row + 3, refund.at, {
                **back, "doc_type_name": "Возврат", "supplier_oper_name": "Возврат",
                "quantity": 1, "retail_amount": rub(refund.amount),
                "ppvz_for_pay": rub(refund.amount - refund.commission)}  # fmt: skip
            yield row + 4, refund.at, {**back, "supplier_oper_name": "Логистика",
                                       "return_amount": 1,
                                       "delivery_rub": rub(refund.reverse_logistics)}  # fmt: skip
    for day, amount in storage_days(world):
        at = day + 12 * 3600
        yield STORAGE_RRD + day // DAY, at, {
            "realizationreport_id": 1_000 + _monday(at) // (7 * DAY), "currency_name": "руб",
            "rrd_id": 0, "doc_type_name": "", "supplier_oper_name": "Хранение",
            "rr_dt": moscow_date(at), "storage_fee": rub(amount), "ppvz_for_pay": 0,
            "retail_amount": 0, "delivery_rub": 0, "penalty": 0, "deduction": 0,
            "acceptance": 0, "additional_payment": 0, "nm_id": 0, "sa_name": "",
            "assembly_id": 0, "srid": "", "quantity": 0, "report_type": 1,
        }  # fmt: skip


def _monday(epoch: int) -> int:
    day = (epoch + MSK.seconds) // DAY
    return (day - (day + 3) % 7) * DAY - MSK.seconds  # 1970-01-01 was a Thursday


def _z(epoch: int) -> str:
    return f"{moscow_text(epoch - MSK.seconds).replace(' ', 'T')}Z"


def _wb_day(value: str | None, name: str) -> date:
    if not value:
        raise ApiError(400, f"GetReportDetailByPeriodNB decode error: missing {name} params")
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise ApiError(400, f"GetReportDetailByPeriodNB decode error: bad {name}") from None


def wb_report(ctx: Ctx) -> Reply:
    start = _wb_day(ctx.query("dateFrom"), "dateFrom")
    end = _wb_day(ctx.query("dateTo"), "dateTo")
    limit = integer(ctx.query("limit") or WB_REPORT_LIMIT, "limit")
    after = integer(ctx.query("rrdid") or 0, "rrdid")
    if not 1 <= limit <= WB_REPORT_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {WB_REPORT_LIMIT}")
    rows = []
    for rrd_id, at, row in sorted(_wb_rows(ctx), key=lambda item: item[0]):
        if rrd_id > after and start <= date.fromisoformat(moscow_date(at)) <= end:
            rows.append({**row, "rrd_id": rrd_id})
            if len(rows) == limit:
                break
    return Reply(rows) if rows else Reply(None, 204)


# -- Ozon ----------------------------------------------------------------------------------
def _ozon_ops(ctx: Ctx) -> Iterator[tuple[int, int, dict[str, Any]]]:
    state = ctx.state
    world = state.world
    for money in all_money(world, state.config.seed, "ozon"):
        op_id = 20_000_000 + money.row * 8
        posting = {"delivery_schema": "FBS", "posting_number": state.external_id("ozon", money.row),
                   "order_date": moscow_text(world.tables["ozon"].created[money.row]),
                   "warehouse_id": world.warehouses.ozon_id}  # fmt: skip
        items = [{"name": line.product.name, "sku": line.product.ozon_sku} for line in money.lines]
        yield op_id, money.delivered_at, _ozon_op(
            op_id, money.delivered_at, "OperationAgentDeliveredToCustomer",
            "Доставка покупателю", "orders", posting, items, money.sale, -money.commission,
            [("MarketplaceServiceItemDirectFlowLogistic", -money.logistics)])  # fmt: skip
        if money.penalty:
            yield op_id + 1, money.delivered_at, _ozon_op(
                op_id + 1, money.delivered_at, PENALTY_OP, "Удержание за недовложение товара",
                "other", posting, items, 0, 0, [], -money.penalty)  # fmt: skip
        refund = money.refund
        if refund is not None:
            back = [{"name": line.product.name, "sku": line.product.ozon_sku}
                    for line, _, _ in refund.lines]  # fmt: skip
            yield op_id + 2, refund.at, _ozon_op(
                op_id + 2, refund.at, "ClientReturnAgentOperation",
                "Получение возврата, отмены, невыкупа от покупателя", "returns", posting, back,
                -refund.amount, refund.commission,
                [(REVERSE_SERVICE, -refund.reverse_logistics)])  # fmt: skip
    empty = {"delivery_schema": "", "order_date": "", "posting_number": "", "warehouse_id": 0}
    for day, amount in storage_days(world):
        at = day + 12 * 3600
        op_id = 90_000_000 + day // DAY
        yield op_id, at, _ozon_op(op_id, at, "OperationMarketplaceServiceStorage",
                                  "Услуга размещения товаров на складе", "services", empty, [],
                                  0, 0, [], -amount)  # fmt: skip


def _ozon_op(op_id: int, at: int, kind: str, name: str, category: str, posting: dict[str, Any],
             items: list[dict[str, Any]], accruals: int, commission: int,
             services: list[tuple[str, int]], extra: int = 0) -> dict[str, Any]:  # fmt: skip
    amount = accruals + commission + sum(price for _, price in services) + extra
    return {
        "operation_id": op_id, "operation_type": kind, "operation_date": moscow_text(at),
        "operation_type_name": name, "delivery_charge": 0, "return_delivery_charge": 0,
        "accruals_for_sale": rub(accruals), "sale_commission": rub(commission),
        "amount": rub(amount), "type": category, "posting": posting, "items": items,
        "services": [{"name": n, "price": rub(p)} for n, p in services],
    }  # fmt: skip


def _ozon_window(ctx: Ctx, body: dict[str, Any]) -> tuple[int, int]:
    dates = obj(obj(body.get("filter", body), "filter").get("date"), "filter.date")
    try:
        start = _epoch(dates["from"])
        end = _epoch(dates["to"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, "filter.date.from and filter.date.to are required") from None
    first = datetime.fromtimestamp(start, UTC)
    if end < start or end > _plus_month(first, start):
        raise ApiError(400, "the period must not exceed one month")
    return start, end


def _plus_month(first: datetime, start: int) -> int:
    """The same moment a calendar month later (the 31st → the month's last day)."""
    month = first.month % 12 + 1
    year = first.year + (first.month == 12)
    later = first.replace(
        year=year, month=month, day=min(first.day, calendar.monthrange(year, month)[1])
    )
    return start + int((later - first).total_seconds())


def _epoch(text: Any) -> int:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return int(moment.timestamp())


def ozon_transactions(ctx: Ctx) -> Reply:
    body = obj(ctx.body)
    start, end = _ozon_window(ctx, body)
    page = integer(body.get("page"), "page")
    size = integer(body.get("page_size"), "page_size")
    if page < 1 or not 1 <= size <= OZON_PAGE_MAX:
        raise ApiError(400, f"page must be >= 1 and page_size 1..{OZON_PAGE_MAX}")
    ops = [op for op_id, at, op in sorted(_ozon_ops(ctx), key=lambda item: item[0])
           if start <= at <= end]  # fmt: skip
    pages = (len(ops) + size - 1) // size
    chunk = ops[(page - 1) * size : page * size]
    return Reply({"result": {"operations": chunk, "page_count": pages, "row_count": len(ops)}})


def ozon_totals(ctx: Ctx) -> Reply:
    start, end = _ozon_window(ctx, obj(ctx.body))
    sums = {"accruals_for_sale": 0, "sale_commission": 0, "processing_and_delivery": 0,
            "refunds_and_cancellations": 0, "services_amount": 0, "compensation_amount": 0,
            "money_transfer": 0, "others_amount": 0}  # fmt: skip
    for _, at, op in _ozon_ops(ctx):
        if not start <= at <= end:
            continue
        cents = _kop(op["amount"])
        if op["type"] == "orders":
            sums["accruals_for_sale"] += _kop(op["accruals_for_sale"])
            sums["sale_commission"] += _kop(op["sale_commission"])
            sums["processing_and_delivery"] += cents - _kop(op["accruals_for_sale"]) - _kop(
                op["sale_commission"])  # fmt: skip
        elif op["type"] == "returns":
            sums["sale_commission"] += _kop(op["sale_commission"])
            sums["refunds_and_cancellations"] += cents - _kop(op["sale_commission"])
        elif op["type"] == "services":
            sums["services_amount"] += cents
        else:
            sums["others_amount"] += cents
    return Reply({"result": {name: rub(value) for name, value in sums.items()}})


def _kop(value: Any) -> int:
    return round(value * 100) if isinstance(value, float) else int(value) * 100


# -- Yandex Market -------------------------------------------------------------------------
def _ym_order(ctx: Ctx, money: OrderMoney) -> dict[str, Any]:
    world = ctx.state.world
    table, row = world.tables["yandex_market"], money.row
    raw = world.flows["yandex_market"].states[table.state[row]]
    refund = money.refund
    commissions = [{"type": "FEE", "actual": rub(money.commission -
                                                  (refund.commission if refund else 0))},
                   {"type": "DELIVERY_TO_CUSTOMER", "actual": rub(money.logistics)}]  # fmt: skip
    payments = [{"id": f"p{row}", "date": moscow_date(money.delivered_at), "type": "PAYMENT",
                 "source": "BUYER", "total": rub(money.sale)}]  # fmt: skip
    if refund is not None:
        commissions.append({"type": "RETURN_PROCESSING", "actual": rub(refund.reverse_logistics)})
        payments.append({"id": f"r{row}", "date": moscow_date(refund.at), "type": "REFUND",
                         "source": "BUYER", "total": rub(refund.amount)})  # fmt: skip
    return {
        "id": ids.ym_order_id(row), "creationDate": moscow_date(table.created[row]),
        "statusUpdateDate": moscow_text(table.updated[row]).replace(" ", "T"),
        "status": raw.status, "partnerOrderId": "", "paymentType": "PREPAID", "fake": False,
        "items": [{"offerName": line.product.name, "marketSku": line.product.nm_id,
                   "shopSku": line.product.sku, "count": line.quantity,
                   "prices": [{"type": "BUYER", "costPerItem": rub(line.unit_price_kop),
                               "total": rub(line.unit_price_kop * line.quantity)}]}
                  for line in money.lines],
        "payments": payments, "commissions": commissions, "currency": "RUR",
    }  # fmt: skip


def ym_stats(ctx: Ctx) -> Reply:
    body = obj(ctx.body or {})
    if ("dateFrom" in body or "dateTo" in body) and ("updateFrom" in body or "updateTo" in body):
        raise ApiError(400, "dateFrom/dateTo cannot be used with updateFrom/updateTo")
    limit = min(integer(ctx.query("limit") or 100, "limit"), YM_PAGE_MAX)
    offset = integer(ctx.query("pageToken") or ctx.query("page_token") or 0, "pageToken")
    world = ctx.state.world
    low, high = body.get("updateFrom"), body.get("updateTo")
    chosen = []
    for money in all_money(world, ctx.state.config.seed, "yandex_market"):
        day = moscow_date(world.tables["yandex_market"].updated[money.row])
        if (low is None or day >= low) and (high is None or day <= high):
            chosen.append(money)
    page = chosen[offset : offset + limit]
    paging = {"nextPageToken": str(offset + limit)} if offset + limit < len(chosen) else {}
    orders = [_ym_order(ctx, money) for money in page]
    return Reply({"status": "OK", "result": {"orders": orders, "paging": paging}})


# -- returns -------------------------------------------------------------------------------
def _refunds(ctx: Ctx, mp: str) -> list[OrderMoney]:
    world = ctx.state.world
    return [m for m in all_money(world, ctx.state.config.seed, mp) if m.refund is not None]


def wb_goods_return(ctx: Ctx) -> Reply:
    """``GET /api/v1/analytics/goods-return``: at most 31 days, by the return's date."""
    start = _wb_day(ctx.query("dateFrom"), "dateFrom")
    end = _wb_day(ctx.query("dateTo"), "dateTo")
    if (end - start).days > 30 or end < start:
        raise ApiError(400, "the period must not exceed 31 days")
    seed, report = ctx.state.config.seed, []
    for money in _refunds(ctx, "wildberries"):
        refund = money.refund
        assert refund is not None
        if not start <= date.fromisoformat(moscow_date(refund.at)) <= end:
            continue
        for line, _qty, _amount in refund.lines:
            report.append({
                "barcode": line.product.barcode, "brand": "Sandbox",
                "completedDt": moscow_text(refund.at).replace(" ", "T"),
                "dstOfficeAddress": "Подольск", "dstOfficeId": 1,
                "expiredDt": moscow_text(refund.at + 14 * DAY).replace(" ", "T"),
                "isStatusActive": 0, "nmId": line.product.nm_id,
                "orderDt": moscow_date(money.delivered_at), "orderId": ids.wb_task_id(money.row),
                "readyToReturnDt": moscow_text(refund.at).replace(" ", "T"),
                "reason": refund.reason, "returnType": "Возврат от покупателя",
                "shkId": 50_000_000 + money.row, "srid": ids.wb_rid(seed, money.row),
                "status": "Выдано продавцу", "stickerId": str(money.row),
                "subjectName": line.product.name.split()[-1], "techSize": "0",
            })  # fmt: skip
    return Reply({"report": report})


def ozon_returns(ctx: Ctx) -> Reply:
    """``POST /v1/returns/list``: one return per product, by status change time."""
    body = obj(ctx.body)
    moment = obj(obj(body.get("filter") or {}, "filter").get("visual_status_change_moment")
                 or {}, "filter.visual_status_change_moment")  # fmt: skip
    low = _epoch(moment["time_from"]) if moment.get("time_from") else None
    high = _epoch(moment["time_to"]) if moment.get("time_to") else None
    limit = integer(body.get("limit") or 500, "limit")
    after = integer(body.get("last_id") or 0, "last_id")
    if not 1 <= limit <= 500:
        raise ApiError(400, "limit must be 1..500")
    found = []
    for money in _refunds(ctx, "ozon"):
        refund = money.refund
        assert refund is not None
        if (low is not None and refund.at < low) or (high is not None and refund.at > high):
            continue
        for index, (line, qty, amount) in enumerate(refund.lines):
            found.append(_ozon_return(ctx, money, index, line, qty, amount))
    found = sorted((r for r in found if r["id"] > after), key=lambda r: r["id"])
    return Reply({"returns": found[:limit], "has_next": len(found) > limit})


def _ozon_return(ctx: Ctx, money: OrderMoney, index: int, line: Any, qty: int,
                 amount: int) -> dict[str, Any]:  # fmt: skip
    state, refund = ctx.state, money.refund
    assert refund is not None
    posting = state.external_id("ozon", money.row)
    at = _z(refund.at)
    price = {"currency_code": "RUB", "price": rub(amount)}
    return {
        "id": 30_000_000 + money.row * 8 + index, "company_id": 1,
        "return_reason_name": refund.reason, "type": "ClientReturn", "schema": "Fbs",
        "order_id": ids.ozon_order_id(state.world.tables["ozon"].group[money.row]),
        "order_number": posting.rsplit("-", 1)[0], "posting_number": posting,
        "product": {"sku": line.product.ozon_sku, "offer_id": line.product.sku,
                    "name": line.product.name, "price": price,
                    "price_without_commission": price,
                    "commission_percent": rate(line),
                    "commission": {"currency_code": "RUB",
                                   "price": rub((amount * rate(line) + 50) // 100)},
                    "quantity": qty},
        "logistic": {"return_date": at, "final_moment": at, "barcode": f"ii{money.row}"},
        "visual": {"status": {"id": 34, "display_name": "Получен продавцом",
                              "sys_name": "ReturnedToSeller"}, "change_moment": at},
        "exemplars": [], "source_id": 0, "clearing_id": 0, "return_clearing_id": None,
    }  # fmt: skip


def ym_returns(ctx: Ctx) -> Reply:
    """``GET /v2/campaigns/{campaignId}/returns``: by update date, ``limit`` ≤ 100."""
    low, high = ctx.query("fromDate"), ctx.query("toDate")
    limit = min(integer(ctx.query("limit") or 100, "limit"), 100)
    offset = integer(ctx.query("pageToken") or ctx.query("page_token") or 0, "pageToken")
    chosen = []
    for money in _refunds(ctx, "yandex_market"):
        refund = money.refund
        assert refund is not None
        day = moscow_date(refund.at)
        if (low is None or day >= low) and (high is None or day <= high):
            chosen.append(money)
    page = chosen[offset : offset + limit]
    paging = {"nextPageToken": str(offset + limit)} if offset + limit < len(chosen) else {}
    returns = [_ym_return(money) for money in page]
    return Reply({"status": "OK", "result": {"paging": paging, "returns": returns}})


def _ym_return(money: OrderMoney) -> dict[str, Any]:
    refund = money.refund
    assert refund is not None
    moment = moscow_text(refund.at).replace(" ", "T") + "+03:00"
    return {
        "id": 40_000_000 + money.row, "orderId": ids.ym_order_id(money.row),
        "creationDate": moment, "updateDate": moment, "refundStatus": "REFUNDED",
        "shipmentStatus": "RECEIVED", "amount": {"value": rub(refund.amount),
                                                  "currencyId": "RUR"},
        "items": [{"marketSku": line.product.nm_id, "shopSku": line.product.sku, "count": qty,
                   "decisions": [{"count": qty, "reasonType": "BAD_QUALITY",
                                  "comment": refund.reason}]}
                  for line, qty, _ in refund.lines],
        "returnType": "RETURN", "fastReturn": False,
    }  # fmt: skip


def ozon_rfbs_returns(ctx: Ctx) -> Reply:
    """``POST /v2/returns/rfbs/list``: the sandbox sells FBS only, so no rFBS requests."""
    body = obj(ctx.body)
    if not 1 <= integer(body.get("limit") or 1000, "limit") <= 1000:
        raise ApiError(400, "limit must be 1..1000")
    return Reply({"returns": []})
