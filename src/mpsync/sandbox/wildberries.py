"""Wildberries FBS seller API: orders, statuses, supplies, stocks, warehouses, prices.

Money in kopecks with numeric currency codes; one assembly task per unit, grouped by orderUid.
Follows the official specs (``eslazarev/wildberries-sdk:specs/03-orders-fbs.yaml`` and
``02-products.yaml``): per-host error shapes, per-family rate limits, and ``PUT`` stocks that
answers 204 to anything it can parse, changing only the sizes it knows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from http import HTTPStatus

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
    integer,
    items,
    json_response,
    obj,
    route,
)
from mpsync.sandbox.jsontext import json_array, json_members, json_object, quote
from mpsync.sandbox.limits import BucketSpec, ceil_seconds
from mpsync.sandbox.state import SandboxState, iso

MP = "wildberries"
# Per method family, as each method's description gives them (per seller account).
LIMITS = {
    "orders": BucketSpec(300, 60, 20),  # FBS assembly tasks, supplies, passes
    "cancel": BucketSpec(100, 60, 20),  # PATCH /api/v3/orders/{orderId}/cancel
    "warehouses": BucketSpec(300, 60, 20),  # seller warehouses
    "stocks": BucketSpec(300, 60, 20),  # stocks at seller warehouses
    "prices": BucketSpec(10, 6, 5),  # the Prices and discounts category
    "content": BucketSpec(100, 60, 5),  # the Content category
    "feedbacks": BucketSpec(3, 1, 6),  # the Questions and reviews category
    "finance_report": BucketSpec(1, 60, 1),  # reportDetailByPeriod: 1 request/min
    "goods_return": BucketSpec(1, 60, 10),  # goods-return report: 1 request/min, burst 10
}
_WINDOW = 30 * 86400
_CONFIRM, _COMPLETE, _SELLER_CANCEL = 1, 2, 6
_MAX_STOCK = 100_000


def gateway_error(status: int, message: str, code: str | int | None) -> Json:
    """The envelope of 401 and 429 on every host (and of the gateway's own answers)."""
    phrase = HTTPStatus(status).phrase
    return {
        "title": phrase.lower(),
        "detail": message,
        "code": str(code or uuid.uuid4()),
        "requestId": uuid.uuid4().hex,
        "origin": "s2s-api-auth-marketplace" if status in (401, 429) else "marketplace-api",
        "status": status,
        "statusText": phrase,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def is_gateway(status: int) -> bool:
    """Answers WB's gateway gives on every host: auth, rate limits, server errors."""
    return status in (401, 429) or status >= 500


_CODES = {400: "IncorrectRequest", 403: "AccessDenied", 404: "NotFound"}


def error_body(status: int, message: str, code: str | int | None) -> Json:
    """Marketplace host: 400/403/404/409 are ``{code, message}`` (components/schemas/Error)."""
    if is_gateway(status):
        return gateway_error(status, message, code)
    fallback = _CODES.get(status, HTTPStatus(status).phrase.replace(" ", ""))
    return {"code": str(code or fallback), "message": message}


_CONFLICT_COST = 10  # "Один запрос с кодом ответа 409 учитывается как 10 запросов"


def conflict(ctx: Ctx, family: str, message: str, code: str) -> ApiError:
    """A 409 of the `family`'s methods, charged as the 10 requests WB counts it as."""
    charge_conflict(ctx, family)
    return ApiError(409, message, code)


def charge_conflict(ctx: Ctx, family: str) -> None:
    ctx.state.limiter.charge(f"wb-{family}", ctx.account, LIMITS[family], _CONFLICT_COST - 1)


def authenticate(request: Request, state: SandboxState) -> str:
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        raise ApiError(401, "empty Authorization header")
    if token == "invalid":
        raise ApiError(401, "token problem; token is malformed: could not parse token")
    if state.config.strict_credentials and token != state.config.credentials.wb_token:
        raise ApiError(401, "token problem; unknown token")
    return f"wb:{token}"


def admit(state: SandboxState, request: Request, account: str, group: str) -> Admission:
    verdict = state.limiter.take(f"wb-{group}", account, LIMITS[group])
    if verdict.allowed:
        return Admission(
            headers={
                "X-Ratelimit-Remaining": str(verdict.remaining),
                "X-Ratelimit-Limit": str(verdict.limit),
            }
        )
    headers = {
        "X-Ratelimit-Retry": str(ceil_seconds(verdict.retry_after)),
        "X-Ratelimit-Reset": str(ceil_seconds(verdict.reset_after)),
        "X-Ratelimit-Limit": str(verdict.limit),
    }
    body = gateway_error(429, f"limited by {account.split(':')[0]}-{group}", None)
    return Admission(refused=json_response(body, 429, headers))


API = Api(MP, authenticate, error_body, admit)


def _order_renderer(ctx: Ctx, new: bool) -> Callable[[int], str]:
    """Render assembly tasks as JSON text; /orders/new adds the buyer's prices, /orders the
    supplyId of a task in a supply."""
    world, seed = ctx.state.world, ctx.state.config.seed
    table, lines = world.tables[MP], world.lines
    warehouses = world.warehouses
    warehouse = json_members({"warehouseId": warehouses.wb_id, "officeId": warehouses.wb_office_id})

    def render(row: int) -> str:
        line = lines(MP, row)[0]
        product, price, created = line.product, line.unit_price_kop, table.created[row]
        tail = _new_tail(price) if new else _supply_member(ctx, row)
        return (
            '{"address":null,"scanPrice":null,"deliveryType":"fbs",'
            f'"orderUid":"{ids.wb_order_uid(seed, table.group[row])}",'
            f'"article":{quote(product.sku)},"colorCode":"","rid":"{ids.wb_rid(seed, row)}",'
            f'"createdAt":"{iso(created)}","offices":["Подольск"],'
            f'"skus":[{quote(product.barcode)}],"id":{ids.wb_task_id(row)},{warehouse},'
            f'"nmId":{product.nm_id},"chrtId":{product.chrt_id},'
            f'"price":{price},"convertedPrice":{price},"currencyCode":643,'
            '"convertedCurrencyCode":643,"cargoType":1,"isZeroOrder":false,"comment":"",'
            f'"options":{{"isB2b":false}}{tail}}}'
        )

    return render


def _new_tail(price: int) -> str:
    """/orders/new extras; no ``ddate``/``sellerDate``: WB sends them for СГТ (cargoType 2)
    only, and every sandbox good is МГТ (cargoType 1)."""
    return (
        f',"finalPrice":{price},"convertedFinalPrice":{price},"salePrice":{price},'
        '"requiredMeta":[],"optionalMeta":[]'
    )


def _supply_member(ctx: Ctx, row: int) -> str:
    """``,"supplyId":…`` of a task in a supply, else nothing: WB returns supplyId "если заказ
    закреплён за поставкой"."""
    world = ctx.state.world
    if row in world.supply_of:
        return f',"supplyId":{quote(world.supply_of[row])}'
    if world.flows[MP].states[world.tables[MP].state[row]].status == "new":
        return ""
    return f',"supplyId":"WB-GI-{10_000_000 + row // 100}"'


def _row(ctx: Ctx, task_id: int) -> int:
    row = ids.wb_row(task_id)
    if not 0 <= row < len(ctx.state.world.tables[MP]):
        raise ApiError(404, f"order {task_id} not found", "NotFound")
    return row


def orders_new(ctx: Ctx) -> Reply:
    rows = sorted(ctx.state.world.tables[MP].open_new)
    return Reply(json_object({"orders": json_array(map(_order_renderer(ctx, True), rows))}))


def orders(ctx: Ctx) -> Reply:
    limit_raw, next_raw = ctx.query("limit"), ctx.query("next")
    if limit_raw is None or next_raw is None:
        raise ApiError(400, "limit and next are required", "IncorrectRequest")
    limit, after = integer(limit_raw, "limit"), integer(next_raw, "next")
    if not 1 <= limit <= 1000:
        raise ApiError(400, "limit must be between 1 and 1000", "IncorrectRequest")
    now = ctx.state.world.now
    date_to = integer(ctx.query("dateTo") or now, "dateTo")
    date_from = integer(ctx.query("dateFrom") or date_to - _WINDOW, "dateFrom")
    if date_to - date_from > _WINDOW or date_from > date_to:
        raise ApiError(
            400, "the dateFrom..dateTo window must be at most 30 days", "IncorrectRequest"
        )
    table = ctx.state.world.tables[MP]
    window = table.rows_created_between(date_from, date_to)
    start = max(window.start, ids.wb_row(after) + 1 if after > 0 else 0)
    rows = list(range(start, min(window.stop, start + limit)))
    if after > 0 and rows and 0 <= ids.wb_row(after) < len(table) and ctx.state.roll("duplicate"):
        rows = [ids.wb_row(after), *rows]
    next_id = ids.wb_task_id(rows[-1]) if rows else after
    orders = json_array(map(_order_renderer(ctx, False), rows))
    return Reply(json_object({"next": next_id, "orders": orders}))


def statuses(ctx: Ctx) -> Reply:
    wanted = items(obj(ctx.body).get("orders"), "orders", 1, 1000)
    flow, answer = ctx.state.world.flows[MP], []
    for value in wanted:
        row = ids.wb_row(integer(value, "orders[]"))
        if 0 <= row < len(ctx.state.world.tables[MP]):
            state, _updated = ctx.state.observed(MP, row)
            raw = flow.states[state]
            answer.append(
                {"id": ids.wb_task_id(row), "supplierStatus": raw.status, "wbStatus": raw.substatus}
            )
    return Reply({"orders": answer})


def create_supply(ctx: Ctx) -> Reply:
    name = obj(ctx.body).get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 128:
        raise ApiError(400, "name must be a string of 1..128 characters", "IncorrectRequest")
    supply_id = f"WB-GI-{20_000_000 + len(ctx.state.world.supplies)}"
    ctx.state.world.supplies[supply_id] = []
    return Reply({"id": supply_id}, 201)


def _open_supply(ctx: Ctx) -> str:
    supply_id = ctx.param("supplyId")
    if supply_id not in ctx.state.world.supplies:
        raise ApiError(404, f"supply {supply_id} not found", "NotFound")
    if supply_id in ctx.state.world.supplies_done:
        raise conflict(ctx, "orders", f"supply {supply_id} is already delivered",
                       "FailedToAddSupplyOrder")  # fmt: skip
    return supply_id


def add_to_supply(ctx: Ctx) -> Reply:
    supply_id = _open_supply(ctx)
    world = ctx.state.world
    rows = [
        _row(ctx, integer(v, "orders[]"))
        for v in items(obj(ctx.body).get("orders"), "orders", 1, 100)
    ]
    bad = [
        ids.wb_task_id(r)
        for r in rows
        if not world.flows[MP].can_move(world.tables[MP].state[r], _CONFIRM)
    ]
    if bad:
        message = f"orders cannot be added to a supply: {bad}"
        raise conflict(ctx, "orders", message, "FailedToAddSupplyOrder")
    for row in rows:
        world.move(MP, row, _CONFIRM, world.now)
        world.supplies[supply_id].append(row)
        world.supply_of[row] = supply_id
    return Reply(None, 204)


def deliver_supply(ctx: Ctx) -> Reply:
    supply_id = _open_supply(ctx)
    world = ctx.state.world
    if not world.supplies[supply_id]:
        raise conflict(ctx, "orders", "the supply has no orders", "SupplyHasZeroOrders")
    world.supplies_done.add(supply_id)
    for row in world.supplies[supply_id]:
        world.move(MP, row, _COMPLETE, world.now)
    return Reply(None, 204)


def cancel(ctx: Ctx) -> Reply:
    row = _row(ctx, integer(ctx.param("orderId"), "orderId"))
    world = ctx.state.world
    if not world.move(MP, row, _SELLER_CANCEL, world.now):
        message = "the order status does not allow cancellation"
        raise conflict(ctx, "cancel", message, "StatusMismatch")
    return Reply(None, 204)


def warehouses(ctx: Ctx) -> Reply:
    w = ctx.state.world.warehouses
    warehouse = {
        "name": "ул. Троицкая, Подольск, Московская обл.",
        "officeId": w.wb_office_id,
        "id": w.wb_id,
    }
    return Reply(
        [
            {
                **warehouse,
                "cargoType": 1,
                "deliveryType": 1,
                "isDeleting": False,
                "isProcessing": False,
            }
        ]
    )


def _warehouse(ctx: Ctx) -> None:
    if integer(ctx.param("warehouseId"), "warehouseId") != ctx.state.world.warehouses.wb_id:
        raise ApiError(404, "", "NotFound")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def put_stocks(ctx: Ctx) -> Reply:
    """Set stock by ``chrtId``. As WB documents, parameter names are not validated: an entry
    the API cannot read, or a ``chrtId`` no card has, is ignored and the answer is still 204.
    An amount over 100 000 refuses the whole request (409 ``UploadDataLimit``)."""
    _warehouse(ctx)
    world = ctx.state.world
    updates, over = [], []
    for entry in items(obj(ctx.body).get("stocks"), "stocks", 1, 1000):
        chrt, amount = obj(entry, "stocks[]").get("chrtId"), entry.get("amount")
        if not (_whole(chrt) and _whole(amount)):
            continue
        if amount < 0:
            raise ApiError(400, "Переданы некорректные данные", "IncorrectRequest")
        product = world.product_by("chrt_id", chrt)
        if amount > _MAX_STOCK:
            over.append(
                {"sku": product.barcode, "amount": amount} if product else {"amount": amount}
            )
        elif product is not None:
            updates.append((product.index, amount))
    if over:
        refusal = {"code": "UploadDataLimit", "message": "Upload limit exceeded.", "data": over}
        charge_conflict(ctx, "stocks")
        return Reply([refusal], 409)
    for index, amount in updates:
        world.stock[MP][index] = amount
    return Reply(None, 204)


def get_stocks(ctx: Ctx) -> Reply:
    _warehouse(ctx)
    world, answer = ctx.state.world, []
    for value in items(obj(ctx.body).get("chrtIds"), "chrtIds", 1, 1_000_000):
        product = world.product_by("chrt_id", integer(value, "chrtIds[]"))
        if product is not None:
            amount = world.stock[MP][product.index]
            answer.append({"chrtId": product.chrt_id, "sku": product.barcode, "amount": amount})
    return Reply({"stocks": answer})


def routes(state: SandboxState) -> list[Route]:
    from mpsync.sandbox import finance_api
    from mpsync.sandbox import wildberries_content as content
    from mpsync.sandbox import wildberries_prices as prices

    table = [
        ("GET", "/api/v3/orders/new", orders_new, "orders"),
        ("GET", "/api/v3/orders", orders, "orders"),
        ("POST", "/api/v3/orders/status", statuses, "orders"),
        ("POST", "/api/v3/supplies", create_supply, "orders"),
        ("PATCH", "/api/marketplace/v3/supplies/{supplyId}/orders", add_to_supply, "orders"),
        ("PATCH", "/api/v3/supplies/{supplyId}/deliver", deliver_supply, "orders"),
        ("PATCH", "/api/v3/orders/{orderId}/cancel", cancel, "cancel"),
        ("GET", "/api/v3/warehouses", warehouses, "warehouses"),
        ("PUT", "/api/v3/stocks/{warehouseId}", put_stocks, "stocks"),
        ("POST", "/api/v3/stocks/{warehouseId}", get_stocks, "stocks"),
        ("GET", "/api/v5/supplier/reportDetailByPeriod", finance_api.wb_report, "finance_report"),
        ("GET", "/api/v1/analytics/goods-return", finance_api.wb_goods_return, "goods_return"),
    ]
    hosts = [
        (API, table),
        (prices.API, prices.ROUTES),
        (content.API, content.ROUTES),
    ]
    from mpsync.sandbox.buyers_api import wildberries_routes

    return [
        route(state, api, method, path, handler, group)
        for api, entries in hosts
        for method, path, handler, group in entries
    ] + wildberries_routes(state)


def not_found(request: Request) -> Response:
    return API.error(404, f"path {request.url.path} not found", "NotFound")
