"""Yandex Market Partner API: business orders (pageToken paging), status updates.

Money is {value, currencyId: "RUR"}; 4 parallel requests per business/campaign, else 420.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
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
    items,
    json_response,
    limit_param,
    obj,
    route,
    status_members,
    timestamp,
    with_duplicate,
)
from mpsync.sandbox.jsontext import json_array, json_members, json_object, quote
from mpsync.sandbox.limits import BucketSpec
from mpsync.sandbox.sim import Line
from mpsync.sandbox.state import SandboxState, date_text, datetime_text, money_number
from mpsync.sandbox.store import scan

MP = "yandex_market"
PARALLEL = 4
RESOURCES = {
    "orders": BucketSpec(10_000, 3600, 10_000),
    "status": BucketSpec(10_000, 3600, 10_000),
    "stocks": BucketSpec(100_000, 60, 100_000),
    "prices": BucketSpec(10_000, 60, 10_000),
    "campaigns": BucketSpec(1_000, 3600, 1_000),
}
_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    420: "LIMIT_EXCEEDED",
}
_DAY = 86400
_WINDOW = 30 * _DAY
_STARTED, _READY, _SHOP_FAILED = 0, 1, 7


def error_body(status: int, message: str, code: str | int | None) -> Json:
    return {
        "status": "ERROR",
        "errors": [{"code": str(code or _CODES.get(status, "INTERNAL_ERROR")), "message": message}],
    }


def iso_msk(epoch: int) -> str:
    """Epoch seconds as ISO-8601 in Moscow time (+03:00), as the Partner API answers."""
    return f"{datetime_text(epoch + 3 * 3600)}+03:00"


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


def admit(state: SandboxState, request: Request, account: str, group: str) -> Admission:
    kind, value = account.split(":")[1:]
    if not state.limiter.enter("ym-parallel", account, PARALLEL):
        message = f"Hit rate limit of {PARALLEL} parallel requests for {kind} {value}"
        return Admission(refused=json_response(error_body(420, message, None), 420))
    verdict = state.limiter.take(f"ym-{group}", account, RESOURCES[group])
    until = formatdate(time.time() + max(verdict.retry_after, 1.0), usegmt=True)
    headers = {
        "X-RateLimit-Resource-Limit": str(verdict.limit),
        "X-RateLimit-Resource-Remaining": str(verdict.remaining),
        "X-RateLimit-Resource-Until": until,
    }
    if not verdict.allowed:
        state.limiter.leave("ym-parallel", account)
        body = error_body(420, f"Hit resource limit for {group}", None)
        return Admission(refused=json_response(body, 420, headers))
    return Admission(headers=headers, release=lambda: state.limiter.leave("ym-parallel", account))


API = Api(MP, authenticate, error_body, admit)


@functools.lru_cache(maxsize=4096)
def _money(kopecks: int) -> str:
    """{value, currencyId} as JSON text; cached, as prices and totals repeat."""
    return f'{{"value":{money_number(kopecks)!r},"currencyId":"RUR"}}'


_NO_SUBSIDY = _money(0)


def _order_renderer(ctx: Ctx) -> Callable[[int], str]:
    """Render orders as JSON text; statuses and the fixed delivery fields are rendered once."""
    world = ctx.state.world
    table, lines, observed = world.tables[MP], world.lines, ctx.state.observer(MP)
    statuses = status_members(world.flows[MP])
    campaign = ctx.state.config.credentials.ym_campaign_id
    delivery = json_members(_delivery(world.warehouses.ym_id))

    def render(row: int) -> str:
        state, updated = observed(row)
        created, order_id = table.created[row], ids.ym_order_id(row)
        order_lines = lines(MP, row)
        items = ",".join(_item(order_id * 10 + k, ln) for k, ln in enumerate(order_lines))
        total = sum(ln.unit_price_kop * ln.quantity for ln in order_lines)
        from_date, to_date = date_text(created + 3 * _DAY), date_text(created + 4 * _DAY)
        dates = f'"fromDate":"{from_date}","toDate":"{to_date}"'
        shipment = f'"id":{100_000 + row},"shipmentDate":"{date_text(created + _DAY)}"'
        return (
            f'{{"orderId":{order_id},"campaignId":{campaign},"programType":"FBS",{statuses[state]},'
            f'"creationDate":"{iso_msk(created)}","updateDate":"{iso_msk(updated)}",'
            '"paymentType":"PREPAID","paymentMethod":"YANDEX","fake":false,"buyerType":"PERSON",'
            f'"items":[{items}],"prices":{{"payment":{_money(total)},"subsidy":{_NO_SUBSIDY}}},'
            f'"delivery":{{{delivery},"dates":{{{dates}}},"shipment":{{{shipment}}}}}}}'
        )

    return render


def _item(item_id: int, line: Line) -> str:
    product = line.product
    offer = _offer_members(product.sku, product.name, line.quantity, line.unit_price_kop)
    return f'{{"id":{item_id},{offer}}}'


@functools.lru_cache(maxsize=4096)
def _offer_members(sku: str, name: str, count: int, price_kop: int) -> str:
    """An item's members after its id; cached, as pages repeat a few offers and prices."""
    return (
        f'"offerId":{quote(sku)},"offerName":{quote(name)},"count":{count},'
        f'"prices":{{"payment":{_money(price_kop)},"subsidy":{_NO_SUBSIDY},"vat":"VAT_20"}}'
    )


def _delivery(warehouse_id: int) -> Json:
    """The delivery fields every order shares (dates and shipment follow)."""
    return {
        "type": "PICKUP",
        "serviceName": "Доставка Маркета",
        "deliveryServiceId": 1005486,
        "deliveryPartnerType": "YANDEX_MARKET",
        "warehouseId": str(warehouse_id),
    }


