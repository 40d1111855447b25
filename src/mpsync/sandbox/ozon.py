"""Ozon Seller API, FBS postings: list and unfulfilled list (v4, cursor paging), get (v3),
ship, cancel, and the seller's warehouses (v2).

A product's unit price is a ``{amount, currency}`` object in the v4 lists and a decimal
string with ``currency_code`` in the v3 get; a buyer's order may split into postings.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NamedTuple

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
from mpsync.sandbox.jsontext import (
    RawJson,
    json_array,
    json_object,
    json_text,
    quote,
)
from mpsync.sandbox.limits import BucketSpec
from mpsync.sandbox.sim import Line
from mpsync.sandbox.state import SandboxState, iso, rubles
from mpsync.sandbox.statuses import OZON_FLOW, Flow
from mpsync.sandbox.store import scan

MP = "ozon"
GLOBAL_LIMIT = BucketSpec(50, 1, 50)
_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 9, 429: 8, 500: 13, 503: 14}
_YEAR = 366 * 86400
_DAY = 86400
_AWAITING_DELIVER = OZON_FLOW.index("awaiting_deliver", "posting_transferring_to_delivery")
_CANCELLED = OZON_FLOW.index("cancelled", "posting_canceled")


def error_body(status: int, message: str, code: str | int | None) -> Json:
    number = code if isinstance(code, int) else _CODES.get(status, 2)
    return {
        "code": number,
        "message": message if message else HTTPStatus(status).phrase,
        "details": [],
    }


def authenticate(request: Request, state: SandboxState) -> str:
    client_id, api_key = request.headers.get("client-id", ""), request.headers.get("api-key", "")
    if not client_id or not api_key:
        raise ApiError(401, "Client-Id and Api-Key headers are required")
    creds = state.config.credentials
    strict = state.config.strict_credentials
    if api_key == "invalid" or (
        strict and (client_id, api_key) != (creds.ozon_client_id, creds.ozon_api_key)
    ):
        raise ApiError(403, "Invalid Api-Key, please contact support")
    return f"ozon:{client_id}"


# /v2/products/stocks: "до 80 запросов в минуту" per seller account (swagger, the path).
STOCK_WRITES = BucketSpec(80, 60, 80)


def admit(state: SandboxState, request: Request, account: str, group: str) -> Admission:
    verdict = state.limiter.take("ozon-global", account, GLOBAL_LIMIT)
    if verdict.allowed and group == "stock_writes":
        minute = state.limiter.take("ozon-stock-writes", account, STOCK_WRITES)
        if not minute.allowed:
            return _refused("You have reached request rate limit per minute", minute.retry_after)
    if verdict.allowed:
        return Admission()
    return _refused("You have reached request rate limit per second", 1)


def _refused(message: str, retry_after: float) -> Admission:
    body = {"code": 8, "message": message, "details": []}
    wait = str(max(1, math.ceil(retry_after)))
    return Admission(refused=json_response(body, 429, {"Retry-After": wait}))


API = Api(MP, authenticate, error_body, admit)


def _posting_renderer(ctx: Ctx, version: int = 4) -> Callable[[int], str]:
    """Render postings (v4 list or v3 get shape) as JSON text; what depends only on the
    state is rendered once."""
    world, seed = ctx.state.world, ctx.state.config.seed
    table, lines, observed = world.tables[MP], world.lines, ctx.state.observer(MP)
    by_state = _state_parts(world.flows[MP])
    delivery = json_text(_delivery_method(world.warehouses.ozon_id))
    product = _product_v4 if version == 4 else _product_v3
    quantum = '"quantum_id":0,' if version == 4 else ""  # not a field of v3FbsPostingDetail

    def render(row: int) -> str:
        state, _updated = observed(row)
        status, delivering, cancellation, actions = by_state[state]
        created, group = table.created[row], table.group[row]
        order_number = ids.ozon_order_number(seed, group)
        shipment = iso(created + _DAY)
        delivering_date = f'"{iso(created + 2 * _DAY)}"' if delivering else "null"
        products = ",".join(product(line) for line in lines(MP, row))
        return (
            f'{{"posting_number":"{ids.ozon_posting_of(order_number, group, row)}",'
            f'"order_id":{ids.ozon_order_id(group)},"order_number":"{order_number}",{status},'
            f'"delivery_method":{delivery},"tracking_number":"","tpl_integration_type":"ozon",'
            f'"in_process_at":"{iso(created)}","shipment_date":"{shipment}",'
            f'"delivering_date":{delivering_date},"cancellation":{cancellation},'
            f'"customer":null,"addressee":null,"products":[{products}],"is_express":false,'
            f'"available_actions":{actions},"multi_box_qty":1,"is_multibox":false,'
            f'"parent_posting_number":"",{quantum}'
            f'"shipment_date_without_delay":"{shipment}","requirements":{_REQUIREMENTS}}}'
        )

    return render


def _product_v4(line: Line) -> str:
    product = line.product
    return _product_json_v4(
        product.sku, product.name, product.ozon_sku, line.quantity, line.unit_price_kop
    )


def _product_v3(line: Line) -> str:
    product = line.product
    return _product_json_v3(
        product.sku, product.name, product.ozon_sku, line.quantity, line.unit_price_kop
    )


@functools.lru_cache(maxsize=4096)
def _product_json_v4(sku: str, name: str, ozon_sku: int, quantity: int, price_kop: int) -> str:
    """A v4 list posting's product as JSON text; cached, as pages repeat a few products."""
    return (
        f'{{"imei":[],"is_blr_traceable":false,"is_marketplace_buyout":false,'
        f'"name":{quote(name)},"offer_id":{quote(sku)},'
        f'"price":{{"amount":"{rubles(price_kop)}","currency":"RUB"}},'
        f'"quantity":{quantity},"sku":{ozon_sku}}}'
    )


