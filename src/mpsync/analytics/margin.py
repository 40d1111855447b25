"""The cost of the units a period sold, from ``product_costs`` (cost valid on the sale's day).

The cost valid on a day is the row with the latest ``valid_from`` on or before it. A SKU
with a sold unit that no cost covers has no cost (``None``): a margin is never guessed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, select

from mpsync.analytics.period import Period
from mpsync.analytics.sql import CANCELLED, COSTS, LINES, ORDERS, Scope, as_date, local_day


def period_costs(connection: Connection, period: Period, scope: Scope) -> dict[str, Decimal | None]:
    """SKU → the cost of its units sold in the period (SKUs with any cost row only)."""
    table = _cost_table(connection)
    if not table:
        return {}
    day = local_day(ORDERS.c.created_at, connection.dialect.name, period.zone, period.start,
                    period.end).label("day")  # fmt: skip
    query = (
        select(LINES.c.sku, day, func.sum(LINES.c.quantity))
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(
            ORDERS.c.created_at >= period.start,
            ORDERS.c.created_at < period.end,
            func.coalesce(ORDERS.c.status, "") != CANCELLED,
            scope.accounts(ORDERS.c.account_id),
            LINES.c.sku.in_(list(table)),
        )
        .group_by(LINES.c.sku, day)
    )
    totals: dict[str, Decimal | None] = {}
    for sku, sold_on, units in connection.execute(query):
        unit_cost = cost_on(table[sku], as_date(sold_on))
        current = totals.get(sku, Decimal(0))
        totals[sku] = None if unit_cost is None or current is None else current + unit_cost * units
    return totals


def _cost_table(connection: Connection) -> dict[str, list[tuple[date, Decimal]]]:
    table: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    query = select(COSTS.c.sku, COSTS.c.valid_from, COSTS.c.cost).order_by(
        COSTS.c.sku, COSTS.c.valid_from
    )
    for sku, valid_from, cost in connection.execute(query):
        table[sku].append((as_date(valid_from), Decimal(str(cost))))
    return table


def cost_on(history: list[tuple[date, Decimal]], day: date) -> Decimal | None:
    """The cost valid on *day* from a SKU's ``(valid_from, cost)`` list in date order."""
    index = bisect.bisect_right([valid for valid, _ in history], day)
    return history[index - 1][1] if index else None
