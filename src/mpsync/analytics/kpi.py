"""KPIs of a period with the previous period of equal length and the change between them.

Orders count by creation time in the display zone, cancelled ones included; revenue
and units are those of the orders not cancelled; money is a decimal string.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select

from mpsync.analytics import cohorts
from mpsync.analytics.numbers import difference, money, percentile, rate, relative_change
from mpsync.analytics.period import Period
from mpsync.analytics.sql import (
    ACCOUNTS,
    CANCELLED,
    CHANGES,
    CONFIRMED_OR_LATER,
    FINANCE,
    LINES,
    ORDERS,
    RETURNED,
    SHIPPED_OR_LATER,
    Scope,
    as_date,
    hours_between,
    local_day,
)

NET_KINDS = ("sale", "return")
RELATIVE = ("orders", "units", "revenue", "net_revenue", "payout", "aov")
POINTS = ("cancellation_rate", "return_rate", "ship_by_compliance", "identified_share",
          "repeat_buyer_rate")  # fmt: skip


def kpis(engine: Engine, period: Period, scope: Scope, *, now: datetime) -> dict[str, Any]:
    """The KPI object of ``mpsync report kpi --json``: figures, ``previous`` and ``change``."""
    with engine.connect() as connection:
        current = figures(connection, period, scope, now=now)
        previous = figures(connection, period.previous(), scope, now=now)
        current["cohorts"] = cohorts.retention(connection, period, scope)
        current["revenue_by_day"] = revenue_by_day(connection, period, scope)
    return {**current, "previous": previous, "change": change(current, previous)}


def figures(connection: Connection, period: Period, scope: Scope, *,
            now: datetime) -> dict[str, Any]:  # fmt: skip
    """One period's figures (the ``previous`` object has exactly these keys)."""
    counts = _order_counts(connection, period, scope)
    kept = counts["orders"] - counts["cancelled"]
    finance = _finance(connection, period, scope)
    times = _times(connection, period, scope, now)
    return {
        "period": period.label,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "orders": counts["orders"],
        "units": _units(connection, period, scope),
        "revenue": money(counts["revenue"]),
        "net_revenue": money(finance["net"]),
        "payout": money(finance["payout"]),
        "finance_entries": finance["entries"],
        "aov": money(counts["revenue"] / kept) if kept else None,
        "cancellation_rate": rate(counts["cancelled"], counts["orders"]),
        "return_rate": rate(counts["returned"], kept),
        "ship_by_compliance": times["ship_by_compliance"],
        "processing_hours": times["processing_hours"],
        "identified_share": rate(counts["identified"], counts["orders"]),
        "repeat_buyer_rate": cohorts.repeat_rate(connection, period, scope),
    }


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Relative change of counts and money; the difference (in points) of rates."""
    result: dict[str, Any] = {k: relative_change(current[k], previous[k]) for k in RELATIVE}
    result.update({k: difference(current[k], previous[k]) for k in POINTS})
    return result


def _in_period(period: Period, scope: Scope) -> Any:
    return (
        (ORDERS.c.created_at >= period.start)
        & (ORDERS.c.created_at < period.end)
        & scope.accounts(ORDERS.c.account_id)
    )


def _not_cancelled() -> Any:
    return func.coalesce(ORDERS.c.status, "") != CANCELLED


def _order_counts(connection: Connection, period: Period, scope: Scope) -> dict[str, Any]:
    kept = _not_cancelled()
    row = connection.execute(
        select(
            func.count().label("orders"),
            func.coalesce(func.sum(case((ORDERS.c.status == CANCELLED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((ORDERS.c.status == RETURNED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((kept, ORDERS.c.items_total), else_=0)), 0),
            func.count(ORDERS.c.customer_id),
        ).where(_in_period(period, scope))
    ).one()
    return {"orders": int(row[0]), "cancelled": int(row[1]), "returned": int(row[2]),
            "revenue": Decimal(str(row[3])), "identified": int(row[4])}  # fmt: skip


def _units(connection: Connection, period: Period, scope: Scope) -> int:
    query = (
        select(func.coalesce(func.sum(LINES.c.quantity), 0))
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(_in_period(period, scope), _not_cancelled())
    )
    return int(connection.execute(query).scalar_one())


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
    query = (
        select(day, ACCOUNTS.c.marketplace, func.sum(ORDERS.c.items_total), func.count())
        .select_from(ORDERS.join(ACCOUNTS, ACCOUNTS.c.id == ORDERS.c.account_id))
        .where(_in_period(period, scope), _not_cancelled())
        .group_by(day, ACCOUNTS.c.marketplace)
        .order_by(day, ACCOUNTS.c.marketplace)
    )
    return [{"day": as_date(d).isoformat(), "marketplace": m, "revenue": money(r), "orders": n}
            for d, m, r, n in connection.execute(query)]  # fmt: skip


def first_change(statuses: tuple[str, ...]) -> Any:
    """Per order: when it first reached any of *statuses* (a correlated subquery)."""
    return (
        select(func.min(CHANGES.c.at))
        .where(CHANGES.c.order_id == ORDERS.c.id, CHANGES.c.to_status.in_(statuses))
        .scalar_subquery()
    )


def _times(connection: Connection, period: Period, scope: Scope,
           now: datetime) -> dict[str, Any]:  # fmt: skip
    """Created → confirmed and → shipped (p50, p90 hours), and ship-by compliance.

    An order counts for compliance once handed over (on time or not) or once its
    ship-by passed without a hand-over; cancelled orders are left out.
    """
    dialect = connection.dialect.name
    inner = (
        select(ORDERS.c.created_at, ORDERS.c.ship_by,
               first_change(CONFIRMED_OR_LATER).label("confirmed_at"),
               first_change(SHIPPED_OR_LATER).label("shipped_at"))
        .where(_in_period(period, scope), _not_cancelled())
        .subquery()
    )  # fmt: skip
    on_time = case(
        (inner.c.ship_by.is_(None), None),
        (inner.c.shipped_at.is_not(None), case((inner.c.shipped_at <= inner.c.ship_by, 1),
                                               else_=0)),
        (inner.c.ship_by < now, 0),
        else_=None,
    )  # fmt: skip
    rows = connection.execute(
        select(hours_between(inner.c.confirmed_at, inner.c.created_at, dialect),
               hours_between(inner.c.shipped_at, inner.c.created_at, dialect), on_time)
    ).all()  # fmt: skip
    confirmed = [max(0.0, r[0]) for r in rows if r[0] is not None]
    shipped = [max(0.0, r[1]) for r in rows if r[1] is not None]
    judged = [r[2] for r in rows if r[2] is not None]
    return {
        "processing_hours": {
            "to_confirmed": {"p50": percentile(confirmed, 0.5), "p90": percentile(confirmed, 0.9)},
            "to_shipped": {"p50": percentile(shipped, 0.5), "p90": percentile(shipped, 0.9)},
        },
        "ship_by_compliance": rate(sum(judged), len(judged)),
    }
