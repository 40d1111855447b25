"""Per-SKU figures of a period: sales, ABC class, demand, stock cover, days out of stock,
lost sales, margin where costs are known, and a reorder suggestion.

Demand (``avg_daily_units``) is the units sold over the 28 days ending on the
period's last day (today for a running period), divided by the days among them the
SKU was in stock: a day out of stock sells nothing and would understate demand.
Lost sales are that demand times the period's days out of stock, at the average price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select

from mpsync.analytics.margin import period_costs
from mpsync.analytics.numbers import money
from mpsync.analytics.period import Period
from mpsync.analytics.sql import CANCELLED, LINES, ORDERS, STOCK, Scope
from mpsync.analytics.stockdays import out_of_stock_days
from mpsync.display import to_local

DEMAND_DAYS = 28
ABC_LIMITS = (("A", Decimal("0.80")), ("B", Decimal("0.95")))


@dataclass(frozen=True)
class ReorderPolicy:
    """Reorder when cover < lead time + safety days; order enough for ``cover_days`` more."""

    lead_time_days: int = 14
    safety_days: int = 7
    cover_days: int = 28


def skus(engine: Engine, period: Period, scope: Scope, *, now: datetime,
         policy: ReorderPolicy | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of ``mpsync report skus --json``, by revenue, highest first."""
    policy = policy or ReorderPolicy()
    as_of = min(period.last, to_local(now, period.zone).date())
    window = period.ending(as_of, DEMAND_DAYS)
    with engine.connect() as connection:
        sales = _sales(connection, period, window, scope)
        stock = _stock(connection, scope)
        first = min(period.first, window.first)
        empty = out_of_stock_days(connection, first, max(as_of, first), scope)
        costs = period_costs(connection, period, scope)
    names = sorted(set(sales) | set(stock), key=lambda s: (-sales.get(s, _ZERO).revenue, s))
    classes = abc({s: sales.get(s, _ZERO).revenue for s in names})
    rows = []
    for sku in names:
        figures = sales.get(sku, _ZERO)
        oos = empty.get(sku, set())
        rows.append(_row(sku, figures, classes[sku], stock.get(sku), oos, period, window,
                         as_of, costs.get(sku), policy))  # fmt: skip
    return rows


@dataclass(frozen=True)
class Sales:
    units: int = 0
    revenue: Decimal = Decimal(0)
    window_units: int = 0
    window_revenue: Decimal = Decimal(0)


_ZERO = Sales()


def _sales(connection: Connection, period: Period, window: Period,
           scope: Scope) -> dict[str, Sales]:  # fmt: skip
    created = ORDERS.c.created_at
    in_period = (created >= period.start) & (created < period.end)
    in_window = (created >= window.start) & (created < window.end)
    query = (
        select(
            LINES.c.sku,
            func.sum(case((in_period, LINES.c.quantity), else_=0)),
            func.sum(case((in_period, LINES.c.total), else_=0)),
            func.sum(case((in_window, LINES.c.quantity), else_=0)),
            func.sum(case((in_window, LINES.c.total), else_=0)),
        )
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(
            created >= min(period.start, window.start),
            created < max(period.end, window.end),
            func.coalesce(ORDERS.c.status, "") != CANCELLED,
            scope.accounts(ORDERS.c.account_id),
        )
        .group_by(LINES.c.sku)
    )
    return {
        sku: Sales(int(u), Decimal(str(r)), int(wu), Decimal(str(wr)))
        for sku, u, r, wu, wr in connection.execute(query)
    }


def _stock(connection: Connection, scope: Scope) -> dict[str, int]:
    """Available stock (on hand − reserved) per SKU as the latest reads saw it."""
    query = (
        select(STOCK.c.sku, func.sum(STOCK.c.on_hand - STOCK.c.reserved))
        .where(scope.accounts(STOCK.c.account_id))
        .group_by(STOCK.c.sku)
    )
    return {sku: max(0, int(available)) for sku, available in connection.execute(query)}


def abc(revenue: dict[str, Decimal]) -> dict[str, str]:
    """A: the SKUs making the first 80 % of revenue (the one crossing 80 % included),
    B: up to 95 %, C: the rest and every SKU without revenue."""
    total = sum(revenue.values(), Decimal(0))
    classes: dict[str, str] = {}
    before = Decimal(0)
    for sku in sorted(revenue, key=lambda s: (-revenue[s], s)):
        share = before / total if total else Decimal(1)
        label = next((name for name, limit in ABC_LIMITS if share < limit), "C")
        classes[sku] = label if revenue[sku] > 0 else "C"
        before += revenue[sku]
    return classes


def _row(sku: str, sales: Sales, abc_class: str, available: int | None, oos: set[date],
         period: Period, window: Period, as_of: date, cost: Decimal | None,
         policy: ReorderPolicy) -> dict[str, Any]:  # fmt: skip
    window_oos = sum(1 for d in oos if window.first <= d <= window.last)
    in_stock_days = max(1, DEMAND_DAYS - window_oos)
    demand = sales.window_units / in_stock_days
    price = _average_price(sales)
    period_oos = sum(1 for d in oos if period.first <= d <= min(period.last, as_of))
    lost_units = demand * period_oos
    cover = round(available / demand, 1) if demand and available is not None else None
    return {
        "sku": sku,
        "units": sales.units,
        "revenue": money(sales.revenue),
        "abc": abc_class,
        "cost": money(cost) if cost is not None else None,
        "margin": money(sales.revenue - cost) if cost is not None else None,
        "avg_daily_units": round(demand, 3),
        "available": available,
        "cover_days": cover,
        "oos_days": period_oos,
        "lost_units": round(lost_units, 2),
        "lost_revenue": money(Decimal(str(lost_units)) * price),
        "reorder": _reorder(demand, available, cover, policy),
    }


def _average_price(sales: Sales) -> Decimal:
    if sales.window_units:
        return sales.window_revenue / sales.window_units
    if sales.units:
        return sales.revenue / sales.units
    return Decimal(0)


def _reorder(demand: float, available: int | None, cover: float | None,
             policy: ReorderPolicy) -> int | None:  # fmt: skip
    """Units to order when the cover is below lead time + safety days, else ``None``."""
    if cover is None or available is None:
        return None
    if cover >= policy.lead_time_days + policy.safety_days:
        return None
    horizon = policy.lead_time_days + policy.safety_days + policy.cover_days
    return max(0, math.ceil(demand * horizon) - available)
