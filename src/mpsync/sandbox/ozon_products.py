"""Ozon Seller API, products: set and read FBS stocks, import and read prices.

Prices travel as decimal strings in rubles; the world stores kopecks.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
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
from mpsync.sandbox.state import rubles

MP = "ozon"


def _product(ctx: Ctx, entry: Json) -> Product | None:
    """offer_id wins over product_id, as documented."""
    world = ctx.state.world
    if entry.get("offer_id"):
        return world.product_by("sku", entry["offer_id"])
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
    world, result = ctx.state.world, []
    for entry in items(obj(ctx.body).get("stocks"), "stocks", 1, 100):
        entry = obj(entry, "stocks[]")
        product = _product(ctx, entry)
        stock = integer(entry.get("stock"), "stock")
        warehouse = integer(entry.get("warehouse_id"), "warehouse_id")
        errors = _not_found() if product is None else []
        if product is not None and warehouse != world.warehouses.ozon_id:
            errors = [{"code": "WAREHOUSE_NOT_FOUND", "message": "warehouse not found"}]
        if product is not None and not errors:
            world.stock[MP][product.index] = max(0, stock)
        result.append({"warehouse_id": warehouse, **_result(product, entry, errors)})
    return Reply({"result": result})


def _selected(ctx: Ctx) -> tuple[list[Product], int, int]:
    body = obj(ctx.body)
    filters = obj(body.get("filter") or {}, "filter")
    offers = set(filters.get("offer_id") or [])
    products = {integer(v, "product_id") for v in filters.get("product_id") or []}
    limit = limit_param(body.get("limit"), 100, 1000)
    resume, _last = decode_cursor(body.get("cursor"))
    chosen = [
        p
        for p in ctx.state.world.catalog
        if (not offers or p.sku in offers) and (not products or p.ozon_product_id in products)
    ]
    return chosen, max(0, resume), limit


def _cursor(start: int, limit: int, total: int) -> str:
    return encode_cursor(start + limit, start + limit - 1) if start + limit < total else ""


def info_stocks(ctx: Ctx) -> Reply:
    chosen, start, limit = _selected(ctx)
    world = ctx.state.world
    found = []
    for product in chosen[start : start + limit]:
        stock = {
            "present": world.stock[MP][product.index],
            "reserved": 0,
            "shipment_type": "SHIPMENT_TYPE_GENERAL",
            "sku": product.ozon_sku,
            "type": "fbs",
            "warehouse_ids": [world.warehouses.ozon_id],
        }
        found.append(
            {"offer_id": product.sku, "product_id": product.ozon_product_id, "stocks": [stock]}
        )
    return Reply(
        {"cursor": _cursor(start, limit, len(chosen)), "items": found, "total": len(chosen)}
    )


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
        updates.append((product.index, PriceRow(price, old, minimum, 0)))
        result.append(_result(product, entry, []))
    for index, row in updates:
        world.set_price(MP, index, row)
    return Reply({"result": result})


def info_prices(ctx: Ctx) -> Reply:
    chosen, start, limit = _selected(ctx)
    world = ctx.state.world
    found = []
    for product in chosen[start : start + limit]:
        row = world.price(MP, product.index)
        price = {
            "price": rubles(row.price_kop),
            "old_price": rubles(row.old_price_kop),
            "min_price": rubles(row.min_price_kop),
            "marketing_price": rubles(row.price_kop),
            "marketing_seller_price": rubles(row.price_kop),
            "retail_price": "0",
            "vat": "0.2",
            "currency_code": "RUB",
            "auto_action_enabled": False,
        }
        found.append(
            {"offer_id": product.sku, "product_id": product.ozon_product_id, "price": price}
        )
    return Reply(
        {"cursor": _cursor(start, limit, len(chosen)), "items": found, "total": len(chosen)}
    )
