"""The seller's own stock ledger: what is on hand per item, and every change with its
reason (``stock set``, ``stock adjust``, an import, a feed, an order handed over).

Each change is one ``stock_ledger`` row written in the same transaction as the item's new
figure, so the ledger always adds up to what ``stock_items`` holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from mpsync.store.tables import StockItem, StockLedgerEntry
from mpsync.store.upsert import bulk_upsert

ITEMS = StockItem.__table__  # type: ignore[attr-defined]
LEDGER = StockLedgerEntry.__table__  # type: ignore[attr-defined]
CHUNK = 900


class LedgerError(ValueError):
    """A change the ledger refuses (a figure below 0, an item never set)."""


@dataclass(frozen=True)
class Change:
    item: str
    before: int | None
    after: int
    reason: str


def on_hand(connection: Connection, items: Iterable[str] | None = None) -> dict[str, int]:
    """On-hand figures of the items set in the ledger (all of them when *items* is None)."""
    query = select(ITEMS.c.item, ITEMS.c.on_hand).where(ITEMS.c.on_hand.is_not(None))
    if items is None:
        return {row.item: row.on_hand for row in connection.execute(query)}
    wanted = sorted(set(items))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = query.where(ITEMS.c.item.in_(wanted[start : start + CHUNK]))
        found.update({row.item: row.on_hand for row in connection.execute(chunk)})
    return found


def set_figures(
    connection: Connection, figures: Mapping[str, int], *, reason: str, source: str, now: datetime
) -> list[Change]:
    """Set the on-hand figure of items; only those that change get a ledger entry."""
    for item, quantity in figures.items():
        if quantity < 0:
            raise LedgerError(f"{item}: on hand cannot be below 0 (asked {quantity})")
    before = on_hand(connection, figures)
    changes = [
        Change(item, before.get(item), quantity, reason)
        for item, quantity in figures.items()
        if before.get(item) != quantity
    ]
    _write(connection, changes, source, now)
    return changes


def adjust(
    connection: Connection,
    deltas: Mapping[str, int],
    *,
    reason: str,
    source: str,
    now: datetime,
    clamp: bool = False,
) -> list[Change]:
    """Add *deltas* to items already set; *clamp*: stop at 0 instead of refusing."""
    before = on_hand(connection, deltas)
    changes = []
    for item, delta in deltas.items():
        if item not in before:
            raise LedgerError(
                f"{item}: not in the ledger yet; set it first: mpsync stock set {item} N"
            )
        after = before[item] + delta
        if after < 0 and not clamp:
            raise LedgerError(f"{item}: {before[item]} on hand, {delta:+d} would go below 0")
        if delta:
            changes.append(Change(item, before[item], max(after, 0), reason))
    _write(connection, changes, source, now)
    return changes


def _write(connection: Connection, changes: list[Change], source: str, now: datetime) -> None:
    if not changes:
        return
    rows = [{"item": c.item, "on_hand": c.after, "updated_at": now} for c in changes]
    bulk_upsert(
        connection,
        ITEMS,
        rows,
        ["item"],
        compare=("on_hand",),
        update=["on_hand", "updated_at"],
        returning=None,
    )
    connection.execute(
        LEDGER.insert(),
        [
            {
                "item": c.item,
                "delta": c.after - (c.before or 0),
                "on_hand": c.after,
                "reason": c.reason,
                "source": source,
                "at": now,
            }
            for c in changes
        ],
    )


def set_base_prices(connection: Connection, prices: Mapping[str, Decimal], now: datetime) -> None:
    rows = [
        {"item": item, "base_price": price, "updated_at": now} for item, price in prices.items()
    ]
    bulk_upsert(
        connection,
        ITEMS,
        rows,
        ["item"],
        compare=("base_price",),
        update=["base_price", "updated_at"],
        returning=None,
    )


def base_prices(connection: Connection) -> dict[str, Decimal]:
    query = select(ITEMS.c.item, ITEMS.c.base_price).where(ITEMS.c.base_price.is_not(None))
    return {row.item: row.base_price for row in connection.execute(query)}


def history(engine: Engine, item: str, limit: int = 50) -> list[dict[str, Any]]:
    """The item's last ledger entries, newest first."""
    query = (
        select(LEDGER)
        .where(LEDGER.c.item == item)
        .order_by(LEDGER.c.at.desc(), LEDGER.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [
            {
                "item": r.item,
                "delta": r.delta,
                "on_hand": r.on_hand,
                "reason": r.reason,
                "source": r.source,
                "at": r.at.isoformat(),
            }
            for r in connection.execute(query)
        ]


def parse_quantities(text: str, origin: str) -> dict[str, int]:
    """``sku,quantity`` lines (a header row and ``#`` comments are skipped)."""
    return parse_feed(text, origin)[0]


def parse_feed(text: str, origin: str) -> tuple[dict[str, int], dict[str, Decimal]]:
    """``sku,quantity[,price]`` lines: the quantities, and the base prices given."""
    figures: dict[str, int] = {}
    prices: dict[str, Decimal] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) < 2:
            raise LedgerError(f"{origin}:{number}: expected sku,quantity; got {row!r}")
        try:
            figures[cells[0]] = int(cells[1])
        except ValueError:
            if number == 1:
                continue  # a header
            message = f"{origin}:{number}: quantity {cells[1]!r} is not a whole number"
            raise LedgerError(message) from None
        if figures[cells[0]] < 0:
            raise LedgerError(f"{origin}:{number}: quantity {cells[1]} is below 0")
        if len(cells) > 2 and cells[2]:
            prices[cells[0]] = _price(cells[2], f"{origin}:{number}")
    return figures, prices


def _price(text: str, where: str) -> Decimal:
    try:
        price = Decimal(text.replace(",", "."))
    except ArithmeticError:
        raise LedgerError(f"{where}: price {text!r} is not an amount") from None
    if not price.is_finite() or price <= 0:
        raise LedgerError(f"{where}: price {text!r} must be above 0")
    return price
