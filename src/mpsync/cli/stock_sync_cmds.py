"""``stock set/adjust/import/plan/links/sync``: one stock across every channel (issue 18)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from mpsync.cli.common import (
    EXIT_RUNTIME,
    ConfigOption,
    JsonOption,
    console,
    fail,
    load_settings,
    print_json,
    require_secrets,
    store,
)
from mpsync.cli.inventory_cmds import prices_app, stock_app
from mpsync.cli.tables import Col, WideOption, render

SkuArg = Annotated[str, typer.Argument(help="Seller SKU of any listing of the item, or the item.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (kept in the ledger).")]
_SIGNED = {"ignore_unknown_options": True}


def _now() -> datetime:
    return datetime.now(UTC)


@stock_app.command("set")
def stock_set(
    sku: SkuArg,
    quantity: Annotated[int, typer.Argument(min=0, help="Units on hand.")],
    reason: ReasonOption = None,
    config: ConfigOption = None,
) -> None:
    """Set the units on hand of an item in mpsync's own ledger ([stock] source = "ledger")."""
    from mpsync.stocksync.ledger import LedgerError
    from mpsync.stocksync.service import set_stock

    settings = load_settings(config)
    with store(settings, create=True) as engine:
        try:
            changes = set_stock(
                engine, settings, {sku: quantity}, reason=reason or "set", source="set", now=_now()
            )
        except LedgerError as exc:
            fail(str(exc))
    _print_changes(changes, sku)


@stock_app.command("adjust", context_settings=_SIGNED)
def stock_adjust(
    sku: SkuArg,
    delta: Annotated[str, typer.Argument(help="Units to add or take: +5 or -2.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the ledger).")],
    config: ConfigOption = None,
) -> None:
    """Add or take units of an item in the ledger, with the reason."""
    from mpsync.stocksync.ledger import LedgerError
    from mpsync.stocksync.service import adjust_stock

    try:
        units = int(delta)
    except ValueError:
        fail(f"{delta!r} is not a whole number of units; write +5 or -2")
    settings = load_settings(config)
    with store(settings, create=True) as engine:
        try:
            changes = adjust_stock(engine, settings, sku, units, reason=reason, now=_now())
        except LedgerError as exc:
            fail(str(exc))
    _print_changes(changes, sku)


@stock_app.command("import")
def stock_import(
    path: Annotated[Path, typer.Argument(help="CSV of sku,quantity (a header row is fine).")],
    reason: ReasonOption = None,
    config: ConfigOption = None,
) -> None:
    """Set the units on hand of many items from a CSV file."""
    from mpsync.stocksync.ledger import LedgerError, parse_quantities
    from mpsync.stocksync.service import set_stock

    settings = load_settings(config)
    try:
        figures = parse_quantities(path.read_text(encoding="utf-8-sig"), str(path))
    except (OSError, LedgerError) as exc:
        fail(str(exc))
    with store(settings, create=True) as engine:
        changes = set_stock(
            engine,
            settings,
            figures,
            reason=reason or f"import {path.name}",
            source="import",
            now=_now(),
        )
    console.print(f"{len(figures)} row(s) read, {len(changes)} item(s) changed", highlight=False)


def _print_changes(changes: list, sku: str) -> None:  # type: ignore[type-arg]
    if not changes:
        console.print(f"{sku}: unchanged", highlight=False)
    for change in changes:
        before = "unset" if change.before is None else change.before
        console.print(
            f"{change.item}: {before} → {change.after} ({change.reason})",
            highlight=False,
            markup=False,
        )


@stock_app.command("links")
def stock_links(
    unlinked: Annotated[
        bool, typer.Option("--unlinked", help="Only listings on one account.")
    ] = False,
    as_json: JsonOption = False,
    wide: WideOption = False,
    config: ConfigOption = None,
) -> None:
    """Listings and the item each belongs to: linked by equal SKU, shared barcode or
    [stock] links (a links.csv of item,account,sku)."""
    from mpsync.stocksync.links import LinksFileError
    from mpsync.stocksync.service import link_rows

    settings = load_settings(config)
    with store(settings) as engine:
        try:
            rows = link_rows(engine, settings, unlinked=unlinked)
        except (OSError, LinksFileError) as exc:
            fail(f"[stock] links: {exc}")
    if as_json:
        print_json(rows)
        return
    columns = (
        Col("item", key=True),
        Col("account", key=True),
        Col("sku"),
        Col("linked by"),
        Col("also on"),
    )
    render(
        console,
        f"Listings ({len(rows)})",
        columns,
        wide=wide,
        rows=(
            [
                r["item"],
                r["account"],
                r["sku"],
                r["linked_by"] or "not linked",
                ", ".join(r["other_accounts"]),
            ]
            for r in rows
        ),
    )


@stock_app.command("plan")
def stock_plan(
    as_json: JsonOption = False, wide: WideOption = False, config: ConfigOption = None
) -> None:
    """What a propagation would push now, to which channel, and why (nothing is sent)."""
    from mpsync.stocksync.service import plan

    settings = load_settings(config)
    with store(settings, create=True) as engine:
        result = plan(engine, settings, now=_now())
    rows = [row.as_json() for row in result.rows]
    if as_json:
        print_json(rows)
        return
    _render_plan(rows, wide, "Stock plan")
    for account, message in result.refused.items():
        console.print(f"{account}: {message}", highlight=False, markup=False)