@functools.lru_cache(maxsize=4096)
def _product_json_v3(sku: str, name: str, ozon_sku: int, quantity: int, price_kop: int) -> str:
    """A v3 get posting's product as JSON text (price a decimal string + currency_code)."""
    return (
        f'{{"price":"{rubles(price_kop)}","offer_id":{quote(sku)},"name":{quote(name)},'
        f'"sku":{ozon_sku},"quantity":{quantity},"currency_code":"RUB",'
        '"is_blr_traceable":false,"is_marketplace_buyout":false,"imei":[]}'
    )


class _StateParts(NamedTuple):
    """JSON text of the parts of a posting that follow from its state alone."""

    status: str
    delivering: bool
    cancellation: str
    actions: str


@functools.lru_cache(maxsize=4)
def _state_parts(flow: Flow) -> tuple[_StateParts, ...]:
    return tuple(
        _StateParts(
            status=status,
            delivering=raw.canonical in ("shipped", "delivered"),
            cancellation=json_text(_cancellation(raw.canonical == "cancelled")),
            actions=json_text(["cancel", "ship"] if raw.canonical == "new" else []),
        )
        for raw, status in zip(flow.states, status_members(flow), strict=True)
    )


def _delivery_method(warehouse_id: int) -> Json:
    return {
        "id": warehouse_id,
        "name": "Доставка Ozon самостоятельно, Ногинск",
        "warehouse_id": warehouse_id,
        "warehouse": "FBS Sandbox",
        "tpl_provider_id": 24,
        "tpl_provider": "Доставка Ozon",
    }


_REQUIREMENTS = json_text(
    {
        "products_requiring_gtd": [],
        "products_requiring_country": [],
        "products_requiring_mandatory_mark": [],
    }
)


def _cancellation(cancelled: bool) -> Json:
    if not cancelled:
        return {
            "cancel_reason_id": 0,
            "cancel_reason": "",
            "cancellation_type": "",
            "cancelled_after_ship": False,
            "affect_cancellation_rating": False,
            "cancellation_initiator": "",
        }
    return {
        "cancel_reason_id": 352,
        "cancel_reason": "Товар закончился на складе продавца",
        "cancellation_type": "seller",
        "cancelled_after_ship": False,
        "affect_cancellation_rating": True,
        "cancellation_initiator": "Продавец",
    }


def _status_set(ctx: Ctx, values: Any) -> set[int] | None:
    if values in (None, []):
        return None
    wanted = set(items(values, "filter.statuses", 1, 50))
    return {i for i, raw in enumerate(ctx.state.world.flows[MP].states) if raw.status in wanted}


def _changed_window(filters: Json) -> tuple[int | None, int | None]:
    window = filters.get("last_changed_status_date") or filters.get("last_change_status_date")
    if not window:
        return None, None
    window = obj(window, "filter.last_changed_status_date")
    low = timestamp(window["from"], "from") if window.get("from") else None
    high = timestamp(window["to"], "to") if window.get("to") else None
    return low, high


