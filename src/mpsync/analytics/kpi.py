"""KPIs of a period with the previous period of equal length and the change between them.

Orders count by creation time in the display zone, cancelled ones included; revenue
and units are those of the orders not cancelled; money is a decimal string. The
figures are aggregated in SQL over both periods at once (a bucket column tells them
apart), from the orders alone: ``confirmed_at`` / ``shipped_at`` on each order stand for
its status history, and ``ix_orders_created_report`` holds every column read, so a
period of a large store is one index range. Percentiles sort the hours in Python.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Integer, case, func, select
from sqlalchemy import cast as sql_cast

from mpsync.analytics import cohorts
from mpsync.analytics.numbers import difference, money, percentile, rate, relative_change
from mpsync.analytics.period import Period
from mpsync.analytics.sql import (
    ACCOUNTS,
    CANCELLED,
    CHANGES,
    FINANCE,
    LINES,
    ORDERS,
    RETURNED,
    Scope,
    as_date,
    collect_floats,
    floats,
    hours_between,
    local_day,
)

NET_KINDS = ("sale", "return")
RELATIVE = ("orders", "units", "revenue", "net_revenue", "payout", "aov")
POINTS = ("cancellation_rate", "return_rate", "ship_by_compliance", "identified_share",
          "repeat_buyer_rate")  # fmt: skip
QUANTILES = {"p50": 0.5, "p90": 0.9}


def kpis(engine: Engine, period: Period, scope: Scope, *, now: datetime) -> dict[str, Any]:
    """The KPI object of ``mpsync report kpi --json``: figures, ``previous`` and ``change``."""
    before = period.previous()
    with engine.connect() as connection:
        base = _Base(connection, before.start, period.start, period.end, scope)
        counts, hours = _counts(connection, base, now)
        units = _units(connection, base)
        result = []
        for bucket, part in ((1, period), (0, before)):
            finance = _finance(connection, part, scope)
            figures = _figures(part, counts.get(bucket, {}), units.get(bucket, 0),
                               hours.get(bucket, {}), finance)  # fmt: skip
            figures["repeat_buyer_rate"] = cohorts.repeat_rate(connection, part, scope)
            result.append(figures)
        current, previous = result
        current["revenue_by_day"] = revenue_by_day(connection, period, scope)
    return {**current, "previous": previous, "change": change(current, previous)}


class _Base:
    """The orders of both periods: the range condition and the bucket (1 = the period)."""

    def __init__(self, connection: Connection, start: datetime, cut: datetime, end: datetime,
                 scope: Scope) -> None:  # fmt: skip
        self.condition = (
            (ORDERS.c.created_at >= start) & (ORDERS.c.created_at < end)
            & scope.accounts(ORDERS.c.account_id)
        )  # fmt: skip
        self.bucket = case((ORDERS.c.created_at >= cut, 1), else_=0).label("bucket")
        self.kept = func.coalesce(ORDERS.c.status, "") != CANCELLED
        self.dialect = connection.dialect.name


PerBucket = dict[int, dict[str, Any]]


def _counts(connection: Connection, base: _Base, now: datetime) -> tuple[PerBucket, PerBucket]:
    """Per bucket, in one pass over the orders: counts, revenue in cents, the ship-by
    compliance counts, and the processing hours' percentiles.

    An order counts for compliance once handed over (on time or not) or once its
    ship-by passed without a hand-over; cancelled orders are left out. Hours come from
    the orders' own ``confirmed_at`` / ``shipped_at`` (the status history is not read):
    each bucket's hours of the orders not cancelled come back as one aggregate and are
    sorted here, cheaper than ranking them with window functions in SQL.
    """

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def hours_to(column: Any) -> Any:
        hours = hours_between(column, ORDERS.c.created_at, base.dialect)
        return collect_floats(case((base.kept, hours)), base.dialect)

    cents = sql_cast(func.round(ORDERS.c.items_total * 100), Integer)
    shipped = ORDERS.c.shipped_at.is_not(None)
    query = select(
        base.bucket, func.count(), count_if(ORDERS.c.status == CANCELLED),
        count_if(ORDERS.c.status == RETURNED),
        func.coalesce(func.sum(case((base.kept, cents), else_=0)), 0),
        func.count(ORDERS.c.customer_id),
        count_if(base.kept & (ORDERS.c.ship_by < now)),
        count_if(base.kept & shipped & ORDERS.c.ship_by.is_not(None)),
        count_if(base.kept & (ORDERS.c.shipped_at <= ORDERS.c.ship_by)),
        count_if(base.kept & shipped & (ORDERS.c.ship_by < now)),
        hours_to(ORDERS.c.confirmed_at), hours_to(ORDERS.c.shipped_at),
    ).where(base.condition).group_by(base.bucket)  # fmt: skip
    keys = ("orders", "cancelled", "returned", "cents", "identified", "due", "shipped_judged",
            "on_time", "due_shipped")  # fmt: skip
    counts: PerBucket = {}
    hours: PerBucket = {}
    for bucket, *figures, confirmed, handed_over in connection.execute(query):
        counts[int(bucket)] = dict(zip(keys, map(int, figures), strict=True))
        hours[int(bucket)] = {"to_confirmed": _quantiles(floats(confirmed)),
                              "to_shipped": _quantiles(floats(handed_over))}  # fmt: skip
    return counts, hours


def _units(connection: Connection, base: _Base) -> dict[int, int]:
    query = (
        select(base.bucket, func.sum(LINES.c.quantity))
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(base.condition, base.kept)
        .group_by(base.bucket)
    )
    return {int(b): int(u or 0) for b, u in connection.execute(query)}


def _quantiles(hours: list[float]) -> dict[str, float | None]:
    """p50 and p90 of *hours*, a negative figure (clocks apart) counted as 0."""
    hours.sort()
    below_zero = bisect.bisect_left(hours, 0.0)
    hours[:below_zero] = [0.0] * below_zero
    return {name: percentile(hours, q) for name, q in QUANTILES.items()}


def _figures(period: Period, counts: dict[str, int], units: int, hours: dict[str, Any],
             finance: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """One period's figures (the ``previous`` object has exactly these keys)."""
    orders = counts.get("orders", 0)
    kept = orders - counts.get("cancelled", 0)
    revenue = Decimal(counts.get("cents", 0)) / 100
    judged = counts.get("shipped_judged", 0) + counts.get("due", 0) - counts.get("due_shipped", 0)
    empty = {"p50": None, "p90": None}
    return {
        "period": period.label,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "orders": orders,
        "units": units,
        "revenue": money(revenue),
        "net_revenue": money(finance["net"]),
        "payout": money(finance["payout"]),
        "finance_entries": finance["entries"],
        "aov": money(revenue / kept) if kept else None,
        "cancellation_rate": rate(counts.get("cancelled", 0), orders),
        "return_rate": rate(counts.get("returned", 0), kept),
        "ship_by_compliance": rate(counts.get("on_time", 0), judged),
        "processing_hours": {
            "to_confirmed": hours.get("to_confirmed", empty),
            "to_shipped": hours.get("to_shipped", empty),
        },
        "identified_share": rate(counts.get("identified", 0), orders),
    }


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Relative change of counts and money; the difference (in points) of rates."""
    result: dict[str, Any] = {k: relative_change(current[k], previous[k]) for k in RELATIVE}
    result.update({k: difference(current[k], previous[k]) for k in POINTS})
    return result


def _finance(connection: Connection, period: Period, scope: Scope) -> dict[str, Any]:
    """Payout = every entry's signed amount; net revenue = sales and returns only.

    With no finance entries (the finance reads not run yet) both are sums of nothing,
    ``0.00``, and ``finance_entries`` says 0.
    """
    net = case((FINANCE.c.kind.in_(NET_KINDS), FINANCE.c.amount), else_=0)
    row = connection.execute(
        select(func.count(), func.coalesce(func.sum(FINANCE.c.amount), 0),
               func.coalesce(func.sum(net), 0))
        .where(FINANCE.c.occurred_at >= period.start, FINANCE.c.occurred_at < period.end,
               scope.accounts(FINANCE.c.account_id))
    ).one()  # fmt: skip
    return {"entries": int(row[0]), "payout": row[1], "net": row[2]}


def revenue_by_day(connection: Connection, period: Period, scope: Scope) -> list[dict[str, Any]]:
    """Revenue of the orders not cancelled per display-zone day and marketplace."""
    day = local_day(ORDERS.c.created_at, connection.dialect.name, period.zone, period.start,
                    period.end).label("day")  # fmt: skip
    cents = sql_cast(func.round(ORDERS.c.items_total * 100), Integer)
    query = (
        select(day, ORDERS.c.account_id, func.sum(cents), func.count())
        .where(ORDERS.c.created_at >= period.start, ORDERS.c.created_at < period.end,
               func.coalesce(ORDERS.c.status, "") != CANCELLED,
               scope.accounts(ORDERS.c.account_id))
        .group_by(day, ORDERS.c.account_id)
    )  # fmt: skip
    marketplaces = dict(connection.execute(select(ACCOUNTS.c.id, ACCOUNTS.c.marketplace)).all())
    totals: dict[tuple[str, str], list[int]] = {}
    for sold_on, account, total, count in connection.execute(query):
        key = (as_date(sold_on).isoformat(), marketplaces.get(account, account))
        entry = totals.setdefault(key, [0, 0])
        entry[0] += int(total or 0)
        entry[1] += int(count)
    return [{"day": d, "marketplace": m, "revenue": money(Decimal(c) / 100), "orders": n}
            for (d, m), (c, n) in sorted(totals.items())]  # fmt: skip


def first_change(statuses: tuple[str, ...]) -> Any:
    """Per order: when it first reached any of *statuses* (a correlated subquery)."""
    return (
        select(func.min(CHANGES.c.at))
        .where(CHANGES.c.order_id == ORDERS.c.id, CHANGES.c.to_status.in_(statuses))
        .scalar_subquery()
    )
