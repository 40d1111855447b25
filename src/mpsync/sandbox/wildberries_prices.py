"""Wildberries prices and discounts API: upload tasks and the goods price list.

Prices are whole rubles with a discount percentage; the world keeps kopecks.
"""

from __future__ import annotations

from mpsync.sandbox.http import ApiError, Ctx, Reply, integer, items, limit_param, obj
from mpsync.sandbox.sim import PriceRow
from mpsync.sandbox.state import money_number

MP = "wildberries"


def upload_prices(ctx: Ctx) -> Reply:
    world = ctx.state.world
    updates: list[tuple[int, PriceRow]] = []
    for entry in items(obj(ctx.body).get("data"), "data", 1, 1000):
        nm_id = integer(obj(entry, "data[]").get("nmID"), "nmID")
        product = world.product_by("nm_id", nm_id)
        if product is None:
            raise ApiError(400, f"nmID {nm_id} not found", "InvalidNmID")
        if entry.get("price") is None and entry.get("discount") is None:
            raise ApiError(400, "price and discount cannot both be empty", "IncorrectRequest")
        current = world.price(MP, product.index)
        price = integer(entry.get("price", current.old_price_kop // 100), "price")
        discount = integer(entry.get("discount", current.discount), "discount")
        if price <= 0 or not 0 <= discount < 100:
            raise ApiError(400, f"invalid price or discount for nmID {nm_id}", "IncorrectRequest")
        sale = price * (100 - discount)  # kopecks: price * 100 * (100 - d) / 100
        updates.append(
            (product.index, PriceRow(sale, price * 100, current.min_price_kop, discount))
        )
    for index, row in updates:
        world.set_price(MP, index, row)
    return Reply(
        {
            "data": {"id": 7_000_000 + world.price_updates, "alreadyExists": False},
            "error": False,
            "errorText": "",
        }
    )


def get_prices(ctx: Ctx) -> Reply:
    world = ctx.state.world
    limit = limit_param(ctx.query("limit"), 10, 1000)
    offset = integer(ctx.query("offset") or 0, "offset")
    wanted = ctx.query("filterNmID")
    products = [p for p in world.catalog if wanted is None or str(p.nm_id) == wanted]
    goods = []
    for product in products[offset : offset + limit]:
        price = world.price(MP, product.index)
        size = {
            "sizeID": product.chrt_id,
            "price": price.old_price_kop // 100,
            "discountedPrice": money_number(price.price_kop),
            "clubDiscountedPrice": money_number(price.price_kop),
            "techSizeName": "0",
        }
        goods.append(
            {
                "nmID": product.nm_id,
                "vendorCode": product.sku,
                "sizes": [size],
                "currencyIsoCode4217": "RUB",
                "discount": price.discount,
                "clubDiscount": 0,
                "editableSizePrice": False,
            }
        )
    return Reply({"data": {"listGoods": goods}, "error": False, "errorText": ""})
