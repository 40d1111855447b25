"""Reading orders back out of the store for ``mpsync orders list/show`` and the demo.

Returns plain dicts with money as decimal strings; no customer contacts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from mpsync.store.tables import Account, Order, OrderLine, StatusChange, WriteBack

ORDERS = Order.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
CHANGES = StatusChange.__table__  # type: ignore[attr-defined]
WRITE_BACKS = WriteBack.__table__  # type: ignore[attr-defined]


def list_orders(
    engine: Engine,
    *,
    account: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first; ``limit=0`` returns all. Lines are loaded with one extra query."""
    query = (
        select(ORDERS, ACCOUNTS.c.marketplace)
        .join(ACCOUNTS, ACCOUNTS.c.id == ORDERS.c.account_id)
        .order_by(ORDERS.c.created_at.desc(), ORDERS.c.id.desc())
    )
    if account:
        query = query.where(ORDERS.c.account_id == account)
    if status:
        query = query.where(ORDERS.c.status == status)
    if since:
        query = query.where(ORDERS.c.created_at >= since)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        lines = _lines(connection, [row.id for row in rows])
    return [_order(row, lines.get(row.id, [])) for row in rows]


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
