"""Identified buyers over time: the repeat-buyer rate and retention by first-order month.

Only orders with a known buyer count (marketplaces that hide the buyer leave the
order anonymous); cancelled orders are not purchases. One query reads every such
order's time before the period's end; both figures are computed from that.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from mpsync.analytics.numbers import rate
from mpsync.analytics.period import Period, local_midnight
from mpsync.analytics.sql import CANCELLED, ORDERS, Scope, epoch

COHORT_MONTHS = 6
BuyerOrders = dict[int, list[float]]  # customer → order times (epoch seconds), ascending


def buyer_orders(connection: Connection, until: datetime, scope: Scope) -> BuyerOrders:
    """Every identified buyer's orders (not cancelled) created before *until*."""
    query = select(ORDERS.c.customer_id, epoch(ORDERS.c.created_at, connection.dialect.name)).where(
        ORDERS.c.customer_id.is_not(None),
        ORDERS.c.created_at < until,
        func.coalesce(ORDERS.c.status, "") != CANCELLED,
        scope.accounts(ORDERS.c.account_id),
    )
    found: BuyerOrders = defaultdict(list)
    for customer, created in connection.execute(query):
        found[int(customer)].append(float(created))
    for times in found.values():
        times.sort()
    return found


def repeat_rate(connection: Connection, period: Period, scope: Scope) -> float | None:
    """Of the identified buyers who ordered in the period, the share with two or more
    orders up to its end (an earlier order or a second one in the period)."""
    identified = (
        ORDERS.c.customer_id.is_not(None)
        & (func.coalesce(ORDERS.c.status, "") != CANCELLED)
        & scope.accounts(ORDERS.c.account_id)
    )
    active = (
        select(ORDERS.c.customer_id)
        .where(identified, ORDERS.c.created_at >= period.start, ORDERS.c.created_at < period.end)
        .distinct()
        .subquery()
    )
    earlier = ORDERS.alias("earlier")
    orders_upto = (
        select(func.count())
        .where(earlier.c.customer_id == active.c.customer_id,
               earlier.c.created_at < period.end,
               func.coalesce(earlier.c.status, "") != CANCELLED,
               scope.accounts(earlier.c.account_id))
        .correlate(active)
        .scalar_subquery()
    )  # fmt: skip
    repeat = func.coalesce(func.sum(case((orders_upto > 1, 1), else_=0)), 0)
    row = connection.execute(select(func.count(), repeat).select_from(active)).one()
    return rate(int(row[1]), int(row[0]))


def retention(buyers: BuyerOrders, period: Period) -> list[dict[str, Any]]:
    """Cohorts by the display-zone month of the first order, the last six up to the period.

    ``retention[k]`` is the share of a cohort's buyers who ordered again in its k-th
    month after the first (k = 1, 2, …, up to the period's month).
    """
    last_month = _month(period.last)
    first_month = _shift(last_month, -(COHORT_MONTHS - 1))
    window_start = local_midnight(first_month, period.zone).timestamp()
    end = period.end.timestamp()
    members: dict[date, list[set[date]]] = defaultdict(list)
    for times in buyers.values():
        if times[0] < window_start or times[0] >= end:
            continue
        months = {_month(datetime.fromtimestamp(t, period.zone).date()) for t in times if t < end}
        members[_month(datetime.fromtimestamp(times[0], period.zone).date())].append(months)
    return [_cohort(month, members[month], last_month) for month in sorted(members)]


def _cohort(month: date, members: list[set[date]], last: date) -> dict[str, Any]:
    shares = []
    later, k = _shift(month, 1), 1
    while later <= last:
        again = sum(1 for months in members if later in months)
        shares.append({"month": k, "share": rate(again, len(members))})
        later, k = _shift(later, 1), k + 1
    return {"cohort": month.strftime("%Y-%m"), "buyers": len(members), "retention": shares}


def _month(day: date) -> date:
    return day.replace(day=1)


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
