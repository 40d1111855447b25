"""``mpsync finance summary|reconcile`` and ``mpsync products costs import|list``.

Thin: parse, call ``mpsync.finance``, print a table, JSON or CSV.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mpsync.cli.common import (
    EXIT_RUNTIME,
    ConfigOption,
    JsonOption,
    console,
    fail,
    load_settings,
    open_store,
    print_json,
    require_secrets,
)
from mpsync.cli.tables import WideOption
from mpsync.config import Settings

finance_app = typer.Typer(
    help="What the seller earns: the marketplaces' fees, payouts and returns (the finance "
    "stream: `mpsync sync --stream finance`), cost of goods and margin.",
    no_args_is_help=True,
)
costs_app = typer.Typer(
    help="The seller's cost of goods per SKU, with history: a past period uses the cost "
    "valid then.",
    no_args_is_help=True,
)
PERIOD_HELP = "The month, YYYY-MM (or YYYY-MM-DD..YYYY-MM-DD), in the [display] zone."
PeriodArg = Annotated[str, typer.Option("--period", help=PERIOD_HELP)]
AccountOption = Annotated[str | None, typer.Option("--account", help="Only this account.")]
ByOption = Annotated[str | None, typer.Option("--by", help="One row per sku|order|day.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
FIELDS = ("revenue", "returns", "payout", "cogs", "margin", "margin_pct")


def _period(settings: Settings, text: str) -> Any:
    from mpsync.analytics.period import PeriodError, parse_period
    from mpsync.display import to_local

    zone = settings.display.display().zone
    try:
        return parse_period(text, zone, to_local(datetime.now(UTC), zone).date())
    except PeriodError as exc:
        fail(str(exc))


def _account(settings: Settings, account: str | None) -> None:
    if account and account not in {a.id for a in settings.accounts}:
        known = ", ".join(a.id for a in settings.accounts) or "none configured"
        fail(f"--account {account!r} is not in the config (known: {known})")


@finance_app.command("summary")
def summary_cmd(
    period: PeriodArg,
    config: ConfigOption = None,
    account: AccountOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    wide: WideOption = False,
) -> None:
    """Revenue, each fee kind, payout, returns, cost of goods, margin and margin % of a period.

    Payout is every finance entry of the period added up (what the marketplace pays);
    cost of goods uses `products costs` valid on each entry's day — a SKU without one leaves
    cogs and margin empty and is named in costs_missing.
    """
    from mpsync.finance.summary import BY, summary

    if by is not None and by not in BY:
        fail(f"--by {by!r}: use one of {', '.join(BY)}")
    if as_json and as_csv:
        fail("--json and --csv exclude each other; choose one")
    settings = load_settings(config)
    _account(settings, account)
    chosen = _period(settings, period)
    engine = open_store(settings)
    try:
        with engine.connect() as connection:
            result = summary(connection, chosen, account, by)
    finally:
        engine.dispose()
    rows = result if isinstance(result, list) else [result]
    if as_json:
        print_json(result)
    elif as_csv:
        _csv(rows, by)
    else:
        _table(rows, by, wide)


def _columns(rows: list[dict[str, Any]], by: str | None) -> tuple[list[str], list[str]]:
    kinds = sorted({kind for row in rows for kind in row["fees"]})
    head = [by] if by else []
    return [*head, "period", "account", "currency", *FIELDS], kinds


def _csv(rows: list[dict[str, Any]], by: str | None) -> None:
    names, kinds = _columns(rows, by)
    writer = csv.writer(sys.stdout)
    writer.writerow([*names, *(f"fee_{k}" for k in kinds), "costs_missing"])
    for row in rows:
        writer.writerow([*("" if row[n] is None else row[n] for n in names),
                         *(row["fees"].get(k, "") for k in kinds),
                         " ".join(row["costs_missing"])])  # fmt: skip


def _table(rows: list[dict[str, Any]], by: str | None, wide: bool) -> None:
    """One row per group: the money that matters at 80 columns, each fee kind with --wide
    (without --by: one line per figure, the fees included)."""
    from mpsync.cli.tables import Col, render

    where = f"{rows[0]['period']} ({rows[0]['account'] or 'all accounts'})" if rows else ""
    if by is None and rows:
        row = rows[0]
        figures = [(name, row[name]) for name in FIELDS]
        figures += [(f"fee {kind}", value) for kind, value in row["fees"].items()]
        render(console, f"Finance {where}", (Col("figure", key=True),
               Col(row["currency"], justify="right")),
               ([name, "—" if value is None else str(value)] for name, value in figures),
               wide=wide)  # fmt: skip
    else:
        _, kinds = _columns(rows, by)
        columns = [Col(by or "", key=True), *(Col(n, justify="right") for n in FIELDS),
                   *(Col(k, wide=True, justify="right") for k in kinds)]  # fmt: skip
        render(console, f"Finance {where}", columns, wide=wide, rows=(
            [str(row[by or ""] or "—"), *("—" if row[n] is None else str(row[n]) for n in FIELDS),
             *(row["fees"].get(k, "") for k in kinds)] for row in rows))  # fmt: skip
    missing = sorted({sku for row in rows for sku in row["costs_missing"]})
    if missing:
        console.print(f"no cost for: {', '.join(missing)} (`mpsync products costs import`)",
                      highlight=False, markup=False)  # fmt: skip


@finance_app.command("reconcile")
def reconcile_cmd(
    period: PeriodArg,
    account: Annotated[str, typer.Option("--account", help="The account to reconcile.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare the store's payout for the period with the marketplace's own report, row by
    row; exit 1 when it does not balance (missing order, fee without an order, amount
    differs), listing every difference."""
    settings = load_settings(config)
    _account(settings, account)
    require_secrets(settings, [account])
    chosen = _period(settings, period)
    engine = open_store(settings)
    try:
        result = asyncio.run(_reconcile(engine, settings, account, chosen))
    finally:
        engine.dispose()
    if as_json:
        print_json(result)
    else:
        _print_reconcile(result)
    if not result["balanced"]:
        raise typer.Exit(1)


