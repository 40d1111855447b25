"""``mpsync report kpi|funnel|skus|customers|forecast|satisfaction``, ``mpsync customers``.

Thin: parse the options, build the report with ``mpsync.analytics``, print a table,
JSON or CSV, and draw the chart when ``--chart FILE.png|FILE.svg`` is given.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Engine

from mpsync.analytics.period import PERIOD_HELP, PeriodError
from mpsync.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    fail,
    load_settings,
    open_store,
    print_json,
)
from mpsync.config import Settings

report_app = typer.Typer(
    help="Analytics over the store: KPIs, the status funnel, SKUs, customers, forecasts. "
    "Periods are whole days in the [display] time zone. Net revenue and payout are sums of "
    "the finance entries the marketplaces reported: with none stored they read 0.00 and "
    "finance_entries says 0.",
    no_args_is_help=True,
)
customers_app = typer.Typer(
    help="Identified buyers: RFM segments and the interaction timeline. Anonymous orders "
    "(the marketplace hides the buyer) have no customer.",
    no_args_is_help=True,
)

PeriodOption = Annotated[str | None, typer.Option("--period", help=f"{PERIOD_HELP}; default: "
                                                  "this month so far.")]  # fmt: skip
AccountOption = Annotated[str | None, typer.Option("--account", help="Only this account.")]
MarketplaceOption = Annotated[
    str | None, typer.Option("--marketplace", help="Only this marketplace's accounts.")
]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
ChartOption = Annotated[
    Path | None,
    typer.Option("--chart", help="Also draw the report's chart to FILE.png or FILE.svg."),
]
SkuOption = Annotated[str | None, typer.Option("--sku", help="forecast: the SKU to chart.")]


def run_report(kind: str, *, config: Path | None, period: str | None, account: str | None,
               marketplace: str | None, as_json: bool, as_csv: bool, chart: Path | None,
               sku: str | None = None, now: datetime | None = None) -> None:  # fmt: skip
    """Build report *kind* and print it; every ``report`` subcommand lands here."""
    from mpsync.analytics.context import ReportContext
    from mpsync.analytics.extra import MissingExtra
    from mpsync.analytics.reports import build_report

    if as_json and as_csv:
        fail("--json and --csv exclude each other; choose one")
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        fail(f"--chart {chart}: use a file name ending in .png or .svg")
    settings = load_settings(config)
    _known_account(settings, account)
    engine = open_store(settings)
    try:
        ctx = ReportContext.build(engine, settings, period=period, now=now or datetime.now(UTC),
                                  account=account, marketplace=marketplace)  # fmt: skip
        report = build_report(kind, ctx)
        if chart is not None:
            from mpsync.analytics.charts import draw

            draw(kind, report.data, chart, ctx.display, sku=sku)
    except (PeriodError, MissingExtra, ValueError) as error:
        fail(str(error))
    finally:
        engine.dispose()
    if as_json:
        print_json(report.data)
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(report.columns)
        writer.writerows([["" if v is None else v for v in row] for row in report.rows])
    else:
        _table(f"{kind} {_label(report.data)}", *report.terminal())
    if chart is not None and not as_json and not as_csv:
        console.print(f"chart written to {chart}", markup=False, highlight=False)


def _known_account(settings: Settings, account: str | None) -> None:
    if account and account not in {a.id for a in settings.accounts}:
        known = ", ".join(a.id for a in settings.accounts) or "none configured"
        fail(f"--account {account!r} is not in the config (known: {known})")


def _label(data: Any) -> str:
    return str(data.get("period", "")) if isinstance(data, dict) else ""


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(*(c.replace("_", " ") for c in columns), title=title)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    console.print(table)


def _command(kind: str, doc: str) -> Callable[..., None]:
    def command(
        period: PeriodOption = None,
        account: AccountOption = None,
        marketplace: MarketplaceOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
        sku: SkuOption = None,
        config: ConfigOption = None,
    ) -> None:
        run_report(kind, config=config, period=period, account=account, marketplace=marketplace,
                   as_json=as_json, as_csv=as_csv, chart=chart, sku=sku)  # fmt: skip

    command.__doc__ = doc
    return command


REPORT_DOCS = {
    "kpi": "Orders, units, revenue, net revenue, payout, AOV, cancellation and return rates, "
    "processing hours, ship-by compliance and repeat buyers, with the previous period of "
    "equal length and the change. Chart: revenue by day per marketplace.",
    "funnel": "The status funnel new → confirmed → ready to ship → shipped → delivered → "
    "completed, with drop-offs to cancelled/returned and median hours between stages.",
    "skus": "Per SKU: units, revenue, ABC class, margin (with product costs), demand over 28 "
    "days, stock cover, days out of stock, lost sales and reorder suggestions. Chart: the "
    "ABC Pareto curve.",
    "customers": "RFM segments of identified buyers with their share of all orders, as of the "
    "period's end.",
    "forecast": "Daily demand per SKU for 28 days (Holt-Winters beside seasonal-naive, the "
    "model only where its 28-day backtest MASE is lower). Needs mpsync[analytics].",
    "satisfaction": "Buyers' ratings as satisfaction, per account and SKU: reviews, average "
    "rating, CSAT (share of 4-5 stars), NPS proxy (share of 5 stars minus share of 1-3; not a "
    "true NPS), median hours to the first answer, share answered before the deadline.",
}
for _kind, _doc in REPORT_DOCS.items():
    report_app.command(_kind)(_command(_kind, _doc))


@customers_app.command("list")
def customers_list(
    segment: Annotated[
        str | None, typer.Option(help="Only this RFM segment (e.g. at_risk).")
    ] = None,
    account: AccountOption = None,
    limit: Annotated[int, typer.Option(min=0, help="At most N rows; 0 = all.")] = 100,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Identified buyers by money spent, with RFM scores (1-5) and segment. No contacts."""
    from mpsync.analytics.customers import list_customers
    from mpsync.analytics.sql import Scope

    settings = load_settings(config)
    _known_account(settings, account)
    rows = _with_engine(settings, lambda e: list_customers(
        e, Scope(account), now=datetime.now(UTC), segment=segment, limit=limit))  # fmt: skip
    if as_json:
        print_json(rows)
        return
    columns = ["id", "segment", "r", "f", "m", "orders", "spent", "last_order_at"]
    _table(f"Customers ({len(rows)})", columns, [[r[c] for c in columns] for r in rows])


