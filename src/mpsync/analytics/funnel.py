"""The status funnel of a period's orders: new → … → completed, with drop-offs and times.

An order reached a stage when it was seen in it or any later stage (an order first
seen shipped passed confirmation too). It dropped off at the last stage it reached
when it ended cancelled or returned. Times between two consecutive stages are
medians in hours over the orders seen entering both (a skipped stage has no time).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from mpsync.analytics.kpi import first_change
from mpsync.analytics.numbers import percentile, rate
from mpsync.analytics.period import Period
from mpsync.analytics.sql import CANCELLED, ORDERS, RETURNED, Scope, hours_between
from mpsync.domain.status import PROGRESS, OrderStatus

STAGES = tuple(status.value for status in PROGRESS)
# A returned order was handed over first; its current status alone says that much.
_RANK = {**{stage: index for index, stage in enumerate(STAGES)},
         RETURNED: STAGES.index(OrderStatus.SHIPPED)}  # fmt: skip


def funnel(engine: Engine, period: Period, scope: Scope) -> dict[str, Any]:
    """The funnel object of ``mpsync report funnel --json``."""
    with engine.connect() as connection:
        rows = _orders(connection, period, scope)
    total = len(rows)
    stages = []
    for index, stage in enumerate(STAGES):
        reached = [r for r in rows if r["reached"] >= index]
        stopped = [r for r in reached if r["reached"] == index]
        gaps = _gaps(rows, index) if index else []
        stages.append({
            "stage": stage,
            "orders": len(reached),
            "share": rate(len(reached), total),
            "cancelled": sum(1 for r in stopped if r["status"] == CANCELLED),
            "returned": sum(1 for r in stopped if r["status"] == RETURNED),
            "median_hours_from_previous": percentile(gaps, 0.5) if index else None,
        })  # fmt: skip
    return {"period": period.label, "orders": total, "stages": stages}


def _orders(connection: Connection, period: Period, scope: Scope) -> list[dict[str, Any]]:
    dialect = connection.dialect.name
    entered = [
        hours_between(first_change((stage,)), ORDERS.c.created_at, dialect).label(stage)
        for stage in STAGES[1:]
    ]
    query = select(ORDERS.c.status, *entered).where(
        ORDERS.c.created_at >= period.start,
        ORDERS.c.created_at < period.end,
        scope.accounts(ORDERS.c.account_id),
    )
    result = []
    for row in connection.execute(query):
        hours = [0.0, *(row[i] for i in range(1, len(STAGES)))]
        reached = max(i for i, h in enumerate(hours) if h is not None)
        reached = max(reached, _RANK.get(row.status, 0))
        result.append({"status": row.status, "reached": reached, "hours": hours})
    return result


def _gaps(rows: list[dict[str, Any]], index: int) -> list[float]:
    """Hours from first reaching stage ``index - 1`` to first reaching ``index``."""
    gaps = []
    for row in rows:
        before, after = row["hours"][index - 1], row["hours"][index]
        if before is not None and after is not None:
            gaps.append(max(0.0, after - before))
    return gaps
