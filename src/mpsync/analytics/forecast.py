"""``mpsync report forecast``: 28 days of daily demand per SKU from up to a year of sales.

Each SKU's series starts at its first sale in the year before the as-of day (the
period's last day, or today); cancelled orders are not demand. ``overall`` averages
the backtest MASE over the SKUs where it is defined.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from mpsync.analytics.context import ReportContext
from mpsync.analytics.forecasting import HORIZON, SeriesForecast, forecast_series
from mpsync.analytics.period import Period
from mpsync.analytics.sql import CANCELLED, LINES, ORDERS, Scope, as_date, local_day
from mpsync.display import to_local

HISTORY_DAYS = 365
SHOWN_HISTORY = 56


def forecast_report(ctx: ReportContext) -> dict[str, Any]:
    as_of = min(ctx.period.last, to_local(ctx.now, ctx.period.zone).date())
    window = ctx.period.ending(as_of, HISTORY_DAYS)
    with ctx.engine.connect() as connection:
        series = daily_units(connection, window, ctx.scope)
    rows = [_sku_row(sku, days, window, as_of) for sku, days in sorted(series.items())]
    return {"period": ctx.period.label, "as_of": as_of.isoformat(), "horizon_days": HORIZON,
            "overall": overall(rows), "skus": rows}  # fmt: skip


def daily_units(connection: Connection, window: Period, scope: Scope) -> dict[str, dict[date, int]]:
    """SKU → units sold per display-zone day in *window* (orders not cancelled)."""
    day = local_day(ORDERS.c.created_at, connection.dialect.name, window.zone, window.start,
                    window.end).label("day")  # fmt: skip
    query = (
        select(LINES.c.sku, day, func.sum(LINES.c.quantity))
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(ORDERS.c.created_at >= window.start, ORDERS.c.created_at < window.end,
               func.coalesce(ORDERS.c.status, "") != CANCELLED,
               scope.accounts(ORDERS.c.account_id))
        .group_by(LINES.c.sku, day)
    )  # fmt: skip
    found: dict[str, dict[date, int]] = defaultdict(dict)
    for sku, sold_on, units in connection.execute(query):
        found[sku][as_date(sold_on)] = int(units)
    return found


def _sku_row(sku: str, days: dict[date, int], window: Period, as_of: date) -> dict[str, Any]:
    first = min(days)
    values = [float(days.get(first + timedelta(n), 0)) for n in range((as_of - first).days + 1)]
    result = forecast_series(values)
    shown = values[-SHOWN_HISTORY:]
    start = as_of - timedelta(days=len(shown) - 1)
    return {
        "sku": sku,
        "model": result.method,
        "mase_model": result.mase_model,
        "mase_naive": result.mase_naive,
        "next_7_days": round(sum(result.mean[:7]), 1),
        "next_28_days": round(sum(result.mean), 1),
        "forecast": _days(result, as_of),
        "history": [{"day": (start + timedelta(n)).isoformat(), "units": int(v)}
                    for n, v in enumerate(shown)],
    }  # fmt: skip


def _days(result: SeriesForecast, as_of: date) -> list[dict[str, Any]]:
    return [
        {
            "day": (as_of + timedelta(days=n + 1)).isoformat(),
            "units": mean,
            "low": low,
            "high": high,
        }
        for n, (mean, low, high) in enumerate(
            zip(result.mean, result.low, result.high, strict=True)
        )
    ]


def overall(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean MASE of the model, of seasonal-naive, and of what was used, over scored SKUs."""
    scored = [r for r in rows if r["mase_model"] is not None and r["mase_naive"] is not None]
    used = [r["mase_model"] if r["model"] == "holt_winters" else r["mase_naive"] for r in scored]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    return {
        "skus": len(rows),
        "scored": len(scored),
        "model_used": sum(1 for r in rows if r["model"] == "holt_winters"),
        "mase_model": mean([r["mase_model"] for r in scored]),
        "mase_naive": mean([r["mase_naive"] for r in scored]),
        "mase_used": mean(used),
    }
