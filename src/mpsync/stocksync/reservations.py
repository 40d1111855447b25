"""Units that orders hold: a new order line reserves at once (polled or pushed), a
cancellation releases, a handover consumes (and, with the ledger as the source, takes the
units off it with the order named as the reason).

Orders are judged by their canonical status in the store; an order first seen already
handed over or cancelled never reserved anything here, and takes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, select, update

from mpsync.domain.status import SHIPPED_OR_LATER, OrderStatus
from mpsync.stocksync.ledger import adjust, on_hand
from mpsync.stocksync.links import Listing
from mpsync.store.tables import Order, OrderLine, StockReservation

ORDERS = Order.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
RESERVATIONS = StockReservation.__table__  # type: ignore[attr-defined]
# Canonical statuses as SQL values: an order still to hand over holds its units; one
# handed over (or returned after) consumed them; a cancelled one releases them.
ACTIVE = tuple(s.value for s in (OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY_TO_SHIP))
CONSUMED = tuple(s.value for s in OrderStatus if s in SHIPPED_OR_LATER)
CANCELLED = OrderStatus.CANCELLED.value


@dataclass
class Reconciled:
    reserved: int = 0
    released: int = 0
    consumed: int = 0


def reconcile(
    connection: Connection,
    accounts: Sequence[str],
    item_of: Mapping[Listing, str],
    *,
    ledger: bool,
    now: datetime,
) -> Reconciled:
    """Reserve new order lines, release cancelled ones, consume handed-over ones."""
    counts = Reconciled()
    joined = and_(
        RESERVATIONS.c.order_id == LINES.c.order_id, RESERVATIONS.c.line_no == LINES.c.line_no
    )
    new = (
        select(ORDERS.c.id, ORDERS.c.account_id, LINES.c.line_no, LINES.c.sku, LINES.c.quantity)
        .join(LINES, LINES.c.order_id == ORDERS.c.id)
        .outerjoin(RESERVATIONS, joined)
        .where(
            ORDERS.c.account_id.in_(accounts),
            ORDERS.c.status.in_(ACTIVE),
            RESERVATIONS.c.id.is_(None),
        )
    )
    rows = [
        {
            "account_id": r.account_id,
            "order_id": r.id,
            "line_no": r.line_no,
            "sku": r.sku,
            "quantity": r.quantity,
            "state": "reserved",
            "reserved_at": now,
        }
        for r in connection.execute(new)
    ]
    if rows:
        connection.execute(RESERVATIONS.insert(), rows)
        counts.reserved = len(rows)
    closed = (
        select(
            RESERVATIONS.c.id,
            RESERVATIONS.c.account_id,
            RESERVATIONS.c.sku,
            RESERVATIONS.c.quantity,
            ORDERS.c.status,
            ORDERS.c.external_id,
        )
        .join(ORDERS, ORDERS.c.id == RESERVATIONS.c.order_id)
        .where(RESERVATIONS.c.state == "reserved", ORDERS.c.status.in_((*CONSUMED, CANCELLED)))
    )
    changes, taken = [], Counter[str]()
    orders: dict[str, list[str]] = {}
    for r in connection.execute(closed):
        state = "released" if r.status == CANCELLED else "consumed"
        changes.append({"_id": r.id, "state": state, "closed_at": now})
        item = item_of.get((r.account_id, r.sku), r.sku)
        if state == "consumed":
            taken[item] += r.quantity
            orders.setdefault(item, []).append(f"{r.account_id}:{r.external_id}")
    if changes:
        statement = update(RESERVATIONS).where(RESERVATIONS.c.id == bindparam("_id"))
        connection.execute(statement, changes)
        counts.released = sum(c["state"] == "released" for c in changes)
        counts.consumed = len(changes) - counts.released
    if ledger and taken:
        _consume(connection, taken, orders, now)
    return counts


def _consume(
    connection: Connection, taken: Mapping[str, int], orders: Mapping[str, list[str]], now: datetime
) -> None:
    """Handed-over units leave the ledger, one entry per item naming the orders."""
    known = on_hand(connection, taken)
    for item, quantity in taken.items():
        if item in known:
            names = ", ".join(sorted(orders[item])[:5])
            more = f" and {len(orders[item]) - 5} more" if len(orders[item]) > 5 else ""
            adjust(
                connection,
                {item: -quantity},
                reason=f"handed over: {names}{more}",
                source="handover",
                now=now,
                clamp=True,
            )


def reserved(connection: Connection, item_of: Mapping[Listing, str]) -> Counter[str]:
    """Units reserved per item, by the orders of every channel not yet handed over."""
    query = select(RESERVATIONS.c.account_id, RESERVATIONS.c.sku, RESERVATIONS.c.quantity).where(
        RESERVATIONS.c.state == "reserved"
    )
    held = Counter[str]()
    for row in connection.execute(query):
        held[item_of.get((row.account_id, row.sku), row.sku)] += row.quantity
    return held
