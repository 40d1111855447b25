"""Wildberries content API: the product cards list (``POST /content/v2/get/cards/list``).

As ``02-products.yaml`` has it: cards sorted by ``updatedAt`` (descending unless
``sort.ascending``), at most 100 per page, paged by the ``cursor`` (``updatedAt`` and
``nmID`` of the last card) until a page holds fewer than ``limit``. ``filter.withPhoto``
defaults to 0, "only cards without photos": a reader that wants every card sends -1. Every
tenth sandbox card has no photo, so a reader that forgets it misses most of the catalogue.
Errors on this host are ``{data, error, errorText, additionalErrors}``.
"""

from __future__ import annotations

import uuid
from typing import Any

from mpsync.sandbox.catalog import Product, mix
from mpsync.sandbox.http import Api, ApiError, Ctx, Json, Reply, integer, obj, timestamp
from mpsync.sandbox.state import iso
from mpsync.sandbox.wildberries import admit, authenticate, gateway_error, is_gateway

MP = "wildberries"
_MAX_LIMIT = 100
_SUBJECT = (3020, "Товары для дома")
_DIMENSIONS = {"length": 20, "width": 15, "height": 10, "weightBrutto": 0.5, "isValid": True}


def error_body(status: int, message: str, code: str | int | None) -> Json:
    if is_gateway(status):
        return gateway_error(status, message, code)
    return {"data": None, "error": True, "errorText": message, "additionalErrors": None}


API = Api(MP, authenticate, error_body, admit)


def _updated(start: int, product: Product) -> int:
    """When the card was last edited: before the sandbox's start, a few hours apart."""
    return start - 3600 - product.index * 3607


def _photo(product: Product) -> list[Json]:
    if product.index % 10 == 9:
        return []
    nm = product.nm_id
    base = f"https://basket-01.wbbasket.ru/vol{nm // 100000}/part{nm // 1000}/{nm}/images"
    sizes = ("big", "c246x328", "c516x688", "square", "tm")
    return [{size: f"{base}/{size}/1.webp" for size in sizes}]


def card(seed: int, start: int, product: Product) -> Json:
    updated = iso(_updated(start, product))
    return {
        "nmID": product.nm_id,
        "imtID": product.nm_id - 40_000_000,
        "nmUUID": str(uuid.UUID(int=mix(seed, 31, product.index) << 64 | product.nm_id)),
        "subjectID": _SUBJECT[0],
        "subjectName": _SUBJECT[1],
        "vendorCode": product.sku,
        "brand": "Песочница",
        "title": product.name,
        "description": f"{product.name}. Товар песочницы mpsync.",
        "needKiz": False,
        "photos": _photo(product),
        "dimensions": _DIMENSIONS,
        "characteristics": [],
        "sizes": [
            {"chrtID": product.chrt_id, "techSize": "0", "wbSize": "", "skus": [product.barcode]}
        ],
        "tags": [],
        "createdAt": updated,
        "updatedAt": updated,
    }


def _settings(body: Any) -> tuple[Json, Json, Json]:
    settings = obj(obj(body).get("settings") or {}, "settings")
    parts = [
        obj(settings.get(key) or {}, f"settings.{key}") for key in ("sort", "filter", "cursor")
    ]
    return parts[0], parts[1], parts[2]


def _wanted(product: Product, with_photo: int) -> bool:
    has_photo = product.index % 10 != 9
    return with_photo == -1 or (with_photo == 1) == has_photo


def cards_list(ctx: Ctx) -> Reply:
    sort, flt, cursor = _settings(ctx.body)
    limit = integer(cursor.get("limit", _MAX_LIMIT), "limit")
    with_photo = integer(flt.get("withPhoto", 0), "withPhoto")
    if not 1 <= limit <= _MAX_LIMIT or with_photo not in (-1, 0, 1):
        raise ApiError(400, "Invalid request parameters")
    world, seed = ctx.state.world, ctx.state.config.seed
    ascending = bool(sort.get("ascending", False))
    keyed = sorted(
        ((_updated(world.start, p), p.nm_id, p) for p in world.catalog if _wanted(p, with_photo)),
        key=lambda k: (k[0], k[1]),
        reverse=not ascending,
    )
    if cursor.get("nmID") is not None and cursor.get("updatedAt"):
        after = (timestamp(cursor["updatedAt"], "updatedAt"), integer(cursor["nmID"], "nmID"))
        keyed = [k for k in keyed if ((k[0], k[1]) > after) == ascending and (k[0], k[1]) != after]
    page = [card(seed, world.start, p) for _, _, p in keyed[:limit]]
    last = page[-1] if page else None
    out = {"total": len(page)}
    if last is not None:
        out = {"updatedAt": last["updatedAt"], "nmID": last["nmID"], "total": len(page)}
    return Reply({"cards": page, "cursor": out})


ROUTES = [("POST", "/content/v2/get/cards/list", cards_list, "content")]
