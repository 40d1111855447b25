"""Yandex Market Partner API: business orders (pageToken paging), status updates, the store.

4 parallel requests per business/campaign, then per-method resource limits counted in
requests or in items (the lowest tier's figures); both answer 420 with the
X-RateLimit-Resource-* headers. Orders and offers live in the sibling modules.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mpsync.sandbox import ids
from mpsync.sandbox.http import (
    Admission,
    Api,
    ApiError,
    Ctx,
    Json,
    Reply,
    decode_cursor,
    encode_cursor,
    integer,
    json_response,
    limit_param,
    obj,
    route,
)
from mpsync.sandbox.jsontext import json_array, json_object
from mpsync.sandbox.limits import BucketSpec, Verdict
from mpsync.sandbox.state import SandboxState, date_text, datetime_text, money_number
from mpsync.sandbox.store import scan
from mpsync.sandbox.yandex_market_orders import (
    MP,
    MSK,
    line_money,
    order_renderer,
    select,
    ship_day,
)

PARALLEL = 4
# x-resource-limit-config of each operation, lowest tier ("none"). Groups in REQUESTS count
# requests when admitted; the others count items, charged by the handler (`charge`).
RESOURCES = {
    "orders": BucketSpec(10_000, 3600, 10_000),  # getBusinessOrders
    "status": BucketSpec(10_000, 3600, 10_000),  # updateOrderStatus
    "campaigns": BucketSpec(5_000, 3600, 5_000),  # getCampaign
    "mappings": BucketSpec(100, 60, 100),  # getOfferMappings
    "stats": BucketSpec(10_000, 3600, 10_000),  # getOrdersStats
    "returns": BucketSpec(5_000, 3600, 5_000),  # getReturns
    "stocks": BucketSpec(100_000, 60, 100_000),  # getStocks: offers answered
    "stock_updates": BucketSpec(100_000, 60, 100_000),  # updateStocks: req.skus
    "prices": BucketSpec(5_000, 60, 5_000),  # getDefaultPrices: offers answered
    "price_updates": BucketSpec(10_000, 60, 10_000),  # updateBusinessPrices: req.offers
    # Buyers' questions and reviews (mpsync.sandbox.buyers_api), requests per hour.
    "feedback_reads": BucketSpec(5_000, 3600, 5_000),  # getGoodsFeedbacks, ...Comments
    "feedback_writes": BucketSpec(1_000, 3600, 1_000),  # updateGoodsFeedbackComment
    "question_reads": BucketSpec(1_000, 3600, 1_000),  # getGoodsQuestions, ...Answers
    "question_writes": BucketSpec(500, 3600, 500),  # updateGoodsQuestionTextEntity
}
REQUESTS = frozenset({"orders", "status", "campaigns", "mappings", "feedback_reads",
                      "feedback_writes", "question_reads", "question_writes", "stats",
                      "returns"})  # fmt: skip
_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    420: "LIMIT_EXCEEDED",
}
_STARTED, _READY, _SHOP_FAILED = 0, 1, 7


def error_body(status: int, message: str, code: str | int | None) -> Json:
    return {
        "status": "ERROR",
        "errors": [{"code": str(code or _CODES.get(status, "INTERNAL_ERROR")), "message": message}],
    }


def _scope(request: Request) -> tuple[str, str]:
    params = request.path_params
    if "campaignId" in params:
        return "campaignId", str(params["campaignId"])
    return "businessId", str(params.get("businessId", ""))


def authenticate(request: Request, state: SandboxState) -> str:
    key = (
        request.headers.get("api-key")
        or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    )
    if not key:
        raise ApiError(401, "Missing Api-Key header")
    creds = state.config.credentials
    if key == "invalid" or (state.config.strict_credentials and key != creds.ym_api_key):
        raise ApiError(401, "Api-Key is invalid")
    kind, value = _scope(request)
    expected = creds.ym_campaign_id if kind == "campaignId" else creds.ym_business_id
    if not value.isdigit() or (state.config.strict_credentials and int(value) != expected):
        raise ApiError(403, f"Access denied to {kind} {value}")
    return f"ym:{kind}:{value}"


def _headers(verdict: Verdict) -> dict[str, str]:
    until = formatdate(time.time() + max(verdict.retry_after, 1.0), usegmt=True)
    return {
        "X-RateLimit-Resource-Limit": str(verdict.limit),
        "X-RateLimit-Resource-Remaining": str(verdict.remaining),
        "X-RateLimit-Resource-Until": until,
    }


def admit(state: SandboxState, request: Request, account: str, group: str) -> Admission:
    kind, value = account.split(":")[1:]
    if not state.limiter.enter("ym-parallel", account, PARALLEL):
        message = f"Hit rate limit of {PARALLEL} parallel requests for {kind} {value}"
        return Admission(refused=json_response(error_body(420, message, None), 420))
    cost = 1.0 if group in REQUESTS else 0.0
    verdict = state.limiter.take(f"ym-{group}", account, RESOURCES[group], cost)
    headers = _headers(verdict)
    if not verdict.allowed:
        state.limiter.leave("ym-parallel", account)
        body = error_body(420, f"Hit resource limit for {group}", None)
        return Admission(refused=json_response(body, 420, headers))
    return Admission(headers=headers, release=lambda: state.limiter.leave("ym-parallel", account))


def truncated(limit: str | None, high: int) -> str | None:
    """A ``PageLimit*Truncate`` limit: more than the maximum is cut to it, not refused."""
    return str(min(int(limit), high)) if limit and limit.isdigit() else limit


def charge(ctx: Ctx, group: str, items: int) -> dict[str, str]:
    """Charge *items* against an item-counted resource; 420 when it is spent."""
    verdict = ctx.state.limiter.take(f"ym-{group}", ctx.account, RESOURCES[group], float(items))
    if not verdict.allowed:
        message = f"Hit resource limit for {group}: {items} items asked"
        raise ApiError(420, message, None, _headers(verdict))
    return _headers(verdict)


API = Api(MP, authenticate, error_body, admit)


def business_orders(ctx: Ctx) -> Reply:
    body = obj(ctx.body if ctx.body is not None else {})
    limit = limit_param(truncated(ctx.query("limit"), 50), 50, 50)  # PageLimit50Truncate
    resume, last = decode_cursor(ctx.query("pageToken") or ctx.query("page_token"))
    rows, keep = select(ctx, body)
    # A duplicated order takes a place on the page: never more than `limit` orders.
    duplicate = last >= 0 and ctx.state.roll("duplicate")
    page = scan(rows, resume, limit - duplicate, keep)
    found = [last, *page.rows] if duplicate and page.rows else page.rows
    paging = {"nextPageToken": encode_cursor(page.resume, page.rows[-1])} if page.has_next else {}
    orders = json_array(map(order_renderer(ctx), found))
    return Reply(json_object({"orders": orders, "paging": paging}))


def _dd_mm_yyyy(epoch: int) -> str:
    year, month, day = date_text(epoch + MSK).split("-")
    return f"{day}-{month}-{year}"


def _legacy_order(ctx: Ctx, row: int) -> Json:
    """The order as the legacy ``OrderDTO`` the status update answers with (per-unit prices,
    DD-MM-YYYY dates)."""
    world = ctx.state.world
    table = world.tables[MP]
    raw = world.flows[MP].states[table.state[row]]
    order_id, created = ids.ym_order_id(row), table.created[row]
    items, paid = [], 0
    for k, line in enumerate(world.lines(MP, row)):
        payment, _cashback, _subsidy = line_money(order_id, k, line)
        paid += payment
        unit = money_number(line.unit_price_kop)
        items.append({
            "id": order_id * 10 + k, "offerId": line.product.sku, "offerName": line.product.name,
            "price": unit, "buyerPrice": unit, "buyerPriceBeforeDiscount": unit,
            "count": line.quantity, "vat": "VAT_20",
        })  # fmt: skip
    stamp = datetime_text(created + MSK)
    return {
        "id": order_id, "status": raw.status, "substatus": raw.substatus,
        "creationDate": f"{_dd_mm_yyyy(created)} {stamp[11:]}", "currency": "RUR",
        "itemsTotal": money_number(paid), "deliveryTotal": 0,
        "buyerItemsTotalBeforeDiscount": money_number(
            sum(ln.unit_price_kop * ln.quantity for ln in world.lines(MP, row))
        ),
        "paymentType": "PREPAID", "paymentMethod": "YANDEX", "fake": False, "items": items,
        "delivery": {
            "type": "PICKUP", "serviceName": "Доставка Маркета",
            "deliveryPartnerType": "YANDEX_MARKET", "deliveryServiceId": 1005486,
            "dates": {"fromDate": _dd_mm_yyyy(created + 3 * 86400),
                      "toDate": _dd_mm_yyyy(created + 4 * 86400)},
            "shipments": [{"shipmentDate": _dd_mm_yyyy(ship_day(created))}],
        },
        "buyer": {"type": "PERSON"}, "taxSystem": "OSN",
    }  # fmt: skip


_SELLER_MOVES = {
    ("PROCESSING", "READY_TO_SHIP"): ({_STARTED}, _READY),
    ("CANCELLED", "SHOP_FAILED"): ({_STARTED, _READY}, _SHOP_FAILED),
}


def update_status(ctx: Ctx) -> Reply:
    row = ids.ym_row(integer(ctx.param("orderId"), "orderId"))
    world = ctx.state.world
    if not 0 <= row < len(world.tables[MP]):
        raise ApiError(404, f"Order {ctx.param('orderId')} not found", "ORDER_NOT_FOUND")
    order = obj(obj(ctx.body).get("order"), "order")
    target: Any = (order.get("status"), order.get("substatus"))
    if target not in _SELLER_MOVES:
        raise ApiError(
            400, f"Status {target[0]}/{target[1]} cannot be set by the seller", "STATUS_NOT_ALLOWED"
        )
    sources, new_state = _SELLER_MOVES[target]
    if world.tables[MP].state[row] not in sources or not world.move(MP, row, new_state, world.now):
        raise ApiError(
            400,
            f"Order {ids.ym_order_id(row)} cannot change to {target[0]}/{target[1]}",
            "STATUS_NOT_ALLOWED",
        )
    return Reply({"order": _legacy_order(ctx, row)})


def campaign(ctx: Ctx) -> Reply:
    """``GET /v2/campaigns/{campaignId}``: the store (the connector's credential check)."""
    campaign_id = int(ctx.request.path_params["campaignId"])
    business_id = ctx.state.config.credentials.ym_business_id
    return Reply({"campaign": {
        "domain": "sandbox-shop.example", "id": campaign_id,
        "business": {"id": business_id, "name": "Sandbox seller"}, "placementType": "FBS",
        "apiAvailability": "AVAILABLE",
    }})  # fmt: skip


def routes(state: SandboxState) -> list[Route]:
    from mpsync.sandbox.finance_api import ym_returns, ym_stats
    from mpsync.sandbox.yandex_market_offers import (
        get_mappings,
        get_prices,
        get_stocks,
        update_prices,
        update_stocks,
    )

    table = [
        ("POST", "/v1/businesses/{businessId}/orders", business_orders, "orders"),
        ("PUT", "/v2/campaigns/{campaignId}/orders/{orderId}/status", update_status, "status"),
        ("PUT", "/v2/campaigns/{campaignId}/offers/stocks", update_stocks, "stock_updates"),
        ("POST", "/v2/campaigns/{campaignId}/offers/stocks", get_stocks, "stocks"),
        (
            "POST",
            "/v2/businesses/{businessId}/offer-prices/updates",
            update_prices,
            "price_updates",
        ),
        ("POST", "/v2/businesses/{businessId}/offer-prices", get_prices, "prices"),
        ("POST", "/v2/businesses/{businessId}/offer-mappings", get_mappings, "mappings"),
        ("GET", "/v2/campaigns/{campaignId}", campaign, "campaigns"),
        ("POST", "/v2/campaigns/{campaignId}/stats/orders", ym_stats, "stats"),
        ("GET", "/v2/campaigns/{campaignId}/returns", ym_returns, "returns"),
    ]
    from mpsync.sandbox.buyers_api import yandex_market_routes

    return [
        route(state, API, method, path, handler, group) for method, path, handler, group in table
    ] + yandex_market_routes(state)


def not_found(request: Request) -> Response:
    return API.error(404, f"Resource {request.url.path} not found")
