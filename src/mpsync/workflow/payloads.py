"""Tables the workflow reads and the event payloads it builds from stored order rows.

Payloads have the shape ``mpsync.sync.orders.order_payload`` gives: no customer contacts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, select

from mpsync.store.tables import (
    Account,
    DomainEvent,
    Invoice,
    Order,
    OrderLine,
    StatusChange,
    StockLevel,
    WriteBack,
)

ORDERS: Table = cast(Table, Order.__table__)  # type: ignore[attr-defined]
LINES: Table = cast(Table, OrderLine.__table__)  # type: ignore[attr-defined]
ACCOUNTS: Table = cast(Table, Account.__table__)  # type: ignore[attr-defined]
CHANGES: Table = cast(Table, StatusChange.__table__)  # type: ignore[attr-defined]
EVENTS: Table = cast(Table, DomainEvent.__table__)  # type: ignore[attr-defined]
STOCK: Table = cast(Table, StockLevel.__table__)  # type: ignore[attr-defined]
WRITE_BACKS: Table = cast(Table, WriteBack.__table__)  # type: ignore[attr-defined]
INVOICES: Table = cast(Table, Invoice.__table__)  # type: ignore[attr-defined]
CHUNK = 500


def orders_query() -> Select[Any]:
    """Every order column plus the account's marketplace (as ``marketplace``)."""
    return select(ORDERS, ACCOUNTS.c.marketplace).join(
        ACCOUNTS, ACCOUNTS.c.id == ORDERS.c.account_id
    )


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def load_lines(connection: Connection, order_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The lines of *order_ids*, in line order, with one query per chunk."""
    found: dict[int, list[Any]] = defaultdict(list)
    for chunk in chunks(list(order_ids)):
        query = (
            select(LINES)
            .where(LINES.c.order_id.in_(chunk))
            .order_by(LINES.c.order_id, LINES.c.line_no)
        )
        for line in connection.execute(query):
            found[line.order_id].append(line)
    return found


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def order_row_payload(row: Any, lines: Sequence[Any], kind: str) -> dict[str, Any]:
    """The event payload of a stored order row (joined with its ``marketplace``)."""
    order = {
        "external_id": row.external_id,
        "status": row.status,
        "marketplace_status": row.marketplace_status,
        "reason": row.marketplace_substatus,
        "order_number": row.order_number,
        "group_key": row.group_key,
        "total": str(row.total),
        "currency": row.currency,
        "created_at": _iso(row.created_at),
        "ship_by": _iso(row.ship_by),
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in lines
        ],
    }
    return {"account": row.account_id, "marketplace": row.marketplace, "kind": kind, "order": order}


def order_key(row: Any, suffix: str) -> str:
    """The domain-event key of an order's event: ``{account}:{external_id}:{suffix}``."""
    return f"{row.account_id}:{row.external_id}:{suffix}"