async def _reconcile(engine: Any, settings: Settings, account_id: str,
                     period: Any) -> dict[str, Any]:  # fmt: skip
    from mpsync.finance.reconcile import compare, marketplace_totals, read_report
    from mpsync.runtime import Runtime

    account = next(a for a in settings.accounts if a.id == account_id)
    try:
        async with Runtime.build(engine, settings) as runtime:
            pool = runtime.connectors
            connector, mapping = pool.connector(account), pool.mapping(account)
            report, failures = await read_report(connector, mapping, account_id, period)
            totals = await marketplace_totals(connector, period)
    except Exception as exc:  # a connector error: one line, exit 3
        from mpsync.connector.errors import ConnectorError

        if not isinstance(exc, ConnectorError):
            raise
        fail(f"{account_id}: reading the marketplace's report failed: {exc}", EXIT_RUNTIME)
    with engine.connect() as connection:
        result = compare(connection, account_id, period, report, totals)
    if failures:
        result["unreadable_rows"] = failures
        result["balanced"] = False
    return result


def _print_reconcile(result: dict[str, Any]) -> None:
    verdict = "balances" if result["balanced"] else "does NOT balance"
    console.print(f"{result['account']} {result['period']}: {verdict} — store payout "
                  f"{result['store_payout']}, marketplace {result['marketplace_payout']}"
                  + (f" (its totals: {result['marketplace_total']})"
                     if "marketplace_total" in result else ""),
                  highlight=False, markup=False)  # fmt: skip
    for row in result["differences"]:
        console.print(f"  {row['type']}: row {row['source_id']} order {row['order'] or '—'} "
                      f"{row['kind']} {row['operation']}: store {row['store'] or '—'}, "
                      f"marketplace {row['marketplace'] or '—'}",
                      highlight=False, markup=False, soft_wrap=True)  # fmt: skip


@costs_app.command("import")
def costs_import(
    file: Annotated[Path, typer.Argument(help="CSV: sku,cost,valid_from[,currency].")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import unit costs: one row per SKU and the day it is valid from (YYYY-MM-DD); a row
    for the same SKU and day replaces the old one, other days stay as history."""
    from mpsync.finance.costs import CostFileError, import_costs, read_costs

    settings = load_settings(config)
    try:
        rows = read_costs(file.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    except CostFileError as exc:
        fail(f"{file}: {exc}")
    engine = open_store(settings, create=True)
    try:
        with engine.begin() as connection:
            result = import_costs(connection, rows)
    finally:
        engine.dispose()
    counts = {"rows": len(rows), "inserted": result.inserted, "updated": result.updated,
              "unchanged": result.unchanged}  # fmt: skip
    if as_json:
        print_json(counts)
    else:
        console.print(f"{file}: {len(rows)} rows: {result.inserted} new, {result.updated} "
                      f"changed, {result.unchanged} unchanged",
                      highlight=False, markup=False)  # fmt: skip


@costs_app.command("list")
def costs_list(
    config: ConfigOption = None,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every cost row: SKU, valid from, cost, currency (history included)."""
    from rich.table import Table

    from mpsync.finance.costs import list_costs

    settings = load_settings(config)
    engine = open_store(settings)
    try:
        with engine.connect() as connection:
            rows = list_costs(connection, sku)
    finally:
        engine.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Costs ({len(rows)})")
    for name in ("sku", "valid_from", "cost", "currency"):
        table.add_column(name, justify="right" if name == "cost" else "left")
    for row in rows:
        table.add_row(row["sku"], row["valid_from"], row["cost"], row["currency"])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(finance_app, name="finance")


def register_costs(products_app: typer.Typer) -> None:
    """``products costs``: added to the products group once, however often it registers."""
    if not any(group.typer_instance is costs_app for group in products_app.registered_groups):
        products_app.add_typer(costs_app, name="costs")
