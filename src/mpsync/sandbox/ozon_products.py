"""Ozon Seller API, products: set and read stocks, import and read prices, list products.

Price writes are decimal strings in rubles, price reads JSON numbers; the world stores
kopecks. The stock read shows the seller's FBS stock and, for some products, Ozon's own
(FBO) stock; a stock write names the Ozon ``product_id`` (required).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from mpsync.sandbox.catalog import Product, ozon_fbo_stock
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
from mpsync.sandbox.state import money_number, rubles

MP = "ozon"
PAIR_INTERVAL = 30  # seconds between two stock updates of one product-warehouse pair
PRICE_UPDATES_PER_HOUR = 10


def _product(ctx: Ctx, entry: Json) -> Product | None:
    """offer_id wins over product_id, as documented."""
    world = ctx.state.world
    if entry.get("offer_id"):
        return world.product_by("sku", entry["offer_id"], MP)
    if entry.get("product_id") is not None:
        return world.product_by("ozon_product_id", integer(entry["product_id"], "product_id"))
    return None


def _result(product: Product | None, entry: Json, errors: list[Json]) -> Json:
    return {
        "product_id": product.ozon_product_id if product else entry.get("product_id", 0),
        "offer_id": product.sku if product else entry.get("offer_id", ""),
        "updated": not errors,
        "errors": errors,
    }


def _not_found() -> list[Json]:
    return [{"code": "NOT_FOUND", "message": "Product not found"}]


def set_stocks(ctx: Ctx) -> Reply:
    """``/v2/products/stocks``: ``product_id`` is required (the request is refused without
    it, as Ozon's validation does); with both ids given, ``offer_id`` wins."""
    world, result = ctx.state.world, []
    entries = [obj(e, "stocks[]") for e in items(obj(ctx.body).get("stocks"), "stocks", 1, 100)]
    for index, entry in enumerate(entries):
        if entry.get("product_id") in (None, "", 0):
            raise ApiError(400, f"invalid ProductsStocksRequest.Stocks[{index}]: "
                                "ProductId: value must be greater than 0")  # fmt: skip
    for entry in entries:
        product = _product(ctx, entry)
        stock = integer(entry.get("stock"), "stock")
        warehouse = integer(entry.get("warehouse_id"), "warehouse_id")
        errors = _not_found() if product is None else []
        if product is not None and warehouse != world.warehouses.ozon_id:
            errors = [{"code": "WAREHOUSE_NOT_FOUND", "message": "warehouse not found"}]
        if product is not None and not errors:
            errors = _too_soon(ctx, product.index, warehouse)
        if product is not None and not errors:
            world.stock[MP][product.index] = max(0, stock)
        result.append({"warehouse_id": warehouse, **_result(product, entry, errors)})
    return Reply({"result": result})


def _too_soon(ctx: Ctx, product: int, warehouse: int) -> list[Json]:
    """A product-warehouse pair takes one update per 30 s ("1 раз в 30 секунд", the path's
    description): sooner is TOO_MANY_REQUESTS in ``result.errors`` (simulated time)."""
    stamps = ctx.state.world.stock_writes
    now = ctx.state.world.now
    if now - stamps.get((product, warehouse), now - PAIR_INTERVAL) < PAIR_INTERVAL:
        return [{"code": "TOO_MANY_REQUESTS", "message": "Stock is updated too frequently"}]
    stamps[product, warehouse] = now
    return []


def _price_quota(ctx: Ctx, product: int) -> list[Json]:
    """Each product's price at most 10 times per hour (the path's description)."""
    history = ctx.state.world.price_writes.setdefault(product, [])
    now = ctx.state.world.now
    history[:] = [at for at in history if now - at < 3600]
    if len(history) >= PRICE_UPDATES_PER_HOUR:
        return [{"code": "TOO_MANY_REQUESTS", "message": "error limiting: acquire limit per item"}]
    history.append(now)
    return []


def _selected(ctx: Ctx) -> tuple[list[Product], int, int]:
    body = obj(ctx.body)
    filters = obj(body.get("filter") or {}, "filter")
    offers = set(filters.get("offer_id") or [])
    products = {integer(v, "product_id") for v in filters.get("product_id") or []}
    limit = limit_param(body.get("limit"), 100, 1000)
    resume, _last = decode_cursor(body.get("cursor"))
    chosen = [
        p
        for p in ctx.state.world.catalog_of(MP)
        if (not offers or p.sku in offers) and (not products or p.ozon_product_id in products)
    ]
    return chosen, max(0, resume), limit


def _cursor(start: int, limit: int, total: int) -> str:
    return encode_cursor(start + limit, start + limit - 1) if start + limit < total else ""


def info_stocks(ctx: Ctx) -> Reply:
    """``/v4/product/info/stocks``: per product its FBS stock at the seller's warehouse and,
    for some, its stock at Ozon's warehouses (``type: fbo``, no seller warehouse ids)."""
    chosen, start, limit = _selected(ctx)
    world, seed = ctx.state.world, ctx.state.config.seed
    found = []
    for product in chosen[start : start + limit]:
        stocks: list[Json] = [{
            "present": world.stock[MP][product.index], "reserved": 0,
            "shipment_type": "SHIPMENT_TYPE_GENERAL", "sku": product.ozon_sku, "type": "fbs",
            "warehouse_ids": [str(world.warehouses.ozon_id)],
        }]  # fmt: skip
        fbo = ozon_fbo_stock(seed, product.index)
        if fbo is not None:
            stocks.append({"present": fbo[0], "reserved": fbo[1],
                           "shipment_type": "SHIPMENT_TYPE_GENERAL", "sku": product.ozon_sku,
                           "type": "fbo"})  # fmt: skip
        found.append(
            {"offer_id": product.sku, "product_id": product.ozon_product_id, "stocks": stocks}
        )
    return Reply(_listing(found, start, limit, len(chosen)))


def _listing(found: list[Json], start: int, limit: int, total: int) -> Json:
    return {
        "cursor": _cursor(start, limit, total),
        "items": found,
        "total": total,
        "total_items": total,
    }


def _kopecks(value: Any, what: str) -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ApiError(400, f"{what} must be a decimal string") from error
    if not amount.is_finite() or amount < 0:
        raise ApiError(400, f"{what} must be a non-negative number")
    return int((amount * 100).to_integral_value())


def import_prices(ctx: Ctx) -> Reply:
    world, result = ctx.state.world, []
    updates: list[tuple[int, PriceRow]] = []
    for entry in items(obj(ctx.body).get("prices"), "prices", 1, 1000):
        entry = obj(entry, "prices[]")
        product = _product(ctx, entry)
        if product is None:
            result.append(_result(None, entry, _not_found()))
            continue
        current = world.price(MP, product.index)
        price = _kopecks(entry.get("price", rubles(current.price_kop)), "price")
        old = _kopecks(entry.get("old_price", rubles(current.old_price_kop)), "old_price")
        minimum = _kopecks(entry.get("min_price", rubles(current.min_price_kop)), "min_price")
        if entry.get("currency_code", "RUB") != "RUB" or price == 0:
            result.append(
                _result(product, entry, [{"code": "INVALID_PRICE", "message": "bad price"}])
            )
            continue
        quota = _price_quota(ctx, product.index)
        if quota:
            result.append(_result(product, entry, quota))
            continue
        updates.append((product.index, PriceRow(price, old, minimum, 0)))
        result.append(_result(product, entry, []))
    for index, row in updates:
        world.set_price(MP, index, row)
    return Reply({"result": result})


def info_prices(ctx: Ctx) -> Reply:
    """``/v5/product/info/prices``: the price object's money as JSON numbers in rubles
    (``old_price``/``min_price`` 0 when none is set)."""
    chosen, start, limit = _selected(ctx)
    world = ctx.state.world
    found = []
    for product in chosen[start : start + limit]:
        row = world.price(MP, product.index)
        price = {
            "auto_action_enabled": False,
            "auto_add_to_ozon_actions_list_enabled": False,
            "currency_code": "RUB",
            "min_price": money_number(row.min_price_kop),
            "net_price": 0,
            "old_price": money_number(row.old_price_kop),
            "price": money_number(row.price_kop),
            "vat": money_number(20),
        }
        found.append(
            {"offer_id": product.sku, "product_id": product.ozon_product_id, "price": price}
        )
    return Reply(_listing(found, start, limit, len(chosen)))


def product_list(ctx: Ctx) -> Reply:
    """``/v3/product/list``: the seller's products with their Ozon ids, paged by ``last_id``."""
    body = obj(ctx.body if ctx.body is not None else {})
    limit = limit_param(body.get("limit"), 1000, 1000)
    start = max(0, decode_cursor(body.get("last_id") or None)[0])
    chosen, seed = ctx.state.world.catalog_of(MP), ctx.state.config.seed
    found = [_listed(p, ozon_fbo_stock(seed, p.index) is not None)
             for p in chosen[start : start + limit]]  # fmt: skip
    total = len(chosen)
    result = {"items": found, "last_id": _cursor(start, limit, total), "total": total}
    return Reply({"result": {**result, "total_items": total}})


def _listed(product: Product, fbo: bool) -> Json:
    return {
        "archived": False,
        "has_fbo_stocks": fbo,
        "has_fbs_stocks": True,
        "is_discounted": False,
        "offer_id": product.sku,
        "product_id": product.ozon_product_id,
        "quants": [],
        "sku": product.ozon_sku,
    }