def _render_plan(rows: list[dict], wide: bool, title: str) -> None:  # type: ignore[type-arg]
    columns = (
        Col("account", key=True),
        Col("sku", key=True),
        Col("warehouse"),
        Col("current", justify="right"),
        Col("target", justify="right"),
        Col("reason"),
    )
    render(
        console,
        f"{title} ({len(rows)})",
        columns,
        wide=wide,
        rows=(
            [
                r["account"],
                r["sku"],
                r["warehouse"],
                "" if r["current"] is None else str(r["current"]),
                str(r["target"]),
                r["reason"],
            ]
            for r in rows
        ),
    )


@stock_app.command("sync")
def stock_sync(
    force: Annotated[
        bool, typer.Option("--force", help="Push even what the guard refuses.")
    ] = False,
    as_json: JsonOption = False,
    wide: WideOption = False,
    config: ConfigOption = None,
) -> None:
    """Run one propagation now and print what it pushed (and what was refused)."""
    from mpsync.stocksync.service import sync_now

    settings = load_settings(config)
    require_secrets(settings, [a.id for a in settings.accounts if a.enabled])
    with store(settings, create=True) as engine:
        result = asyncio.run(sync_now(engine, settings, now=_now(), force=force))
    sent = [row.as_json() for row in result.sent]
    failed = [
        {"account": a, "sku": s, "warehouse": w, "answer": m}
        for (a, s, w), m in result.failed.items()
    ]
    if as_json:
        print_json(
            {
                "pushed": sent,
                "failed": failed,
                "refused": result.plan.refused,
                "held": [r.as_json() for r in result.plan.rows if not r.push],
            }
        )
    else:
        _render_plan(sent, wide, "Pushed")
        for row in failed:
            console.print(
                f"{row['account']} {row['sku']} @ {row['warehouse']}: refused: {row['answer']}",
                highlight=False,
                markup=False,
            )
        for account, message in result.plan.refused.items():
            console.print(f"{account}: {message}", highlight=False, markup=False)
    if failed or result.plan.refused:
        raise typer.Exit(EXIT_RUNTIME)


@prices_app.command("base")
def prices_base(
    sku: SkuArg,
    price: Annotated[str, typer.Argument(help="The base price price rules start from.")],
    config: ConfigOption = None,
) -> None:
    """Set an item's base price in mpsync's ledger (the start of every channel's rule)."""
    from decimal import Decimal, InvalidOperation

    from mpsync.stocksync.service import set_base_price

    try:
        amount = Decimal(price.replace(",", "."))
    except InvalidOperation:
        fail(f"{price!r} is not an amount; write it like 1990 or 1990.50")
    if not amount.is_finite() or amount <= 0:
        fail(f"{price!r} must be a positive amount")
    settings = load_settings(config)
    with store(settings, create=True) as engine:
        item = set_base_price(engine, settings, sku, amount, now=_now())
    console.print(f"{item}: base price {amount}", highlight=False, markup=False)


@prices_app.command("plan")
def prices_plan(as_json: JsonOption = False, wide: WideOption = False,
                config: ConfigOption = None) -> None:  # fmt: skip
    """The prices each channel's rule asks for where they differ from the last price read,
    and why (nothing is sent)."""
    from mpsync.stocksync.service import price_plan

    settings = load_settings(config)
    with store(settings, create=True) as engine:
        rows = [row.as_json() for row in price_plan(engine, settings, now=_now())]
    if as_json:
        print_json(rows)
        return
    _render_prices(rows, wide, "Price plan")


def _render_prices(rows: list[dict], wide: bool, title: str) -> None:  # type: ignore[type-arg]
    columns = (Col("account", key=True), Col("sku", key=True), Col("current", justify="right"),
               Col("target", justify="right"), Col("old price", justify="right"),
               Col("reason"))  # fmt: skip
    render(console, f"{title} ({len(rows)})", columns, wide=wide,
           rows=([r["account"], r["sku"], r["current"] or "", r["target"], r["old_price"] or "",
                  r["reason"]] for r in rows))  # fmt: skip


@prices_app.command("apply")
def prices_apply(as_json: JsonOption = False, wide: WideOption = False,
                 config: ConfigOption = None) -> None:  # fmt: skip
    """Push the planned prices (only changes, within each marketplace's per-item limits)
    and print what was sent; the next price read shows whether it was taken."""
    from mpsync.stocksync.service import apply_now

    settings = load_settings(config)
    require_secrets(settings, [a.id for a in settings.accounts if a.enabled and a.prices])
    with store(settings, create=True) as engine:
        result = asyncio.run(apply_now(engine, settings, now=_now()))
    sent = [row.as_json() for row in result.sent]
    failed = [{"account": a, "sku": s, "answer": m} for (a, s), m in result.failed.items()]
    if as_json:
        print_json({"pushed": sent, "failed": failed,
                    "held": [r.as_json() for r in result.rows if not r.push]})  # fmt: skip
    else:
        _render_prices(sent, wide, "Prices pushed")
        for row in failed:
            console.print(f"{row['account']} {row['sku']}: refused: {row['answer']}",
                          highlight=False, markup=False)  # fmt: skip
    if failed:
        raise typer.Exit(EXIT_RUNTIME)