def _window(dates: Json, prefix: str) -> tuple[int | None, int | None]:
    low_raw, high_raw = dates.get(f"{prefix}DateFrom"), dates.get(f"{prefix}DateTo")
    low = timestamp(low_raw, f"dates.{prefix}DateFrom") if low_raw else None
    high = timestamp(high_raw, f"dates.{prefix}DateTo") if high_raw else None
    if high is not None and len(str(high_raw)) == 10:
        high += 86399  # a bare date includes the whole day
    if low is not None and high is not None and not 0 <= high - low <= _WINDOW:
        raise ApiError(400, f"the {prefix} date window must be at most 30 days")
    return low, high


def _filter(ctx: Ctx, body: Json) -> tuple[range, Any]:
    table, flow = ctx.state.world.tables[MP], ctx.state.world.flows[MP]
    dates = obj(body.get("dates") or {}, "dates")
    created_from, created_to = _window(dates, "creation")
    updated_from, updated_to = _window(dates, "update")
    if created_from is None and created_to is None and updated_from is None and updated_to is None:
        created_from = ctx.state.world.now - _WINDOW
    statuses = set(body.get("statuses") or [])
    substatuses = set(body.get("substatuses") or [])
    allowed = {
        i
        for i, raw in enumerate(flow.states)
        if (not statuses or raw.status in statuses)
        and (not substatuses or raw.substatus in substatuses)
    }
    wanted_ids = body.get("orderIds")
    order_rows = (
        {ids.ym_row(integer(v, "orderIds[]")) for v in items(wanted_ids, "orderIds", 1, 50)}
        if wanted_ids
        else None
    )
    rows = table.rows_created_between(
        created_from,
        created_to if updated_to is None else min(created_to or updated_to, updated_to),
    )
    state, updated = table.state, table.updated

    def keep(row: int) -> bool:
        if state[row] not in allowed or (order_rows is not None and row not in order_rows):
            return False
        if updated_from is not None and updated[row] < updated_from:
            return False
        return updated_to is None or updated[row] <= updated_to

    return rows, keep


def business_orders(ctx: Ctx) -> Reply:
    body = obj(ctx.body if ctx.body is not None else {})
    limit = limit_param(ctx.query("limit"), 50, 50)
    resume, last = decode_cursor(ctx.query("pageToken"))
    rows, keep = _filter(ctx, body)
    page = scan(rows, resume, limit, keep)
    found = with_duplicate(ctx.state, page.rows, last)
    paging = {"nextPageToken": encode_cursor(page.resume, page.rows[-1])} if page.has_next else {}
    orders = json_array(map(_order_renderer(ctx), found))
    return Reply(json_object({"orders": orders, "paging": paging}))


def update_status(ctx: Ctx) -> Reply:
    row = ids.ym_row(integer(ctx.param("orderId"), "orderId"))
    world = ctx.state.world
    if not 0 <= row < len(world.tables[MP]):
        raise ApiError(404, f"Order {ctx.param('orderId')} not found", "ORDER_NOT_FOUND")
    order = obj(obj(ctx.body).get("order"), "order")
    target = (order.get("status"), order.get("substatus"))
    current = world.tables[MP].state[row]
    allowed = {
        ("PROCESSING", "READY_TO_SHIP"): (_STARTED, _READY),
        ("CANCELLED", "SHOP_FAILED"): (_STARTED, _SHOP_FAILED),
    }
    if target not in allowed:
        raise ApiError(
            400, f"Status {target[0]}/{target[1]} cannot be set by the seller", "STATUS_NOT_ALLOWED"
        )
    sources, new_state = allowed[target]
    ok_from = {sources} if target[0] == "PROCESSING" else {_STARTED, _READY}
    if current not in ok_from or not world.move(MP, row, new_state, world.now):
        raise ApiError(
            400,
            f"Order {ids.ym_order_id(row)} cannot change to {target[0]}/{target[1]}",
            "STATUS_NOT_ALLOWED",
        )
    raw = world.flows[MP].states[new_state]
    return Reply(
        {"order": {"id": ids.ym_order_id(row), "status": raw.status, "substatus": raw.substatus}}
    )


def campaign(ctx: Ctx) -> Reply:
    """``GET /v2/campaigns/{campaignId}``: the store (the connector's credential check)."""
    campaign_id = int(ctx.request.path_params["campaignId"])
    business_id = ctx.state.config.credentials.ym_business_id
    return Reply({"status": "OK", "campaign": {
        "domain": "sandbox-shop.example", "id": campaign_id, "clientId": 1,
        "business": {"id": business_id, "name": "Sandbox seller"}, "placementType": "FBS",
    }})  # fmt: skip


def routes(state: SandboxState) -> list[Route]:
    from mpsync.sandbox.yandex_market_offers import (
        get_prices,
        get_stocks,
        update_prices,
        update_stocks,
    )

    table = [
        ("POST", "/v1/businesses/{businessId}/orders", business_orders, "orders"),
        ("PUT", "/v2/campaigns/{campaignId}/orders/{orderId}/status", update_status, "status"),
        ("PUT", "/v2/campaigns/{campaignId}/offers/stocks", update_stocks, "stocks"),
        ("POST", "/v2/campaigns/{campaignId}/offers/stocks", get_stocks, "stocks"),
        ("POST", "/v2/businesses/{businessId}/offer-prices/updates", update_prices, "prices"),
        ("POST", "/v2/businesses/{businessId}/offer-prices", get_prices, "prices"),
        ("GET", "/v2/campaigns/{campaignId}", campaign, "campaigns"),
    ]
    return [
        route(state, API, method, path, handler, group) for method, path, handler, group in table
    ]


def not_found(request: Request) -> Response:
    return API.error(404, f"Resource {request.url.path} not found")