def _page(
    ctx: Ctx, rows: range, filters: Json, default_statuses: set[int] | None
) -> tuple[list[int], str, bool]:
    body = obj(ctx.body)
    limit = limit_param(body.get("limit"), 100, 100)
    resume, last = decode_cursor(body.get("cursor") or body.get("last_id"))
    statuses = _status_set(ctx, filters.get("statuses")) or default_statuses
    changed_from, changed_to = _changed_window(filters)
    table = ctx.state.world.tables[MP]
    state, updated = table.state, table.updated

    def keep(row: int) -> bool:
        if statuses is not None and state[row] not in statuses:
            return False
        if changed_from is not None and updated[row] < changed_from:
            return False
        return changed_to is None or updated[row] <= changed_to

    descending = str(body.get("sort_dir") or body.get("dir") or "ASC").upper() == "DESC"
    page = scan(rows, resume, limit, keep, descending)
    cursor = encode_cursor(page.resume, page.rows[-1]) if page.has_next else ""
    return with_duplicate(ctx.state, page.rows, last), cursor, page.has_next


def posting_list(ctx: Ctx) -> Reply:
    filters = obj(obj(ctx.body).get("filter"), "filter")
    if not filters.get("since") or not filters.get("to"):
        raise ApiError(400, "filter.since and filter.to are required")
    since, until = (
        timestamp(filters["since"], "filter.since"),
        timestamp(filters["to"], "filter.to"),
    )
    if until < since or until - since > _YEAR:
        raise ApiError(400, "the since..to period must be at most one year")
    rows = ctx.state.world.tables[MP].rows_created_between(since, until)
    found, cursor, has_next = _page(ctx, rows, filters, None)
    postings = json_array(map(_posting_renderer(ctx), found))
    return Reply(json_object({"cursor": cursor, "has_next": has_next, "postings": postings}))


def unfulfilled_list(ctx: Ctx) -> Reply:
    filters = obj(obj(ctx.body).get("filter"), "filter")
    if filters.get("cutoff_from") and filters.get("cutoff_to"):
        low, high, shift = filters["cutoff_from"], filters["cutoff_to"], _DAY
    elif filters.get("delivering_date_from") and filters.get("delivering_date_to"):
        low, high, shift = filters["delivering_date_from"], filters["delivering_date_to"], 2 * _DAY
    else:
        raise ApiError(
            400, "filter needs cutoff_from/cutoff_to or delivering_date_from/delivering_date_to"
        )
    since, until = timestamp(low, "from") - shift, timestamp(high, "to") - shift
    if until < since or until - since > _YEAR:
        raise ApiError(400, "the period must be at most one year")
    table = ctx.state.world.tables[MP]
    open_states = {
        i
        for i, raw in enumerate(ctx.state.world.flows[MP].states)
        if raw.canonical in ("new", "ready_to_ship")
    }
    rows = table.rows_created_between(since, until)
    found, cursor, has_next = _page(ctx, rows, filters, open_states)
    count = (
        sum(1 for r in rows if table.state[r] in open_states)
        if not obj(ctx.body).get("cursor")
        else len(found)
    )
    postings = json_array(map(_posting_renderer(ctx), found))
    return Reply(
        json_object({"count": count, "cursor": cursor, "has_next": has_next, "postings": postings})
    )


def _posting_row(ctx: Ctx) -> int:
    number = obj(ctx.body).get("posting_number")
    parsed = (
        ids.ozon_parse_posting(ctx.state.config.seed, number) if isinstance(number, str) else None
    )
    if parsed is None or parsed[1] >= len(ctx.state.world.tables[MP]):
        raise ApiError(
            404, "Posting not found" if isinstance(number, str) else "posting_number is required"
        )
    return parsed[1]


def posting_get(ctx: Ctx) -> Reply:
    posting = _posting_renderer(ctx, version=3)(_posting_row(ctx))
    return Reply(json_object({"result": RawJson(posting)}))


def ship(ctx: Ctx) -> Reply:
    row = _posting_row(ctx)
    world = ctx.state.world
    skus = {ln.product.ozon_sku: ln.quantity for ln in world.lines(MP, row)}
    shipped: dict[int, int] = {}
    for package in items(obj(ctx.body).get("packages"), "packages", 1, 100):
        for product in items(obj(package, "packages[]").get("products"), "products", 1, 100):
            sku = integer(obj(product, "products[]").get("product_id"), "product_id")
            shipped[sku] = shipped.get(sku, 0) + integer(product.get("quantity"), "quantity")
    if shipped != skus:
        raise ApiError(
            400, "INCORRECT_PRODUCT_QUANTITY: packages must hold every product of the posting"
        )
    if not world.move(MP, row, _AWAITING_DELIVER, world.now):
        raise ApiError(400, "POSTING_ALREADY_SHIPPED: the posting is not awaiting packaging")
    number = ctx.state.external_id(MP, row)
    products = [_shipped(line) for line in world.lines(MP, row)]
    return Reply(
        {"additional_data": [{"posting_number": number, "products": products}], "result": [number]}
    )


