"""Yandex Market Partner API, offers: stocks per campaign, prices and the catalogue per business.

Prices are {value, currencyId, discountBase} numbers; the world stores kopecks. Stock and
price methods count their limits in items, charged here once the items are known.
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
from mpsync.sandbox.yandex_market import charge, truncated

MP = "yandex_market"
MARKET_SKU_BASE = 100_000_000_000


def market_sku(product: Product) -> int:
    """The Market's own card id (``marketSku``) the sandbox gives a product."""
    return MARKET_SKU_BASE + product.index * 37 + 11


def _product(ctx: Ctx, sku: Any) -> Product:
    product = ctx.state.world.product_by("sku", sku, MP) if isinstance(sku, str) else None
    if product is None:
        raise ApiError(400, f"Offer {sku!r} not found", "OFFER_NOT_FOUND")
    return product


def _kopecks(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value <= 0:
        raise ApiError(400, f"{what} must be a number above 0")
    return int((Decimal(value) * 100).to_integral_value())


def update_stocks(ctx: Ctx) -> Reply:
    updates = []
    entries = items(obj(ctx.body).get("skus"), "skus", 1, 2000)
    headers = charge(ctx, "stock_updates", len(entries))
    for entry in entries:
        product = _product(ctx, obj(entry, "skus[]").get("sku"))
        stock_items = items(entry.get("items"), "skus[].items", 1, 1)
        count = integer(obj(stock_items[0], "items[]").get("count"), "count")
        if not 0 <= count <= 2_000_000_000:
            raise ApiError(400, "count must be between 0 and 2000000000")
        updates.append((product.index, count))
    for index, count in updates:
        ctx.state.world.stock[MP][index] = count
    return Reply({"status": "OK"}, headers=headers)


def _paged(
    ctx: Ctx, wanted: Any, default: int, high: int, truncate: bool
) -> tuple[list[Product], Json]:
    """A page of the catalogue (``pageToken``, also spelled ``page_token``)."""
    chosen = [p for p in ctx.state.world.catalog_of(MP) if not wanted or p.sku in set(wanted)]
    raw = ctx.query("limit")
    limit = limit_param(truncated(raw, high) if truncate else raw, default, high)
    token = ctx.query("pageToken") or ctx.query("page_token")
    start = max(0, decode_cursor(token)[0])
    end = start + limit
    paging = {"nextPageToken": encode_cursor(end, end - 1)} if end < len(chosen) else {}
    return chosen[start:end], paging


def get_stocks(ctx: Ctx) -> Reply:
    body = obj(ctx.body if ctx.body is not None else {})
    chosen, paging = _paged(ctx, body.get("offerIds"), 100, 200, truncate=False)
    world = ctx.state.world
    offers = []
    for product in chosen:
        count = world.stock[MP][product.index]
        if body.get("hasStocks") is True and count == 0:
            continue
        stocks = [{"type": "FIT", "count": count}, {"type": "AVAILABLE", "count": count}]
        offers.append({"offerId": product.sku, "stocks": stocks, "updatedAt": iso(world.now)})
    headers = charge(ctx, "stocks", len(offers))
    warehouses = [{"warehouseId": world.warehouses.ym_id, "offers": offers}]
    result = {"paging": paging, "warehouses": warehouses}
    return Reply({"status": "OK", "result": result}, headers=headers)


def _price_row(ctx: Ctx, entry: Any) -> tuple[int, PriceRow]:
    """One offer of an update: integer discountBase 5–99 % above the price; a missing
    ``minimumForBestseller`` erases the one set before (UpdateBusinessPricesDTO.yaml)."""
    product = _product(ctx, obj(entry, "offers[]").get("offerId"))
    price = obj(entry.get("price"), "offers[].price")
    if price.get("currencyId") != "RUR":
        raise ApiError(400, "only RUR prices are supported", "INVALID_CURRENCY")
    value = _kopecks(price.get("value"), "price.value")
    base = price.get("discountBase")
    if base is None:
        old = value
    elif isinstance(base, bool) or not isinstance(base, int):
        raise ApiError(400, "price.discountBase must be a whole number", "INVALID_DISCOUNT_BASE")
    else:
        old = base * 100
        if not old * 5 // 100 <= old - value <= old * 99 // 100:
            raise ApiError(400, "the discount must be 5..99 % of discountBase", "INVALID_DISCOUNT")
    minimum = price.get("minimumForBestseller")
    low = 0 if minimum is None else _kopecks(minimum, "price.minimumForBestseller")
    return product.index, PriceRow(value, old, low, 0)


def update_prices(ctx: Ctx) -> Reply:
    world = ctx.state.world
    entries = items(obj(ctx.body).get("offers"), "offers", 1, 500)
    headers = charge(ctx, "price_updates", len(entries))
    updates = [_price_row(ctx, entry) for entry in entries]
    for index, row in updates:
        world.set_price(MP, index, row)
    return Reply({"status": "OK"}, headers=headers)


def _price(row: PriceRow, updated: int) -> Json:
    price: Json = {"value": money_number(row.price_kop), "currencyId": "RUR"}
    if row.old_price_kop > row.price_kop:
        price["discountBase"] = money_number(row.old_price_kop)
    if row.min_price_kop:
        price["minimumForBestseller"] = money_number(row.min_price_kop)
    price["updatedAt"] = iso(updated)
    return price


def get_prices(ctx: Ctx) -> Reply:
    body = obj(ctx.body if ctx.body is not None else {})
    chosen, paging = _paged(ctx, body.get("offerIds"), 250, 500, truncate=True)
    world = ctx.state.world
    headers = charge(ctx, "prices", len(chosen))
    offers = [
        {"offerId": p.sku, "price": _price(world.price(MP, p.index), world.now)} for p in chosen
    ]
    return Reply({"status": "OK", "result": {"offers": offers, "paging": paging}}, headers=headers)


def _mapping(ctx: Ctx, product: Product) -> Json:
    campaign = ctx.state.config.credentials.ym_campaign_id
    return {
        "offer": {
            "offerId": product.sku, "name": product.name, "barcodes": [product.barcode],
            "vendor": "Sandbox", "cardStatus": "HAS_CARD_CAN_UPDATE", "archived": False,
            "campaigns": [{"campaignId": campaign, "status": "PUBLISHED"}],
        },
        "mapping": {
            "marketSku": market_sku(product), "marketSkuName": product.name,
            "marketCategoryId": 91491, "marketCategoryName": "Товары для дома",
        },
    }  # fmt: skip


def get_mappings(ctx: Ctx) -> Reply:
    """``POST /v2/businesses/{businessId}/offer-mappings``: offerId ↔ marketSku, names."""
    body = obj(ctx.body if ctx.body is not None else {})
    wanted = body.get("offerIds")
    if wanted is not None:
        items(wanted, "offerIds", 1, 100)
    chosen, paging = _paged(ctx, wanted, 50, 100, truncate=True)
    mappings = [_mapping(ctx, product) for product in chosen]
    return Reply({"status": "OK", "result": {"paging": paging, "offerMappings": mappings}})
