"""Yandex Market Partner API, offers: stocks per campaign and prices per business.

Prices are {value, currencyId, discountBase} numbers; the world stores kopecks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mpsync.sandbox.catalog import Product
from mpsync.sandbox.http import (
    ApiError,
    Ctx,
    Json,
    Reply,
    decode_cursor,
    encode_cursor,
    integer,
    items,
    limit_param,
    obj,
)
from mpsync.sandbox.sim import PriceRow
from mpsync.sandbox.state import iso, money_number

MP = "yandex_market"


def _product(ctx: Ctx, sku: Any) -> Product:
    product = ctx.state.world.product_by("sku", sku) if isinstance(sku, str) else None
    if product is None:
        raise ApiError(400, f"Offer {sku!r} not found", "OFFER_NOT_FOUND")
    return product


def _kopecks(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
        raise ApiError(400, f"{what} must be a non-negative number")
    return int((Decimal(value) * 100).to_integral_value())


def update_stocks(ctx: Ctx) -> Reply:
    updates = []
    for entry in items(obj(ctx.body).get("skus"), "skus", 1, 2000):
        product = _product(ctx, obj(entry, "skus[]").get("sku"))
        stock_items = items(entry.get("items"), "skus[].items", 1, 1)
        count = integer(obj(stock_items[0], "items[]").get("count"), "count")
        if not 0 <= count <= 2_000_000_000:
            raise ApiError(400, "count must be between 0 and 2000000000")
        updates.append((product.index, count))
    for index, count in updates:
        ctx.state.world.stock[MP][index] = count
    return Reply({"status": "OK"})


def _paged(ctx: Ctx, wanted: Any) -> tuple[list[Product], Json]:
    chosen = [p for p in ctx.state.world.catalog if not wanted or p.sku in set(wanted)]
    limit = limit_param(ctx.query("limit"), 50, 200)
    # The offers methods document ``page_token``; ``pageToken`` (the orders spelling) too.
    token = ctx.query("page_token") or ctx.query("pageToken")
    start = max(0, decode_cursor(token)[0])
    end = start + limit
    paging = {"nextPageToken": encode_cursor(end, end - 1)} if end < len(chosen) else {}
    return chosen[start:end], paging


def get_stocks(ctx: Ctx) -> Reply:
    body = obj(ctx.body if ctx.body is not None else {})
    chosen, paging = _paged(ctx, body.get("offerIds"))
    world = ctx.state.world
    offers = []
    for product in chosen:
        count = world.stock[MP][product.index]
        stocks = [{"type": "FIT", "count": count}, {"type": "AVAILABLE", "count": count}]
        offers.append({"offerId": product.sku, "stocks": stocks, "updatedAt": iso(world.now)})
    warehouses = [{"warehouseId": world.warehouses.ym_id, "offers": offers}]
    return Reply({"status": "OK", "result": {"paging": paging, "warehouses": warehouses}})


def update_prices(ctx: Ctx) -> Reply:
    world = ctx.state.world
    updates: list[tuple[int, PriceRow]] = []
    for entry in items(obj(ctx.body).get("offers"), "offers", 1, 500):
        product = _product(ctx, obj(entry, "offers[]").get("offerId"))
        price = obj(entry.get("price"), "offers[].price")
        if price.get("currencyId", "RUR") != "RUR":
            raise ApiError(400, "only RUR prices are supported", "INVALID_CURRENCY")
        value = _kopecks(price.get("value"), "price.value")
        base = _kopecks(price.get("discountBase", price.get("value")), "price.discountBase")
        current = world.price(MP, product.index)
        updates.append((product.index, PriceRow(value, base, current.min_price_kop, 0)))
    for index, row in updates:
        world.set_price(MP, index, row)
    return Reply({"status": "OK"})


def get_prices(ctx: Ctx) -> Reply:
    body = obj(ctx.body if ctx.body is not None else {})
    chosen, paging = _paged(ctx, body.get("offerIds"))
    world = ctx.state.world
    offers = []
    for product in chosen:
        row = world.price(MP, product.index)
        price = {
            "value": money_number(row.price_kop),
            "currencyId": "RUR",
            "discountBase": money_number(row.old_price_kop),
        }
        offers.append({"offerId": product.sku, "price": price, "updatedAt": iso(world.now)})
    return Reply({"status": "OK", "result": {"offers": offers, "paging": paging}})
