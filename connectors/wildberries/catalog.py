"""Wildberries listings of the seller's goods: the prices goods list and the content cards.

Both list cards (``nmID``) with their sizes (``sizeID`` in the goods list, ``chrtID`` in the
content API: the same id, the ``chrtId`` of tasks and stocks). The connector flattens a card
into one row per size: the card's fields, the size's fields and ``cardSizes`` (how many sizes
the card has; the mapping names a size's SKU by it).

Paging, as ``02-products.yaml`` documents it:

* ``GET /api/v2/list/goods/filter``: ``limit`` ≤ 1000 and ``offset``; "repeat the request
  until the answer is an empty list";
* ``POST /content/v2/get/cards/list``: ``cursor.limit`` ≤ 100, then the answer's
  ``cursor.updatedAt``/``nmID`` until ``cursor.total`` is below the limit. ``withPhoto``
  defaults to 0, "only cards without photos": every card needs -1.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mpsync.connector.errors import FatalError
from mpsync.connector.records import Records, as_dicts, json_object

Call = Callable[..., Awaitable[Any]]
GOODS = "wildberries GET /api/v2/list/goods/filter"
CARDS = "wildberries POST /content/v2/get/cards/list"


def size_rows(card: dict[str, Any]) -> Records:
    """One card → one row per size: the card's fields, the size's fields and ``cardSizes``.

    A card without sizes is passed on as it is: the mapping dead-letters it.
    """
    sizes = card.get("sizes")
    if not isinstance(sizes, list) or not sizes:
        return [card]
    base = {key: value for key, value in card.items() if key != "sizes"}
    return [
        {**base, **size, "cardSizes": len(sizes)}
        if isinstance(size, dict)
        else {**base, "_unparsed": size}
        for size in sizes
    ]


async def goods_page(call: Call, limit: int, offset: int) -> Records:
    """The page of the goods list at *offset* (``OffsetPaginator`` pages it)."""
    body = await call(
        "GET",
        "prices",
        "/api/v2/list/goods/filter",
        group="prices",
        params={"limit": limit, "offset": offset},
    )
    body = json_object(body, GOODS)
    if body.get("error"):
        raise FatalError(f"{GOODS}: {body.get('errorText') or 'error without a text'}")
    data = body.get("data")
    return as_dicts(data.get("listGoods") if isinstance(data, dict) else None)


async def cards_page(call: Call, limit: int, cursor: str | None) -> tuple[Records, str | None]:
    """One page of the content cards; *cursor* is the JSON of the last answer's cursor."""
    position = json.loads(cursor) if cursor else {}
    body = await call(
        "POST",
        "content",
        "/content/v2/get/cards/list",
        group="content",
        json_body={
            "settings": {"cursor": {"limit": limit, **position}, "filter": {"withPhoto": -1}}
        },
    )
    body = json_object(body, CARDS)
    cards = as_dicts(body.get("cards"))
    cursor = body.get("cursor")
    following: dict[str, Any] = cursor if isinstance(cursor, dict) else {}
    total = following.get("total")
    if not cards or not isinstance(total, int) or total < limit:
        return cards, None
    if following.get("updatedAt") is None or following.get("nmID") is None:
        raise FatalError(f"{CARDS}: a full page without a cursor to continue from")
    position = {"updatedAt": following["updatedAt"], "nmID": following["nmID"]}
    return cards, json.dumps(position, separators=(",", ":"))


SIZE_KEYS = ("nmID", "vendorCode", "techSizeName", "sizeID", "cardSizes")


async def stock_rows(
    call: Call, goods: Records, warehouses: list[dict[str, Any]], batch: int
) -> Records:
    """Rows ``{chrtId, amount, warehouseId, warehouseName}`` plus the size's identity
    (``nmID``, ``vendorCode``, ``techSizeName``, ``sizeID``, ``cardSizes``).

    ``POST /api/v3/stocks/{warehouseId}`` answers only for the ``chrtId``s it is asked
    about. A size without a usable ``sizeID`` (or a card without sizes) cannot be asked
    about: it becomes a row without an amount, which the mapping dead-letters.
    """
    sizes: dict[int, dict[str, Any]] = {}
    rows: Records = []
    for card in goods:
        for row in size_rows(card):
            chrt = row.get("sizeID")
            if isinstance(chrt, int) and not isinstance(chrt, bool):
                sizes[chrt] = {key: row[key] for key in SIZE_KEYS if key in row}
            else:
                rows.append(row)
    chrts = list(sizes)
    for warehouse in warehouses:
        wid = warehouse["id"]
        for start in range(0, len(chrts), batch):
            body = await call(
                "POST",
                "marketplace",
                f"/api/v3/stocks/{wid}",
                group="stocks",
                json_body={"chrtIds": chrts[start : start + batch]},
            )
            answer = json_object(body, f"wildberries POST /api/v3/stocks/{wid}")
            for stock in as_dicts(answer.get("stocks")):
                chrt = stock.get("chrtId")
                size = sizes.get(chrt, {}) if isinstance(chrt, int) else {}
                where = {"warehouseId": wid, "warehouseName": warehouse.get("name")}
                rows.append({**size, **stock, **where})
    return rows
