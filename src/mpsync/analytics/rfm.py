"""RFM scores and the standard segments, for identified buyers only.

Recency, frequency and monetary value are scored 1-5 by quintile among the buyers
(5 is best: most recent, most orders, most spent); equal values share a score. The
segment follows from R and F, the usual ten-segment map.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from mpsync.analytics.sql import CANCELLED, ORDERS, Scope

SEGMENTS = ("champions", "loyal", "potential_loyalists", "new", "promising", "need_attention",
            "about_to_sleep", "at_risk", "cant_lose", "hibernating")  # fmt: skip
# (R scores, F scores) → segment; the 25 combinations are each covered once.
_MAP: Sequence[tuple[str, str, str]] = (
    ("12", "12", "hibernating"),
    ("12", "34", "at_risk"),
    ("12", "5", "cant_lose"),
    ("3", "12", "about_to_sleep"),
    ("3", "3", "need_attention"),
    ("34", "45", "loyal"),
    ("4", "1", "promising"),
    ("5", "1", "new"),
    ("45", "23", "potential_loyalists"),
    ("5", "45", "champions"),
)


@dataclass(frozen=True)
class Buyer:
    customer_id: int
    orders: int
    spent: Decimal
    first_order_at: datetime
    last_order_at: datetime
    recency_days: int
    r: int = 0
    f: int = 0
    m: int = 0
    segment: str = ""


def segment_of(r: int, f: int) -> str:
    return next(name for rs, fs, name in _MAP if str(r) in rs and str(f) in fs)


def buyers(connection: Connection, scope: Scope, *, until: datetime) -> list[Buyer]:
    """Every identified buyer with orders (not cancelled) before *until*, scored."""
    query = (
        select(ORDERS.c.customer_id, func.count(), func.coalesce(func.sum(ORDERS.c.items_total), 0),
               func.min(ORDERS.c.created_at), func.max(ORDERS.c.created_at))
        .where(ORDERS.c.customer_id.is_not(None), ORDERS.c.created_at < until,
               func.coalesce(ORDERS.c.status, "") != CANCELLED, scope.accounts(ORDERS.c.account_id))
        .group_by(ORDERS.c.customer_id)
    )  # fmt: skip
    found = [
        Buyer(int(c), int(n), Decimal(str(spent)), first, last, max(0, (until - last).days))
        for c, n, spent, first, last in connection.execute(query)
    ]
    return score(found)


def score(found: list[Buyer]) -> list[Buyer]:
    recency = _quintiles([-b.recency_days for b in found])
    frequency = _quintiles([b.orders for b in found])
    monetary = _quintiles([b.spent for b in found])
    return [
        Buyer(b.customer_id, b.orders, b.spent, b.first_order_at, b.last_order_at, b.recency_days,
              r, f, m, segment_of(r, f))
        for b, r, f, m in zip(found, recency, frequency, monetary, strict=True)
    ]  # fmt: skip


def _quintiles(values: Sequence[Any]) -> list[int]:
    """1 + ⌊5 × (how many values are smaller) / n⌋: equal values share a score."""
    ordered = sorted(values)
    count = len(ordered)
    return [1 + (5 * bisect.bisect_left(ordered, v)) // count for v in values]
