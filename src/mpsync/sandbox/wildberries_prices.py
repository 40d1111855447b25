"""Wildberries prices and discounts API: upload tasks and the goods price list.

As WB has it (``02-products.yaml``): a card's ``price`` is a whole number of currency units
before the seller's discount, ``discount`` a percentage, and what buyers pay is
``discountedPrice = price × (100 − discount) / 100``. The world keeps kopecks: a WB price row
holds ``old_price_kop = price × 100`` and ``price_kop = price × (100 − discount)``. A new
discounted price three or more times below the current one goes to quarantine and is not
applied. Errors on this host are ``{data, error, errorText}``.
"""

from __future__ import annotations

from mpsync.sandbox.http import Api, ApiError, Ctx, Json, Reply, integer, items, obj
from mpsync.sandbox.sim import PriceRow, World
from mpsync.sandbox.state import money_number
from mpsync.sandbox.wildberries import admit, authenticate, gateway_error, is_gateway

MP = "wildberries"
_UPLOAD_LIMIT = 1000


def error_body(status: int, message: str, code: str | int | None) -> Json:
    """components/schemas/ResponseError (401/429 keep the gateway's envelope)."""
    if is_gateway(status):
        return gateway_error(status, message, code)
    return {"data": None, "error": True, "errorText": message}


API = Api(MP, authenticate, error_body, admit)


def wb_price_row(price: int, discount: int, min_price_kop: int) -> PriceRow:
    """The world's row for a WB ``price`` (whole units) and ``discount`` (%)."""
    return PriceRow(price * (100 - discount), price * 100, min_price_kop, discount)


def _whole(entry: Json, key: str, message: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, message)
    return value


def _entry(world: World, entry: Json, seen: set[int]) -> tuple[int, PriceRow] | None:
    """(product index, new row) of one upload entry; None for an nmID no card has."""
    nm_id = integer(entry.get("nmID"), "nmID")
    if nm_id in seen:
        raise ApiError(400, "Duplicate item Nos.")
    seen.add(nm_id)
    price = _whole(entry, "price", "Price should be a whole number")
    discount = _whole(entry, "discount", "Invalid discount value")
    if price is None and discount is None:
        raise ApiError(400, "Price and discount not specified")
    if price is not None and price <= 0:
        raise ApiError(400, "Invalid price value")
    if discount is not None and not 0 <= discount <= 99:
        raise ApiError(400, "Invalid discount value")
    product = world.product_by("nm_id", nm_id)
    if product is None:
        return None
    current = world.price(MP, product.index)
    row = wb_price_row(
        current.old_price_kop // 100 if price is None else price,
        current.discount if discount is None else discount,
        current.min_price_kop,
    )
    return product.index, row


def upload_prices(ctx: Ctx) -> Reply:
    world = ctx.state.world
    entries = obj(ctx.body).get("data")
    if isinstance(entries, list) and len(entries) > _UPLOAD_LIMIT:
        raise ApiError(400, "Upload limit exceeded: You can upload a maximum of 1 000 items")
    if isinstance(entries, list) and not entries:
        raise ApiError(400, "Empty data")
    seen: set[int] = set()
    known = [
        found
        for entry in items(entries, "data", 1, _UPLOAD_LIMIT)
        if (found := _entry(world, obj(entry, "data[]"), seen)) is not None
    ]
    changed = [(i, row) for i, row in known if row != world.price(MP, i)]
    if not known:
        raise ApiError(
            400,
            "All item Nos. are specified incorrectly, or the specified prices and discounts "
            "are already set",
        )
    if not changed:
        raise ApiError(400, "The specified prices and discounts are already set")
    for index, row in changed:
        if row.price_kop * 3 > world.price(MP, index).price_kop:  # else: quarantine
            world.set_price(MP, index, row)
    world.price_uploads += 1
    upload = {"id": 7_000_000 + world.price_uploads, "alreadyExists": False}
    return Reply({"data": upload, "error": False, "errorText": ""})


def get_prices(ctx: Ctx) -> Reply:
    """``GET /api/v2/list/goods/filter``: ``limit`` (≤ 1000) is required."""
    world = ctx.state.world
    if ctx.query("limit") in (None, ""):
        raise ApiError(400, "Invalid request parameters")
    limit = integer(ctx.query("limit"), "limit")
    offset = integer(ctx.query("offset") or 0, "offset")
    if not 0 <= limit <= 1000 or offset < 0:
        raise ApiError(400, "Invalid request parameters")
    wanted = ctx.query("filterNmID")
    products = [p for p in world.catalog if wanted is None or str(p.nm_id) == wanted]
    goods = []
    for product in products[offset : offset + limit]:
        row = world.price(MP, product.index)
        size = {
            "sizeID": product.chrt_id,
            "price": row.old_price_kop // 100,
            "discountedPrice": money_number(row.price_kop),
            "clubDiscountedPrice": money_number(row.price_kop),
            "techSizeName": "0",
        }
        goods.append(
            {
                "nmID": product.nm_id,
                "vendorCode": product.sku,
                "sizes": [size],
                "currencyIsoCode4217": "RUB",
                "discount": row.discount,
                "clubDiscount": 0,
                "editableSizePrice": False,
                "isBadTurnover": False,
            }
        )
    return Reply({"data": {"listGoods": goods}, "error": False, "errorText": ""})


ROUTES = [
    ("POST", "/api/v2/upload/task", upload_prices, "prices"),
    ("GET", "/api/v2/list/goods/filter", get_prices, "prices"),
]
