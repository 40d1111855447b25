"""``stock list/push`` and ``prices list/push``: read the store, publish to a marketplace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

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
    store,
)
from mpsync.cli.tables import Col, WideOption, render
from mpsync.config import Settings
from mpsync.connector.base import Connector, PriceUpdate, StockUpdate, WriteResult
from mpsync.connector.errors import ConnectorError
from mpsync.display import Display

stock_app = typer.Typer(help="Stock levels: what the marketplaces report, and pushes.",
                        no_args_is_help=True)  # fmt: skip
prices_app = typer.Typer(help="Prices: what the marketplaces report, and pushes.",
                         no_args_is_help=True)  # fmt: skip

AccountFilter = Annotated[str | None, typer.Option("--account", help="Only this account.")]
SkuFilter = Annotated[str | None, typer.Option("--sku", help="Only this seller SKU.")]
LimitOption = Annotated[int, typer.Option(min=0, help="At most N rows; 0 = all.")]
AccountArg = Annotated[str, typer.Option("--account", help="Account id from the config.")]
SkuArg = Annotated[str, typer.Option("--sku", help="Seller SKU (article / offer id).")]
Send = Callable[[Engine, Connector, datetime], Awaitable[WriteResult]]


def _engine(settings: Settings, *, create: bool = False) -> Engine:
    return open_store(settings, create=create)


def _read(
    config: Path | None, read: Callable[[Engine], list[dict[str, Any]]]
) -> tuple[list[dict[str, Any]], Display]:
    """Rows from the store for a ``list`` command, and how to show times and money."""
    settings = load_settings(config)
    return store_rows(settings, read), settings.display.display()


def store_rows(
    settings: Settings, read: Callable[[Engine], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Rows from the (migrated) store of *settings* for a ``list`` command."""
    with store(settings) as engine:
        return read(engine)


