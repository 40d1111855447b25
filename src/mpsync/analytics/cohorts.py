"""Identified buyers over time: the repeat-buyer rate and retention by first-order month.

Only orders with a known buyer count (marketplaces that hide the buyer leave the
order anonymous); cancelled orders are not purchases.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from mpsync.analytics.numbers import rate
from mpsync.analytics.period import Period, local_midnight
from mpsync.analytics.sql import CANCELLED, ORDERS, Scope
from mpsync.display import to_local

COHORT_MONTHS = 6


def _identified(scope: Scope) -> Any:
    return (
        ORDERS.c.customer_id.is_not(None)
        & (func.coalesce(ORDERS.c.status, "") != CANCELLED)
        & scope.accounts(ORDERS.c.account_id)
    )


def repeat_rate(connection: Connection, period: Period, scope: Scope) -> float | None:
    """Of the identified buyers who ordered in the period, the share with two or more
    orders up to its end (an earlier order or a second one in the period)."""
    in_period = case((ORDERS.c.created_at >= period.start, 1), else_=0)
    per_buyer = (
        select(func.sum(in_period).label("now"), func.count().label("upto"))
        .where(_identified(scope), ORDERS.c.created_at < period.end)
        .group_by(ORDERS.c.customer_id)
        .subquery()
    )
    row = connection.execute(
        select(func.count(), func.coalesce(func.sum(case((per_buyer.c.upto > 1, 1), else_=0)), 0))
        .where(per_buyer.c.now > 0)
    ).one()  # fmt: skip
    return rate(int(row[1]), int(row[0]))


def retention(connection: Connection, period: Period, scope: Scope) -> list[dict[str, Any]]:
    """Cohorts by the display-zone month of the first order, the last six up to the period.

    ``retention[k]`` is the share of a cohort's buyers who ordered again in its k-th
    month after the first (k = 1, 2, …, up to the period's month).
    """
    last_month = _month(period.last)
    first_month = _shift(last_month, -(COHORT_MONTHS - 1))
    window_start = local_midnight(first_month, period.zone)
    firsts = dict(connection.execute(
        select(ORDERS.c.customer_id, func.min(ORDERS.c.created_at))
        .where(_identified(scope), ORDERS.c.created_at < period.end)
        .group_by(ORDERS.c.customer_id)
    ).all())  # fmt: skip
    buyers = {c: _month(to_local(_aware(at), period.zone).date()) for c, at in firsts.items()
              if _aware(at) >= window_start}  # fmt: skip
    active: dict[int, set[date]] = defaultdict(set)
    rows = connection.execute(
        select(ORDERS.c.customer_id, ORDERS.c.created_at)
        .where(_identified(scope), ORDERS.c.created_at >= window_start,
               ORDERS.c.created_at < period.end)
    )  # fmt: skip
    for customer, created in rows:
        if customer in buyers:
            active[customer].add(_month(to_local(_aware(created), period.zone).date()))
    return [_cohort(month, buyers, active, last_month) for month in _months(first_month, last_month)
            if any(m == month for m in buyers.values())]  # fmt: skip


def _cohort(month: date, buyers: dict[int, date], active: dict[int, set[date]],
            last: date) -> dict[str, Any]:  # fmt: skip
    members = [c for c, first in buyers.items() if first == month]
    shares = []
    for k, later in enumerate(_months(_shift(month, 1), last), start=1):
        again = sum(1 for c in members if later in active[c])
        shares.append({"month": k, "share": rate(again, len(members))})
    return {"cohort": month.strftime("%Y-%m"), "buyers": len(members), "retention": shares}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _month(day: date) -> date:
    return day.replace(day=1)


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    result, month = [], first
    while month <= last:
        result.append(month)
        month = _shift(month, 1)
    return result
