"""Wildberries listings of the seller's goods: the prices goods list and the content cards.

Both list cards (``nmID``) with their sizes (``sizeID`` in the goods list, ``chrtID`` in the
content API: the same id, the ``chrtId`` of tasks and stocks). The connector flattens a card
into one row per size: the card's fields, the size's fields and ``cardSizes`` (how many sizes
the card has; the mapping names a size's SKU by it).

Both reads are declared in ``streams.STREAMS`` (their paging as ``02-products.yaml``
documents it); here is what turns their cards into rows, and the stock fan-out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mpsync.connector.records import Records, as_dicts, json_object

Call = Callable[..., Awaitable[Any]]


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
