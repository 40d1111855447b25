"""The reports ``mpsync report KIND`` prints, declared once: how each is computed and how
it reads as a table (the terminal and ``--csv``); ``--json`` prints ``data`` as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mpsync.analytics.context import ReportContext
from mpsync.analytics.customers import customers_report
from mpsync.analytics.funnel import funnel
from mpsync.analytics.kpi import kpis
from mpsync.analytics.skus import skus

Rows = list[list[Any]]


@dataclass(frozen=True)
class Report:
    kind: str
    data: Any
    columns: list[str]
    rows: Rows
    brief: tuple[str, ...] = ()  # the columns a terminal shows (all when empty)

    def terminal(self) -> tuple[list[str], Rows]:
        """The columns and rows for a terminal: the brief set when the report has one."""
        if not self.brief:
            return self.columns, self.rows
        index = [self.columns.index(c) for c in self.brief]
        return list(self.brief), [[row[i] for i in index] for row in self.rows]


@dataclass(frozen=True)
class ReportKind:
    compute: Callable[[ReportContext], Any]
    table: Callable[[Any], tuple[list[str], Rows]]
    brief: tuple[str, ...] = ()


KPI_ROWS = ("orders", "units", "revenue", "net_revenue", "payout", "finance_entries", "aov",
            "cancellation_rate", "return_rate", "ship_by_compliance", "identified_share",
            "repeat_buyer_rate")  # fmt: skip
SKU_COLUMNS = ["sku", "units", "revenue", "abc", "cost", "margin", "avg_daily_units", "available",
               "cover_days", "oos_days", "lost_units", "lost_revenue", "reorder"]  # fmt: skip
SKU_BRIEF = ("sku", "units", "revenue", "abc", "margin", "avg_daily_units", "cover_days",
             "oos_days", "lost_revenue", "reorder")  # fmt: skip
FUNNEL_COLUMNS = ["stage", "orders", "share", "cancelled", "returned",
                  "median_hours_from_previous"]  # fmt: skip


def _kpi_table(data: dict[str, Any]) -> tuple[list[str], Rows]:
    rows: Rows = [[key, data[key], data["previous"][key], data["change"].get(key)]
                  for key in KPI_ROWS]  # fmt: skip
    for stage in ("to_confirmed", "to_shipped"):
        for q in ("p50", "p90"):
            now = data["processing_hours"][stage][q]
            before = data["previous"]["processing_hours"][stage][q]
            change = None if now is None or before is None else round(now - before, 2)
            rows.append([f"hours_{stage}_{q}", now, before, change])
    return ["metric", data["period"], data["previous"]["period"], "change"], rows


def _list_table(columns: list[str]) -> Callable[[Any], tuple[list[str], Rows]]:
    def table(data: list[dict[str, Any]]) -> tuple[list[str], Rows]:
        return columns, [[row.get(c) for c in columns] for row in data]

    return table


def _funnel_table(data: dict[str, Any]) -> tuple[list[str], Rows]:
    return _list_table(FUNNEL_COLUMNS)(data["stages"])


def _segments_table(data: dict[str, Any]) -> tuple[list[str], Rows]:
    return _list_table(["segment", "buyers", "orders", "share_of_orders"])(data["segments"])


def _forecast(ctx: ReportContext) -> Any:
    from mpsync.analytics.forecast import forecast_report

    return forecast_report(ctx)


def _satisfaction(ctx: ReportContext) -> Any:
    from mpsync.inbox.satisfaction import satisfaction

    return satisfaction(ctx.engine, ctx.period, ctx.scope)


def _satisfaction_table(data: dict[str, Any]) -> tuple[list[str], Rows]:
    from mpsync.inbox.satisfaction import table

    return table(data)


def _forecast_table(data: dict[str, Any]) -> tuple[list[str], Rows]:
    columns = ["sku", "model", "mase_model", "mase_naive", "next_7_days", "next_28_days"]
    return _list_table(columns)(data["skus"])


REPORTS: Mapping[str, ReportKind] = MappingProxyType({
    "kpi": ReportKind(lambda c: kpis(c.engine, c.period, c.scope, now=c.now), _kpi_table),
    "funnel": ReportKind(lambda c: funnel(c.engine, c.period, c.scope), _funnel_table),
    "skus": ReportKind(lambda c: skus(c.engine, c.period, c.scope, now=c.now, policy=c.policy),
                       _list_table(SKU_COLUMNS), SKU_BRIEF),
    "customers": ReportKind(lambda c: customers_report(c.engine, c.period, c.scope),
                            _segments_table),
    "forecast": ReportKind(_forecast, _forecast_table),
    "satisfaction": ReportKind(_satisfaction, _satisfaction_table),
})  # fmt: skip


def build_report(kind: str, ctx: ReportContext) -> Report:
    spec = REPORTS[kind]
    data = spec.compute(ctx)
    columns, rows = spec.table(data)
    return Report(kind, data, columns, rows, spec.brief)
