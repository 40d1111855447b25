"""A small fixed store whose every analytics figure was worked out by hand.

Display zone Europe/Moscow (UTC+3). Report period 2026-03 (local), previous period of
equal length 2026-01-29..2026-02-28. Orders (UTC creation → local day):

=====  =======  ====================  ==========  ====================================
order  account  created (UTC)         status      lines
=====  =======  ====================  ==========  ====================================
O1     wb1      02-28 21:30 (03-01)   delivered   A 2×100
O2     wb1      03-31 21:30 (04-01)   new         A 1×100   (April: outside the period)
O3     wb1      03-10 09:00           cancelled   B 1×500
O4     oz1      03-15 10:00           returned    A 1×100, B 2×400
O5     oz1      03-20 12:00           shipped     C 5×20    (customer 1)
O6     wb1      02-10 12:00           completed   A 3×100   (customer 1, previous period)
O7     oz1      03-25 08:00           confirmed   B 1×400   (customer 2)
=====  =======  ====================  ==========  ====================================
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from mpsync.domain.status import CONFIRMED_OR_LATER, SHIPPED_OR_LATER, OrderStatus
from mpsync.store.tables import (
    Account,
    Customer,
    FinanceEntry,
    Order,
    OrderLine,
    ProductCost,
    StatusChange,
    StockHistory,
    StockLevel,
)

ZONE = "Europe/Moscow"
NOW = datetime(2026, 4, 2, 12, tzinfo=UTC)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# id, account, created, status, ship_by (hours after creation), customer, lines, changes (status, hours)
ORDERS: list[tuple[Any, ...]] = [
    (
        1,
        "wb1",
        _t("2026-02-28 21:30"),
        "delivered",
        48,
        None,
        [("A", 2, "100")],
        [("confirmed", 2), ("shipped", 20), ("delivered", 48)],
    ),
    (2, "wb1", _t("2026-03-31 21:30"), "new", None, None, [("A", 1, "100")], []),
    (
        3,
        "wb1",
        _t("2026-03-10 09:00"),
        "cancelled",
        24,
        None,
        [("B", 1, "500")],
        [("cancelled", 1)],
    ),
    (
        4,
        "oz1",
        _t("2026-03-15 10:00"),
        "returned",
        24,
        None,
        [("A", 1, "100"), ("B", 2, "400")],
        [("ready_to_ship", 4), ("shipped", 30), ("delivered", 80), ("returned", 200)],
    ),
    (
        5,
        "oz1",
        _t("2026-03-20 12:00"),
        "shipped",
        48,
        1,
        [("C", 5, "20")],
        [("ready_to_ship", 6), ("shipped", 10)],
    ),
    (
        6,
        "wb1",
        _t("2026-02-10 12:00"),
        "completed",
        None,
        1,
        [("A", 3, "100")],
        [("confirmed", 1), ("shipped", 5), ("delivered", 30), ("completed", 400)],
    ),
    (7, "oz1", _t("2026-03-25 08:00"), "confirmed", 24, 2, [("B", 1, "400")], [("confirmed", 3)]),
]

# account, sku, warehouse, day, on_hand, reserved
HISTORY = [
    ("wb1", "A", "W1", date(2026, 3, 1), 5, 0),
    ("wb1", "A", "W1", date(2026, 3, 10), 0, 0),
    ("wb1", "A", "W1", date(2026, 3, 13), 5, 1),
    ("oz1", "A", "W2", date(2026, 3, 1), 0, 0),
    ("oz1", "A", "W2", date(2026, 3, 11), 2, 0),
    ("oz1", "A", "W2", date(2026, 3, 12), 0, 0),
    ("wb1", "B", "W1", date(2026, 3, 1), 10, 0),
    ("oz1", "C", "W2", date(2026, 2, 20), 0, 0),
    ("oz1", "C", "W2", date(2026, 3, 18), 10, 0),
]
STOCK = [("wb1", "A", "W1", 4, 1), ("oz1", "A", "W2", 0, 0), ("wb1", "B", "W1", 10, 0),
         ("oz1", "C", "W2", 5, 0), ("wb1", "D", "W1", 7, 0)]  # fmt: skip
# account, external id, occurred (UTC), kind, amount
FINANCE = [
    ("oz1", "f1", _t("2026-03-05 10:00"), "sale", "1000"),
    ("oz1", "f2", _t("2026-03-05 10:00"), "commission", "-150"),
    ("oz1", "f3", _t("2026-03-06 10:00"), "logistics", "-50"),
    ("oz1", "f4", _t("2026-03-16 10:00"), "return", "-100"),
    ("wb1", "f5", _t("2026-02-11 10:00"), "sale", "300"),
    ("wb1", "f6", _t("2026-03-31 21:30"), "sale", "999"),  # April in Moscow
]
COSTS = [("B", date(2026, 1, 1), "250"), ("B", date(2026, 3, 20), "300"),
         ("C", date(2026, 3, 21), "5")]  # fmt: skip


def load(store: Engine) -> None:
    """Write the dataset into an empty, migrated store."""
    with store.begin() as connection:
        connection.execute(insert(Account.__table__), [  # type: ignore[attr-defined]
            {"id": "wb1", "marketplace": "wildberries", "created_at": NOW},
            {"id": "oz1", "marketplace": "ozon", "created_at": NOW},
        ])  # fmt: skip
        connection.execute(insert(Customer.__table__), [  # type: ignore[attr-defined]
            {"id": 1, "identity": "phone:+79990000001", "phone": "+79990000001", "email": None,
             "name": "Анна", "orders_count": 2, "spent": Decimal("400"), "updated_at": NOW},
            {"id": 2, "identity": "email:b@example.com", "phone": None, "email": "b@example.com",
             "name": "Борис",
             "orders_count": 1, "spent": Decimal("400"), "updated_at": NOW},
        ])  # fmt: skip
        connection.execute(insert(Order.__table__), [_order(o) for o in ORDERS])  # type: ignore[attr-defined]
        connection.execute(insert(OrderLine.__table__), [  # type: ignore[attr-defined]
            {"order_id": o[0], "line_no": n, "sku": sku, "quantity": qty,
             "unit_price": Decimal(price), "total": Decimal(price) * qty}
            for o in ORDERS for n, (sku, qty, price) in enumerate(o[6], start=1)
        ])  # fmt: skip
        connection.execute(insert(StatusChange.__table__), [  # type: ignore[attr-defined]
            {"order_id": o[0], "from_status": None, "to_status": status,
             "at": o[2] + timedelta(hours=hours), "source": "poll", "recorded_at": NOW}
            for o in ORDERS for status, hours in o[7]
        ])  # fmt: skip
        connection.execute(insert(StockHistory.__table__), [  # type: ignore[attr-defined]
            {"account_id": a, "sku": s, "warehouse": w, "day": d, "on_hand": h, "reserved": r,
             "read_at": NOW} for a, s, w, d, h, r in HISTORY
        ])  # fmt: skip
        connection.execute(insert(StockLevel.__table__), [  # type: ignore[attr-defined]
            {"account_id": a, "sku": s, "warehouse": w, "on_hand": h, "reserved": r,
             "updated_at": NOW} for a, s, w, h, r in STOCK
        ])  # fmt: skip
        connection.execute(insert(FinanceEntry.__table__), [  # type: ignore[attr-defined]
            {"account_id": a, "external_id": e, "occurred_at": at, "kind": k, "operation": k,
             "amount": Decimal(v), "currency": "RUB", "inserted_at": NOW}
            for a, e, at, k, v in FINANCE
        ])  # fmt: skip
        connection.execute(insert(ProductCost.__table__), [  # type: ignore[attr-defined]
            {"sku": s, "valid_from": d, "cost": Decimal(c), "currency": "RUB"} for s, d, c in COSTS
        ])  # fmt: skip


def _first(created: datetime, changes: list[tuple[str, int]],
           statuses: frozenset[OrderStatus]) -> datetime | None:  # fmt: skip
    """An order's milestone as the writer keeps it: its first change into *statuses*."""
    hours = [h for status, h in changes if status in statuses]
    return created + timedelta(hours=min(hours)) if hours else None


def _order(o: tuple[Any, ...]) -> dict[str, Any]:
    oid, account, created, status, ship_by, customer, lines, changes = o
    total = sum((Decimal(p) * q for _, q, p in lines), Decimal(0))
    return {
        "confirmed_at": _first(created, changes, CONFIRMED_OR_LATER),
        "shipped_at": _first(created, changes, SHIPPED_OR_LATER),
        "id": oid, "account_id": account, "external_id": f"O{oid}", "status": status,
        "marketplace_status": status, "created_at": created, "source_updated_at": created,
        "ship_by": created + timedelta(hours=ship_by) if ship_by else None, "currency": "RUB",
        "items_total": total, "total": total, "customer_id": customer,
        "content_hash": f"h{oid}", "inserted_at": NOW, "updated_at": NOW,
    }  # fmt: skip
