"""Report charts with matplotlib (the analytics extra), in the seller's language.

kpi: revenue by day per marketplace; skus: the ABC Pareto curve; forecast: a SKU's
history, forecast and 80 % interval; funnel: orders per stage; customers: segments.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mpsync.analytics.extra import require
from mpsync.display import Display

TEXT: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "ru": {"kpi": "Выручка по дням", "revenue": "Выручка", "skus": "ABC: выручка по SKU",
           "share": "Накопленная доля", "forecast": "Прогноз спроса", "units": "Шт. в день",
           "history": "Продажи", "interval": "80 % интервал", "funnel": "Воронка статусов",
           "orders": "Заказы", "customers": "RFM-сегменты", "buyers": "Покупатели"},
    "en": {"kpi": "Revenue by day", "revenue": "Revenue", "skus": "ABC: revenue by SKU",
           "share": "Cumulative share", "forecast": "Demand forecast", "units": "Units per day",
           "history": "Sales", "interval": "80 % interval", "funnel": "Status funnel",
           "orders": "Orders", "customers": "RFM segments", "buyers": "Buyers"},
})  # fmt: skip
PARETO_SKUS = 40


def _pyplot() -> Any:
    matplotlib = require("matplotlib", "charts")
    matplotlib.use("Agg")  # files only: no display needed
    return require("matplotlib.pyplot", "charts")


def draw(kind: str, data: Any, path: Path, display: Display, *, sku: str | None = None) -> None:
    """Draw *kind*'s chart of *data* into *path* (.png or .svg)."""
    figure = _figure(kind, data, display, sku)
    try:
        figure.savefig(path, format=path.suffix.lower().lstrip("."), dpi=120, bbox_inches="tight")
    finally:
        _pyplot().close(figure)


def png(kind: str, data: Any, display: Display) -> bytes:
    """The chart as PNG bytes (the digest attaches it)."""
    figure = _figure(kind, data, display, None)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    finally:
        _pyplot().close(figure)
    return buffer.getvalue()


def _figure(kind: str, data: Any, display: Display, sku: str | None) -> Any:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 4.5))
    text = TEXT.get(display.locale, TEXT["en"])
    if kind == "forecast":
        _forecast(axes, data, text, sku)
    else:
        CHARTS[kind](axes, data, text)
    if kind in ("kpi", "forecast"):
        figure.autofmt_xdate()
    return figure


def _kpi(axes: Any, data: dict[str, Any], text: Mapping[str, str]) -> None:
    series: dict[str, dict[date, float]] = defaultdict(dict)
    for row in data.get("revenue_by_day", []):
        series[row["marketplace"]][date.fromisoformat(row["day"])] = float(row["revenue"])
    days = [date.fromisoformat(data["from"])]
    last = date.fromisoformat(data["to"])
    while days[-1] < last:
        days.append(date.fromordinal(days[-1].toordinal() + 1))
    bottom = [0.0] * len(days)
    for marketplace, values in sorted(series.items()):
        heights = [values.get(d, 0.0) for d in days]
        axes.bar(days, heights, bottom=bottom, label=marketplace)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title(f"{text['kpi']} · {data['period']}")
    axes.set_ylabel(text["revenue"])
    if series:
        axes.legend()


def _skus(axes: Any, data: list[dict[str, Any]], text: Mapping[str, str]) -> None:
    rows = [r for r in data if float(r["revenue"]) > 0][:PARETO_SKUS]
    total = sum(float(r["revenue"]) for r in data) or 1.0
    colours = {"A": "tab:green", "B": "tab:orange", "C": "tab:red"}
    names = [r["sku"] for r in rows]
    axes.bar(names, [float(r["revenue"]) for r in rows], color=[colours[r["abc"]] for r in rows])
    axes.set_ylabel(text["revenue"])
    axes.set_title(text["skus"])
    axes.tick_params(axis="x", labelrotation=90, labelsize=7)
    share, running = axes.twinx(), 0.0
    cumulative = []
    for row in rows:
        running += float(row["revenue"])
        cumulative.append(running / total)
    share.plot(names, cumulative, color="black", marker=".")
    for limit in (0.8, 0.95):
        share.axhline(limit, color="grey", linestyle="--", linewidth=0.8)
    share.set_ylim(0, 1.02)
    share.set_ylabel(text["share"])


def _forecast(axes: Any, data: dict[str, Any], text: Mapping[str, str], sku: str | None) -> None:
    rows = data["skus"]
    if not rows:
        axes.set_title(text["forecast"])
        return
    chosen = next((r for r in rows if r["sku"] == sku), None) if sku else None
    if sku and chosen is None:
        raise ValueError(f"--sku {sku!r} has no sales in the forecast's history")
    row = chosen or max(rows, key=lambda r: (r["next_28_days"], r["sku"]))
    past = [(date.fromisoformat(h["day"]), h["units"]) for h in row["history"]]
    ahead = [(date.fromisoformat(f["day"]), f) for f in row["forecast"]]
    axes.plot([d for d, _ in past], [u for _, u in past], label=text["history"], color="tab:blue")
    axes.plot([d for d, _ in ahead], [f["units"] for _, f in ahead], label=row["model"],
              color="tab:orange")  # fmt: skip
    axes.fill_between([d for d, _ in ahead], [f["low"] for _, f in ahead],
                      [f["high"] for _, f in ahead], alpha=0.25, color="tab:orange",
                      label=text["interval"])  # fmt: skip
    axes.set_title(f"{text['forecast']} · {row['sku']}")
    axes.set_ylabel(text["units"])
    axes.legend()


def _funnel(axes: Any, data: dict[str, Any], text: Mapping[str, str]) -> None:
    stages = list(reversed(data["stages"]))
    axes.barh([s["stage"] for s in stages], [s["orders"] for s in stages], color="tab:blue")
    axes.barh([s["stage"] for s in stages], [s["cancelled"] + s["returned"] for s in stages],
              color="tab:red")  # fmt: skip
    axes.set_title(f"{text['funnel']} · {data['period']}")
    axes.set_xlabel(text["orders"])


def _customers(axes: Any, data: dict[str, Any], text: Mapping[str, str]) -> None:
    segments = data["segments"]
    axes.bar([s["segment"] for s in segments], [s["buyers"] for s in segments])
    axes.set_title(text["customers"])
    axes.set_ylabel(text["buyers"])
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)


CHARTS: Mapping[str, Callable[[Any, Any, Mapping[str, str]], None]] = MappingProxyType(
    {"kpi": _kpi, "skus": _skus, "funnel": _funnel, "customers": _customers}
)
