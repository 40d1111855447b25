"""``mpsync products list``: the catalogue that binds seller SKUs to marketplace ids."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mpsync.cli.common import ConfigOption, JsonOption, console, fail, load_settings, print_json
from mpsync.cli.tables import Col, WideOption, render

products_app = typer.Typer(
    help="The product catalogue: each seller SKU and the marketplace ids it is bound to "
    "(what stock and price pushes are sent to).",
    no_args_is_help=True,
)


@products_app.command("list")
def products_list(
    config: ConfigOption = None,
    account: Annotated[str | None, typer.Option("--account", help="Only this account.")] = None,
    unbound: Annotated[
        bool,
        typer.Option(
            "--unbound",
            help="Only SKUs seen in orders, stock or prices that have no marketplace ids yet "
            "(pushes to them are refused until a read binds them).",
        ),
    ] = False,
    limit: Annotated[int, typer.Option(min=0, help="At most N rows; 0 = all.")] = 100,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Every SKU an account knows, with its name, marketplace ids and barcodes.

    A SKU is bound when a read (the products, stock or prices stream, depending on the
    marketplace) gave its ids: Wildberries nmID/chrtId, Ozon product_id/sku, Yandex Market
    offerId/marketSku.
    """
    from mpsync.catalog.listing import list_products

    rows, hints = _read(config, account, lambda e: list_products(
        e, account=account, unbound=unbound, limit=limit))  # fmt: skip
    if as_json:
        print_json(rows)
        return
    title = f"{'Unbound products' if unbound else 'Products'} ({len(rows)})"
    columns = (Col("account", key=True), Col("sku", key=True), Col("name"),
               Col("ids", wide=True), Col("barcodes", wide=True), Col("bound"))  # fmt: skip
    render(console, title, columns, wide=wide, rows=(
        [r["account"], r["sku"], r["name"] or "",
         " ".join(f"{name}={value}" for name, value in r["ids"].items()),
         " ".join(r["barcodes"]), "yes" if r["bound"] else "no"] for r in rows))  # fmt: skip
    for account_id in sorted({r["account"] for r in rows if not r["bound"]}):
        if account_id in hints:
            console.print(f"{account_id}: bind its SKUs with `{hints[account_id]}`",
                          highlight=False, markup=False)  # fmt: skip


def _read(config: Path | None, account: str | None,
          read: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:  # fmt: skip
    """The rows, and per configured account the command whose read binds its SKUs."""
    from mpsync.catalog import bind_command, binding_stream
    from mpsync.cli.inventory_cmds import store_rows
    from mpsync.connector.registry import load_connector

    settings = load_settings(config)
    if account and account not in {a.id for a in settings.accounts}:
        known = ", ".join(a.id for a in settings.accounts) or "none configured"
        fail(f"--account {account!r} is not in the config (known: {known})")
    hints = {
        a.id: bind_command(a.id, binding_stream(load_connector(a.marketplace)))
        for a in settings.accounts
    }
    return store_rows(settings, read), hints


def register(app: typer.Typer) -> None:
    from mpsync.cli.finance_cmds import register_costs

    register_costs(products_app)  # products costs import|list (mpsync.finance)
    app.add_typer(products_app, name="products")
