"""What Wildberries stock and price pushes send, built from the bound ids only.

Stock is set per size by ``chrtId`` (``PUT /api/v3/stocks/{warehouseId}``, 0..100 000 units),
prices per card by ``nmID`` (``POST /api/v2/upload/task``). The ids come from the product
binding (``StockUpdate.ids`` / ``PriceUpdate.ids``); an update without them is refused
naming its SKU, never guessed from the SKU text: WB answers 204 to a stock entry whose
``chrtId`` is wrong, so a guess would fail silently.

WB prices: ``price`` is the whole price *before* the seller's discount, ``discount`` a whole
percentage, and buyers pay ``price × (100 − discount) / 100``. A push of a selling price
sends the pair that yields it (``price_pair``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from mpsync.connector.base import PriceUpdate, StockUpdate

MAX_STOCK = 100_000  # PUT /api/v3/stocks: "amount … maximum: 100000"
MAX_DISCOUNT = 99


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def price_pair(selling: Decimal, before: Decimal | None) -> tuple[int, int]:
    """WB's ``(price, discount)`` for the selling price *selling*, given the price before
    the discount *before* (the crossed-out ``old_price``; None or 0: none).

    The rule: ``discount`` is the whole percentage nearest to ``1 − selling / before``
    (0 without a higher *before*, at most 99); ``price`` is the whole number nearest to
    ``selling / (1 − discount / 100)``. Buyers then pay ``price × (100 − discount) / 100``,
    within half a currency unit of *selling* (exactly *selling* when that is whole and
    the discount is 0 or divides evenly), and ``price`` stays next to *before*.
    """
    if before is None or before <= selling:
        return _whole(selling), 0
    discount = min(_whole((before - selling) * 100 / before), MAX_DISCOUNT)
    return _whole(selling * 100 / (100 - discount)), discount


def sells_at(price: int, discount: int) -> Decimal:
    """What buyers pay for a WB ``price`` and ``discount`` (to the kopeck)."""
    return (Decimal(price) * (100 - discount) / 100).quantize(Decimal("0.01"))


def _reads_as(price: int, discount: int, *, asked_old: bool) -> dict[str, str]:
    """What the next price read shows, as the mapping reads the goods list: ``price`` the
    discounted price, ``old_price`` WB's price (left out when no old price was asked: WB
    shows the undiscounted price there, which is no crossed-out price)."""
    reads = {"price": str(sells_at(price, discount))}
    if asked_old:
        reads["old_price"] = f"{price}.00"
    return reads


def _bound(ids: Mapping[str, str], name: str) -> int | None:
    """The bound id *name* as WB's integer, or None when the binding lacks it."""
    text = str(ids.get(name) or "").strip()
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class Planned:
    """Request entries by key (warehouse, or one batch for prices) and refusals by SKU."""

    entries: dict[str, list[dict[str, int]]]
    refused: dict[str, str]
    sent: dict[str, dict[str, object]]


def _stock_refusal(item: StockUpdate) -> str | None:
    """Why a stock update cannot be sent (WB would ignore or refuse it), or None."""
    if _bound(item.ids, "chrtId") is None:
        return "not bound to a Wildberries chrtId"
    if not item.warehouse.isdigit():
        return f"warehouse {item.warehouse!r} is not a WB id"
    if not 0 <= item.quantity <= MAX_STOCK:
        return f"quantity {item.quantity} is not in 0..{MAX_STOCK}"
    return None


def _price_refusal(item: PriceUpdate) -> str | None:
    """Why a price update cannot be sent, or None."""
    if _bound(item.ids, "nmID") is None:
        return "not bound to a Wildberries nmID"
    if item.min_price is not None:
        return "Wildberries has no minimum price; omit it"
    if item.price <= 0:
        return f"price {item.price} must be above 0"
    return None


def stock_entries(items: Sequence[StockUpdate]) -> Planned:
    """``{"chrtId", "amount"}`` per warehouse; updates WB would ignore or refuse are not sent."""
    plan = Planned({}, {}, {})
    for item in items:
        why = _stock_refusal(item)
        if why is not None:
            plan.refused[item.sku] = f"{item.sku}: {why}"
            continue
        entry = {"chrtId": _bound(item.ids, "chrtId") or 0, "amount": item.quantity}
        plan.entries.setdefault(item.warehouse, []).append(entry)
        plan.sent[item.sku] = {"warehouse": item.warehouse, **entry}
    return plan


def price_entries(items: Sequence[PriceUpdate]) -> Planned:
    """``{"nmID", "price", "discount"}`` per update; what cannot be sent is refused by SKU."""
    plan = Planned({}, {}, {})
    for item in items:
        why = _price_refusal(item)
        if why is not None:
            plan.refused[item.sku] = f"{item.sku}: {why}"
            continue
        price, discount = price_pair(item.price, item.old_price)
        entry = {"nmID": _bound(item.ids, "nmID") or 0, "price": price, "discount": discount}
        plan.entries.setdefault("data", []).append(entry)
        plan.sent[item.sku] = {
            **entry,
            "sells_at": str(sells_at(price, discount)),
            "reads_as": _reads_as(price, discount, asked_old=bool(item.old_price)),
        }
    return plan


ALREADY_SET = "The specified prices and discounts are already set"


def already_set(body: object) -> bool:
    """A 400 saying the upload changes nothing: the asked prices hold already."""
    return isinstance(body, dict) and body.get("errorText") == ALREADY_SET
