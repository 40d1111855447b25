"""Reading orders back out of the store for ``mpsync orders list/show`` and the demo.

Returns plain dicts with money as decimal strings; no customer contacts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from mpsync.domain.status import OrderStatus
from mpsync.store.tables import Account, Order, OrderLine, StatusChange, WriteBack

ORDERS = Order.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
CHANGES = StatusChange.__table__  # type: ignore[attr-defined]
WRITE_BACKS = WriteBack.__table__  # type: ignore[attr-defined]


# Orders that still have to leave the seller: what a ship-by deadline applies to.
TO_SHIP = (OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY_TO_SHIP)


def list_orders(
    engine: Engine,
    *,
    account: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    sort: str = "created",
    due_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Newest first, or by ship-by (soonest first) with ``sort="ship-by"``; ``due_before``
    keeps the orders still to ship whose ship-by is before it. ``limit=0`` returns all."""
    query = select(ORDERS, ACCOUNTS.c.marketplace).join(
        ACCOUNTS, ACCOUNTS.c.id == ORDERS.c.account_id
    )
    newest = (ORDERS.c.created_at.desc(), ORDERS.c.id.desc())
    if sort == "ship-by" or due_before is not None:
        query = query.order_by(ORDERS.c.ship_by.is_(None), ORDERS.c.ship_by, *newest)
    else:
        query = query.order_by(*newest)
    query = _filtered(query, account, status, since, due_before)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        lines = _lines(connection, [row.id for row in rows])
    return [_order(row, lines.get(row.id, [])) for row in rows]


def _filtered(query: Any, account: str | None, status: str | None, since: datetime | None,
              due_before: datetime | None) -> Any:  # fmt: skip
    if account:
        query = query.where(ORDERS.c.account_id == account)
    if status:
        query = query.where(ORDERS.c.status == status)
    if since:
        query = query.where(ORDERS.c.created_at >= since)
    if due_before is not None:
        query = query.where(ORDERS.c.status.in_(TO_SHIP), ORDERS.c.ship_by < due_before)
    return query


def due_counts(engine: Engine, due_before: datetime, now: datetime,
               account: str | None = None) -> dict[str, dict[str, int]]:  # fmt: skip
    """Per account: orders still to ship with ship-by before *due_before*, and how many
    of them are overdue (ship-by before *now*)."""
    query = _filtered(
        select(ORDERS.c.account_id, (ORDERS.c.ship_by < now).label("late"), func.count()),
        account, None, None, due_before,
    ).group_by(ORDERS.c.account_id, "late")  # fmt: skip
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"due": 0, "overdue": 0})
    with engine.connect() as connection:
        for account_id, late, count in connection.execute(query):
            counts[account_id]["due"] += count
            counts[account_id]["overdue"] += count if late else 0
    return dict(sorted(counts.items()))


def _lines(connection: Any, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(order_ids), 900):
        query = (
            select(LINES)
            .where(LINES.c.order_id.in_(order_ids[start : start + 900]))
            .order_by(LINES.c.order_id, LINES.c.line_no)
        )
        for line in connection.execute(query):
            found[line.order_id].append({
                "line_no": line.line_no, "sku": line.sku, "marketplace_sku": line.marketplace_sku,
                "name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price),
                "total": str(line.total),
            })  # fmt: skip
    return found


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _order(row: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row.id, "account": row.account_id, "marketplace": row.marketplace,
        "external_id": row.external_id, "group_key": row.group_key,
        "order_number": row.order_number, "status": row.status,
        "marketplace_status": row.marketplace_status,
        "marketplace_substatus": row.marketplace_substatus,
        "total": str(row.total), "items_total": str(row.items_total), "currency": row.currency,
        "created_at": _iso(row.created_at), "updated_at": _iso(row.source_updated_at),
        "ship_by": _iso(row.ship_by), "delivery_method": row.delivery_method,
        "buyer_company": row.buyer_company, "lines": lines,
    }  # fmt: skip


def get_order(engine: Engine, key: str) -> dict[str, Any] | None:
    """An order by store id or by external id (``ACCOUNT:EXTERNAL_ID`` when ambiguous)."""
    query = select(ORDERS, ACCOUNTS.c.marketplace).join(
        ACCOUNTS, ACCOUNTS.c.id == ORDERS.c.account_id
    )
    if ":" in key:
        account, external = key.split(":", 1)
        query = query.where(ORDERS.c.account_id == account, ORDERS.c.external_id == external)
    elif key.isdigit():
        query = query.where((ORDERS.c.id == int(key)) | (ORDERS.c.external_id == key))
    else:
        query = query.where(ORDERS.c.external_id == key)
    with engine.connect() as connection:
        row = connection.execute(query.order_by(ORDERS.c.id).limit(1)).one_or_none()
        if row is None:
            return None
        order = _order(row, _lines(connection, [row.id]).get(row.id, []))
        order["history"] = [
            {"from": c.from_status, "to": c.to_status, "at": _iso(c.at), "source": c.source,
             "marketplace_status": c.marketplace_status}
            for c in connection.execute(
                select(CHANGES).where(CHANGES.c.order_id == row.id).order_by(CHANGES.c.at)
            )
        ]  # fmt: skip
        order["write_backs"] = [
            {"action": w.action, "state": w.state, "message": w.message,
             "at": _iso(w.finished_at or w.created_at)}
            for w in connection.execute(
                select(WRITE_BACKS).where(WRITE_BACKS.c.order_id == row.id)
            )
        ]  # fmt: skip
    return order