def _shipped(line: Line) -> Json:
    """fbsv4PostingProductDetailWithoutDimensions: the shipped product, price per unit."""
    return {
        "currency_code": "RUB",
        "mandatory_mark": [],
        "name": line.product.name,
        "offer_id": line.product.sku,
        "price": rubles(line.unit_price_kop),
        "quantity": line.quantity,
        "sku": line.product.ozon_sku,
    }


def cancel(ctx: Ctx) -> Reply:
    row = _posting_row(ctx)
    body = obj(ctx.body)
    reason = integer(body.get("cancel_reason_id"), "cancel_reason_id")
    if reason == 402 and not body.get("cancel_reason_message"):
        raise ApiError(400, "cancel_reason_message is required for cancel_reason_id 402")
    world = ctx.state.world
    if not world.move(MP, row, _CANCELLED, world.now):
        raise ApiError(
            400, "POSTING_CANNOT_BE_CANCELLED: the posting status does not allow cancellation"
        )
    return Reply({"result": True})


def warehouse_list(ctx: Ctx) -> Reply:
    """``POST /v2/warehouse/list``: the seller's FBS warehouse (the credential check reads it).

    ``limit`` (1..200) is required; there is one warehouse, so one page.
    """
    limit_param(obj(ctx.body if ctx.body is not None else {}).get("limit"), 0, 200)
    warehouse_id = ctx.state.world.warehouses.ozon_id
    return Reply({"cursor": "", "has_next": False, "warehouses": [{
        "address_info": {"address": "Россия, Московская область, Ногинск, Складская ул., 1",
                         "latitude": 55.8553, "longitude": 38.4413, "utc": "UTC+03:00"},
        "carriage_label_type": "BIG", "courier_comment": "", "courier_phones": [],
        "created_at": "2025-03-11T11:57:51.811Z", "cut_in_time": 0,
        "first_mile": {"dropoff_point_id": "", "first_mile_is_changing": False,
                       "timeslot_from": "09:00", "timeslot_id": 0, "timeslot_to": "18:00",
                       "type": "PICK_UP"},
        "has_entrusted_acceptance": False, "has_postings_limit": False, "is_auto_assembly": False,
        "is_comfort": False, "is_express": False, "is_kgt": False, "is_rfbs": False,
        "is_waybill_enabled": False, "min_postings_limit": 10, "name": "FBS Склад",
        "phone": "", "postings_limit": -1, "sla_cut_in": 0, "status": "created",
        "updated_at": "2025-03-11T11:57:51.811Z", "warehouse_id": warehouse_id,
        "warehouse_type": "FBS", "with_item_list": False,
        "working_days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
    }]})  # fmt: skip


def routes(state: SandboxState) -> list[Route]:
    from mpsync.sandbox.finance_api import (
        ozon_returns,
        ozon_rfbs_returns,
        ozon_totals,
        ozon_transactions,
    )
    from mpsync.sandbox.ozon_products import (
        import_prices,
        info_prices,
        info_stocks,
        product_list,
        set_stocks,
    )

    table = [
        ("/v4/posting/fbs/list", posting_list),
        ("/v4/posting/fbs/unfulfilled/list", unfulfilled_list),
        ("/v3/posting/fbs/get", posting_get),
        ("/v4/posting/fbs/ship", ship),
        ("/v2/posting/fbs/cancel", cancel),
        ("/v2/products/stocks", set_stocks),
        ("/v4/product/info/stocks", info_stocks),
        ("/v1/product/import/prices", import_prices),
        ("/v5/product/info/prices", info_prices),
        ("/v2/warehouse/list", warehouse_list),
        ("/v3/product/list", product_list),
        ("/v3/finance/transaction/list", ozon_transactions),
        ("/v3/finance/transaction/totals", ozon_totals),
        ("/v1/returns/list", ozon_returns),
        ("/v2/returns/rfbs/list", ozon_rfbs_returns),
    ]
    groups = {"/v2/products/stocks": "stock_writes"}
    from mpsync.sandbox.buyers_api import ozon_routes

    return [
        route(state, API, "POST", path, handler, groups.get(path, "global"))
        for path, handler in table
    ] + ozon_routes(state)


def not_found(request: Request) -> Response:
    return API.error(404, "Not Found")