@stock_app.command("list")
def stock_list(
    config: ConfigOption = None,
    account: AccountFilter = None,
    sku: SkuFilter = None,
    below: Annotated[
        int | None, typer.Option(min=1, help="Only rows with fewer than N available.")
    ] = None,
    limit: LimitOption = 100,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Stock per account, SKU and warehouse, as the last stock read saw it.

    The push column tells what became of the last `stock push` of a row: pending (no
    stock read since), taken, differs (sent X, reads Y), refused: the marketplace's
    message, or failed: no answer came.
    """
    from mpsync.inventory import list_stock

    rows, display = _read(config, lambda e: list_stock(e, account=account, sku=sku, below=below,
                                                        limit=limit))  # fmt: skip
    if as_json:
        print_json(rows)
        return
    columns = (Col("account", key=True), Col("sku", key=True), Col("warehouse"),
               Col("on hand", wide=True, justify="right"),
               Col("reserved", wide=True, justify="right"),
               Col("available", justify="right"), Col("read at"), Col("push"))  # fmt: skip
    render(console, f"Stock ({len(rows)})", columns, wide=wide, caption=f"times in {display.zone}",
           rows=([r["account"], r["sku"], r["warehouse"], str(r["on_hand"]), str(r["reserved"]),
                  str(r["available"]), _read_at(r, display), r["push"]] for r in rows))  # fmt: skip


@stock_app.command("push")
def stock_push(
    account: AccountArg,
    sku: SkuArg,
    warehouse: Annotated[
        str, typer.Option(help="The marketplace's warehouse id, as `stock list` shows it.")
    ],
    quantity: Annotated[int, typer.Option(min=0, help="Free quantity to publish.")],
    config: ConfigOption = None,
) -> None:
    """Publish a stock figure for one SKU at one warehouse; prints the marketplace's answer.

    The SKU is sent to the marketplace ids the catalogue binds it to (see `mpsync products
    list`); an unbound SKU is refused. The next stock read shows in `stock list` whether
    the marketplace took it.
    """
    from mpsync.inventory import push_stock

    update = StockUpdate(sku, warehouse, quantity)
    _push(config, account, lambda e, c, now: push_stock(e, c, update, now=now),
          f"stock {sku} @ {warehouse} = {quantity}", "stock")  # fmt: skip


@prices_app.command("list")
def prices_list(
    config: ConfigOption = None,
    account: AccountFilter = None,
    sku: SkuFilter = None,
    limit: LimitOption = 100,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Prices per account and SKU, as the last price read saw them.

    The push column tells what became of the last `prices push` of a SKU: pending (no
    price read since), taken, differs (sent X, reads Y), refused: the marketplace's
    message, or failed: no answer came.
    """
    from mpsync.inventory import list_prices

    rows, display = _read(config, lambda e: list_prices(e, account=account, sku=sku,
                                                         limit=limit))  # fmt: skip
    if as_json:
        print_json(rows)
        return
    columns = (Col("account", key=True), Col("sku", key=True), Col("price", justify="right"),
               Col("old price", justify="right"), Col("min price", wide=True, justify="right"),
               Col("read at", wide=True), Col("push"))  # fmt: skip
    money = display.money
    render(console, f"Prices ({len(rows)})", columns, wide=wide, caption=f"times in {display.zone}",
           rows=([r["account"], r["sku"], money(r["price"], r["currency"]),
                  money(r["old_price"], r["currency"]) if r["old_price"] else "",
                  money(r["min_price"], r["currency"]) if r["min_price"] else "",
                  _read_at(r, display), r["push"]] for r in rows))  # fmt: skip


@prices_app.command("push")
def prices_push(
    account: AccountArg,
    sku: SkuArg,
    price: Annotated[str, typer.Option(help="The price, e.g. 1990 or 1990.50.")],
    old_price: Annotated[
        str | None,
        typer.Option(help="Price before discount (crossed out). Default: keep the stored one."),
    ] = None,
    clear_old_price: Annotated[
        bool, typer.Option("--clear-old-price", help="Remove the price before discount.")
    ] = False,
    min_price: Annotated[
        str | None,
        typer.Option(help="Lowest price for promotions. Default: keep the stored one."),
    ] = None,
    currency: Annotated[str, typer.Option(help="ISO currency code.")] = "RUB",
    config: ConfigOption = None,
) -> None:
    """Publish a price for one SKU; prints the marketplace's answer.

    The old (crossed-out) price stays what the last price read stored unless --old-price
    or --clear-old-price is given; so does the minimum price unless --min-price is. The
    SKU is sent to the marketplace ids the catalogue binds it to (see `mpsync products
    list`); an unbound SKU is refused. The next price read shows in `prices list` whether
    the marketplace took it.
    """
    from mpsync.inventory import push_price

    if old_price is not None and clear_old_price:
        fail("give --old-price or --clear-old-price, not both")
    old = Decimal(0) if clear_old_price else _optional_amount(old_price, "--old-price")
    minimum = _optional_amount(min_price, "--min-price")
    update = PriceUpdate(sku, _amount(price, "--price"), old, minimum, _currency(currency))
    keep = old_price is None and not clear_old_price
    _push(config, account, lambda e, c, now: push_price(e, c, update, keep_old_price=keep,
                                                        now=now),
          f"price {sku} = {price}", "prices")  # fmt: skip


def _read_at(row: dict[str, Any], display: Display) -> str:
    return display.when(row["source_updated_at"] or row["updated_at"], with_zone=False)


def _optional_amount(value: str | None, option: str) -> Decimal | None:
    return None if value is None else _amount(value, option)


def _amount(value: str, option: str) -> Decimal:
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        fail(f"{option} {value!r} is not a number; write it like 1990 or 1990.50")
    if not amount.is_finite() or amount <= 0:
        fail(f"{option} {value!r} must be a positive amount")
    return amount


def _currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        fail(f"--currency {value!r} is not an ISO code like RUB")
    return code


def _push(config: Path | None, account_id: str, send: Send, what: str,
          stream: str) -> None:  # fmt: skip
    """Send one push through the account's connector and report the marketplace's answer."""
    from mpsync.catalog import UnboundSkuError
    from mpsync.catalog.pushes import UNANSWERED
    from mpsync.inventory import PushRefused
    from mpsync.runtime import Runtime

    settings = load_settings(config)
    if account_id not in {a.id for a in settings.accounts}:
        known = ", ".join(a.id for a in settings.accounts) or "none configured"
        fail(f"--account {account_id!r} is not in the config (known: {known})")
    require_secrets(settings, [account_id])
    engine = _engine(settings, create=True)
    runtime = Runtime.build(engine, settings)
    runtime.register_accounts()

    async def main() -> WriteResult:
        connector = runtime.connectors.connector(settings.account(account_id))
        return await send(engine, connector, datetime.now(UTC))

    try:
        result = runtime.run(main)
    except (PushRefused, UnboundSkuError) as exc:
        fail(str(exc), EXIT_RUNTIME)
    except ConnectorError as exc:
        fail(f"{what}: {type(exc).__name__}: {exc}", EXIT_RUNTIME)
    finally:
        engine.dispose()
    if not result.ok and result.details.get(UNANSWERED):
        fail(f"{what}: no answer from the marketplace ({result.message}); it may or may not "
             f"have taken it: the next {stream} read tells")  # fmt: skip
    if not result.ok:
        fail(f"{what}: the marketplace refused it: {result.message}", EXIT_RUNTIME)
    answer = f" ({result.message})" if result.message else ""
    console.print(f"{what}: accepted{answer}. The next {stream} read shows whether it was taken "
                  f"(`mpsync sync --account {account_id} --stream {stream}` reads now; "
                  f"`mpsync {stream} list` shows it).", highlight=False, markup=False)  # fmt: skip


def register(app: typer.Typer) -> None:
    from mpsync.cli import stock_sync_cmds  # noqa: F401 - adds stock set/adjust/plan/links/sync

    app.add_typer(stock_app, name="stock")
    app.add_typer(prices_app, name="prices")