@customers_app.command("show")
def customers_show(
    customer: Annotated[int, typer.Argument(help="The customer id (see customers list).")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """One customer: RFM, segment and the timeline of orders, statuses, returns, invoices and
    notifications. The terminal shows the name and masked contacts; --json shows neither."""
    from mpsync.analytics.customers import show_customer

    settings = load_settings(config)
    card = _with_engine(settings, lambda e: show_customer(e, customer, now=datetime.now(UTC)))
    if card is None:
        fail(f"no customer {customer}; list them with `mpsync customers list`")
    if as_json:
        print_json(card.data)
        return
    display = settings.display.display()
    head = {k: v for k, v in card.data.items() if k != "timeline"}
    contact = ", ".join(v for v in card.contact.values() if v)
    console.print(f"customer {customer}: {contact or 'no contact stored'}", markup=False)
    console.print(" ".join(f"{k}={v}" for k, v in head.items()), markup=False, highlight=False)
    _table("timeline", ["at", "kind", "order", "detail"],
           [[display.when(e["at"]), e["kind"], e["order"], e["detail"]]
            for e in card.data["timeline"]])  # fmt: skip


def _with_engine(settings: Settings, read: Callable[[Engine], Any]) -> Any:
    engine = open_store(settings)
    try:
        return read(engine)
    except ValueError as error:
        fail(str(error))
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(customers_app, name="customers")
