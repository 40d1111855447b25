"""KPIs of a period with the previous period of equal length and the change between them.

Orders count by creation time in the display zone, cancelled ones included; revenue
and units are those of the orders not cancelled; money is a decimal string. The
figures are aggregated in SQL over both periods at once (a bucket column tells them
apart); percentiles come from window functions, so no per-order row reaches Python.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Integer,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast

from mpsync.analytics import cohorts
from mpsync.analytics.numbers import difference, money, rate, relative_change
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
    epoch,
    local_day,
)

NET_KINDS = ("sale", "return")
RELATIVE = ("orders", "units", "revenue", "net_revenue", "payout", "aov")
POINTS = ("cancellation_rate", "return_rate", "ship_by_compliance", "identified_share",
          "repeat_buyer_rate")  # fmt: skip
HOUR = 3600.0
QUANTILES = {"p50": (1, 2), "p90": (9, 10)}  # q as a fraction num/den: floor((n-1)·q) in SQL


def kpis(engine: Engine, period: Period, scope: Scope, *, now: datetime) -> dict[str, Any]:
    """The KPI object of ``mpsync report kpi --json``: figures, ``previous`` and ``change``."""
    before = period.previous()
    with engine.connect() as connection:
        base = _Base(connection, before.start, period.start, period.end, scope)
        counts = _counts(connection, base, now)
        units = _units(connection, base)
        ids = [c[k] for c in counts.values() for k in ("low", "high")]
        hours = _hours(connection, base, now, (min(ids), max(ids))) if ids else {}
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


def _counts(connection: Connection, base: _Base, now: datetime) -> dict[int, dict[str, Any]]:
    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    cents = sql_cast(func.round(ORDERS.c.items_total * 100), Integer)
    query = select(
        base.bucket, func.count(), count_if(ORDERS.c.status == CANCELLED),
        count_if(ORDERS.c.status == RETURNED),
        func.coalesce(func.sum(case((base.kept, cents), else_=0)), 0),
        func.count(ORDERS.c.customer_id),
        count_if(base.kept & (ORDERS.c.ship_by < now)),
        func.min(ORDERS.c.id), func.max(ORDERS.c.id),
    ).where(base.condition).group_by(base.bucket)  # fmt: skip
    keys = ("orders", "cancelled", "returned", "cents", "identified", "due", "low", "high")
    return {row[0]: dict(zip(keys, map(int, row[1:]), strict=True))
            for row in connection.execute(query)}  # fmt: skip


def _units(connection: Connection, base: _Base) -> dict[int, int]:
    query = (
        select(base.bucket, func.sum(LINES.c.quantity))
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(base.condition, base.kept)
        .group_by(base.bucket)
    )
    return {int(b): int(u or 0) for b, u in connection.execute(query)}


def _first(statuses: tuple[str, ...]) -> Any:
    """In a query grouped by order: when it first reached any of *statuses*."""
    return func.min(case((CHANGES.c.to_status.in_(statuses), CHANGES.c.at)))


def _hours(connection: Connection, base: _Base, now: datetime,
           ids: tuple[int, int]) -> dict[int, dict[str, Any]]:  # fmt: skip
    """Created → confirmed / → shipped percentiles, and ship-by compliance, per bucket.

    An order counts for compliance once handed over (on time or not) or once its
    ship-by passed without a hand-over; cancelled orders are left out. The status
    history is read over the range of the orders' ids (a store's ids follow arrival, so
    the range is tight), in index order.
    """
    d = base.dialect
    firsts = (
        select(CHANGES.c.order_id, _first(CONFIRMED_OR_LATER).label("confirmed"),
               _first(SHIPPED_OR_LATER).label("shipped"))
        .where(CHANGES.c.order_id.between(*ids))
        .group_by(CHANGES.c.order_id)
        .subquery()
    )  # fmt: skip
    per_order = (
        select(base.bucket,
               ((epoch(firsts.c.confirmed, d) - epoch(ORDERS.c.created_at, d)) / HOUR).label("c"),
               ((epoch(firsts.c.shipped, d) - epoch(ORDERS.c.created_at, d)) / HOUR).label("s"),
               case((ORDERS.c.ship_by.is_(None), None), (firsts.c.shipped.is_(None), None),
                    (firsts.c.shipped <= ORDERS.c.ship_by, 1), else_=0).label("on_time"),
               case((firsts.c.shipped.is_not(None) & (ORDERS.c.ship_by < now), 1),
                    else_=0).label("due_shipped"))
        .select_from(ORDERS.join(firsts, firsts.c.order_id == ORDERS.c.id))
        .where(base.condition, base.kept)
        .cte("per_order")
    )  # fmt: skip
    judged = (
        select(literal("judged").label("kind"), per_order.c.bucket,
               func.count(per_order.c.on_time).label("x"),
               func.coalesce(func.sum(per_order.c.on_time), 0).label("y"),
               sql_cast(func.coalesce(func.sum(per_order.c.due_shipped), 0), Float).label("z"))
        .group_by(per_order.c.bucket)
    )  # fmt: skip
    # One statement: the per-order CTE is computed once and read three times.
    statement = union_all(judged, _ranked(per_order, per_order.c.c, "to_confirmed"),
                          _ranked(per_order, per_order.c.s, "to_shipped"))  # fmt: skip
    result: dict[int, dict[str, Any]] = {}
    ranks: dict[tuple[str, int], dict[int, float]] = {}
    sizes: dict[tuple[str, int], int] = {}
    for kind, bucket, x, y, z in connection.execute(statement):
        entry = result.setdefault(int(bucket), {})
        if kind == "judged":
            entry.update(shipped_judged=int(x), on_time=int(y), due_shipped=int(z))
        else:
            ranks.setdefault((kind, int(bucket)), {})[int(x)] = max(0.0, float(z))
            sizes[(kind, int(bucket))] = int(y)
    for (kind, bucket), ranked in ranks.items():
        result[bucket][kind] = {name: _interpolate(ranked, sizes[(kind, bucket)], num, den)
                                for name, (num, den) in QUANTILES.items()}  # fmt: skip
    return result


def _ranked(table: Any, column: Any, kind: str) -> Any:
    """The rows around p50 and p90 of *column* per bucket: (kind, bucket, rank, n, value).

    A window numbers the values in order; Python interpolates between the two rows
    around each quantile's position (as ``percentile_cont`` does).
    """
    ranked = (
        select(table.c.bucket, column.label("h"),
               func.row_number().over(partition_by=table.c.bucket, order_by=column).label("rn"),
               func.count().over(partition_by=table.c.bucket).label("n"))
        .where(column.is_not(None))
        .subquery()
    )  # fmt: skip
    wanted = []
    for num, den in QUANTILES.values():
        low = (ranked.c.n - 1) * num // den + 1  # floor((n - 1)·q), 1-based
        wanted += [ranked.c.rn == low, ranked.c.rn == low + 1]
    return select(literal(kind), ranked.c.bucket, ranked.c.rn, ranked.c.n,
                  sql_cast(ranked.c.h, Float)).where(or_(*wanted))  # fmt: skip


def _interpolate(ranked: dict[int, float], n: int, num: int, den: int) -> float:
    position = (n - 1) * num / den
    low = int(position)
    below = ranked[low + 1]
    above = ranked.get(low + 2, below)
    return round(below + (above - below) * (position - low), 2)


def _figures(period: Period, counts: dict[str, int], units: int, hours: dict[str, Any],
             finance: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """One period's figures (the ``previous`` object has exactly these keys)."""
    orders = counts.get("orders", 0)
    kept = orders - counts.get("cancelled", 0)
    revenue = Decimal(counts.get("cents", 0)) / 100
    judged = hours.get("shipped_judged", 0) + counts.get("due", 0) - hours.get("due_shipped", 0)
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
        "ship_by_compliance": rate(hours.get("on_time", 0), judged),
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
