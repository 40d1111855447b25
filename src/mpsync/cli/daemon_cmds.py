"""``run`` (the daemon), ``notify test`` and ``invoices list/show/render``.

The daemon and the services live elsewhere; this only parses and prints.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer

from mpsync import __version__
from mpsync.cli.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_RUNTIME,
    EXIT_USAGE,
    ConfigOption,
    JsonOption,
    console,
    fail,
    load_settings,
    open_store,
    parse_date,
    print_json,
    require_secrets,
    store,
)
from mpsync.cli.tables import Col, WideOption, render
from mpsync.config.sources import Trace
from mpsync.display import Display
from mpsync.store.engine import describe_store

notify_app = typer.Typer(help="Notification channels.", no_args_is_help=True)
invoices_app = typer.Typer(help="Invoices issued for orders.", no_args_is_help=True)


def run(config: ConfigOption = None) -> None:
    """Run the daemon: scheduled syncs, pushes, workflow rules, notifications, HTTP server.

    Several may share one PostgreSQL store (they split the work); a SQLite store takes one.
    Under systemd (Type=notify) it reports READY=1 once it serves and feeds the watchdog
    (WatchdogSec=) while it runs.
    """
    from mpsync.daemon import BrokenInstall, Daemon, StoreHeld
    from mpsync.metrics import Metrics
    from mpsync.systemd import notify_systemd

    trace = Trace()
    settings = load_settings(config, trace=trace)
    require_secrets(settings, channels=True)
    engine = open_store(settings, create=True, migrate=False)
    server = settings.server
    structlog.get_logger("mpsync.run").info(
        "mpsync starting", version=__version__, listen=f"http://{server.host}:{server.port}",
        store=describe_store(settings.store.url), config=trace.file,
        accounts=[a.id for a in settings.accounts if a.enabled],
    )  # fmt: skip

    async def main() -> None:
        daemon = Daemon(engine, settings, metrics=Metrics(engine, settings))
        daemon.install_signal_handlers()
        status = f"serving on {server.host}:{server.port}"
        watchdog = asyncio.create_task(notify_systemd(daemon.is_ready, daemon.stop,
                                                      status=status))  # fmt: skip
        try:
            await daemon.run()
        finally:
            watchdog.cancel()

    try:
        asyncio.run(main())
    except StoreHeld as exc:
        fail(str(exc), code=2)
    except BrokenInstall as exc:
        fail(str(exc), code=EXIT_RUNTIME)
    finally:
        engine.dispose()


def healthcheck(
    config: ConfigOption = None,
    ready: Annotated[
        bool, typer.Option("--ready", help="Ask /readyz (migrated, store reachable) instead.")
    ] = False,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait.")] = 5.0,
) -> None:
    """Exit 0 when the running daemon answers /healthz (or /readyz) on the configured
    [server] host and port; 1 otherwise. For Docker HEALTHCHECK and probes."""
    import httpx

    server = load_settings(config).server
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
    url = f"http://{host}:{server.port}/{'readyz' if ready else 'healthz'}"
    try:
        answer = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        fail(f"no answer from {url}: {type(exc).__name__}", EXIT_FAILURE)
    if answer.status_code != 200:
        fail(f"{url} answered HTTP {answer.status_code}", EXIT_FAILURE)
    console.print(f"{url}: ok", markup=False, highlight=False)


@notify_app.command("test")
def notify_test(
    channel: Annotated[str, typer.Argument(help="Channel name from [[notifications.channels]].")],
    config: ConfigOption = None,
) -> None:
    """Send a test message through CHANNEL and report the channel's answer."""
    from mpsync.notify import ChannelConfigError, build_channel, channel_config, send_test
    from mpsync.notify.channels.base import DeliveryResult
    from mpsync.notify.channels.smtp import EmailChannel

    settings = load_settings(config)
    try:
        built = build_channel(channel_config(settings, channel))
    except (ChannelConfigError, KeyError, LookupError) as exc:
        fail(str(exc).strip("'\""))

    async def send() -> DeliveryResult:
        try:
            return await send_test(built, zone=settings.display.display().zone)
        finally:
            await built.aclose()

    result = asyncio.run(send())
    ok = result.ok
    console.print(f"{channel}: {'sent' if ok else 'FAILED'} — {result.detail}",
                  markup=False)  # fmt: skip
    if isinstance(built, EmailChannel) and built.accepts_replies:  # it reads replies: check
        ok = _probe_mailbox(channel_config(settings, channel)) and ok
    if not ok:
        raise typer.Exit(EXIT_FAILURE)


def _probe_mailbox(config: Any) -> bool:
    """The mailbox an email channel reads for replies: log in, open the folder, count."""
    from mpsync.inbox.mailbox import MailboxError, probe_mailbox

    try:
        line = probe_mailbox(config)
    except MailboxError as exc:
        console.print(f"{config.name}: mailbox FAILED — {exc}", markup=False)
        return False
    console.print(f"{config.name}: mailbox ok — {line}", markup=False)
    return True


@invoices_app.command("list")
def invoices_list(
    config: ConfigOption = None,
    account: Annotated[str | None, typer.Option(help="Only this account.")] = None,
    since: Annotated[str | None, typer.Option(help="Issued on or after (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most N invoices; 0 = all.")] = 50,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """List issued invoices, newest first, with the marketplace's order id."""
    from mpsync.invoicing import list_invoices

    settings = load_settings(config)
    display = settings.display.display()
    with store(settings) as engine:
        rows = list_invoices(
            engine, account=account, since=parse_date(since, "--since"), limit=limit
        )
    if as_json:
        print_json(rows)
        return
    render(console, f"Invoices ({len(rows)})", INVOICE_COLUMNS, wide=wide,
           rows=(_invoice_row(row, display) for row in rows),
           caption=f"times in {display.zone}")  # fmt: skip


INVOICE_COLUMNS = (
    Col("number", key=True), Col("account", key=True), Col("order", key=True),
    Col("issued"), Col("total", justify="right"), Col("state"), Col("id", wide=True),
    Col("buyer", wide=True), Col("VAT", wide=True, justify="right"),
)  # fmt: skip


def _invoice_row(row: dict[str, Any], display: Display) -> list[str]:
    state = f"voided ({row['void_reason']})" if row.get("voided_at") else "issued"
    currency = row["currency"]
    return [str(row["number"]), str(row["account"]), str(row["order_external_id"]),
            display.when(row["issued_at"], with_zone=False),
            display.money(row["total"], currency), state, str(row["id"]),
            str(row.get("buyer") or ""), display.money(row["vat_amount"], currency)]  # fmt: skip


@invoices_app.command("show")
def invoices_show(
    invoice: Annotated[str, typer.Argument(help="Invoice id or number.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one invoice: its parties, lines and totals (--json: the stored document)."""
    from mpsync.invoicing import InvoiceNotFound, get_invoice

    settings = load_settings(config)
    with store(settings) as engine:
        try:
            found = get_invoice(engine, int(invoice) if invoice.isdigit() else invoice)
        except InvoiceNotFound:
            fail(f"no invoice {invoice!r}")
    if as_json:
        print_json(found)
        return
    _print_invoice(found, settings.display.display())


def _print_invoice(found: dict[str, Any], display: Display) -> None:
    document = found.get("document") or {}
    state = f"VOIDED ({found['void_reason']})" if found.get("voided_at") else "issued"
    console.print(f"Invoice {found['number']} ({state}), issued "
                  f"{display.when(found['issued_at'])}", markup=False, highlight=False)  # fmt: skip
    for role in ("seller", "buyer"):
        party = document.get(role) or {}
        console.print(f"{role}: {party.get('name') or '—'}"
                      + (f", INN {party['inn']}" if party.get("inn") else ""),
                      markup=False, highlight=False)  # fmt: skip
    currency = found["currency"]
    render(console, "Lines", (Col("#", justify="right"), Col("name"),
                              Col("qty", justify="right"), Col("price", justify="right"),
                              Col("amount", justify="right")), wide=False,
           rows=([str(i), str(line.get("name") or ""), str(line.get("quantity")),
                  display.money(line.get("price"), currency),
                  display.money(line.get("amount"), currency)]
                 for i, line in enumerate(document.get("lines") or [], 1)))  # fmt: skip
    console.print(f"Total {display.money(found['total'], currency)}, VAT "
                  f"{display.money(found['vat_amount'], currency)}",
                  markup=False, highlight=False)  # fmt: skip


@invoices_app.command("render")
def invoices_render(
    invoice: Annotated[str, typer.Argument(help="Invoice id or number.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF.")],
    config: ConfigOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing file (or link) at --out.")
    ] = False,
) -> None:
    """Render an invoice to PDF (Russian, with the seller's requisites). An existing file is
    kept unless --force; a symbolic link is never written through."""
    from mpsync.invoicing import FontNotFoundError, InvoiceNotFound, OutputError, render_invoice

    settings = load_settings(config)
    with store(settings) as engine:
        key = int(invoice) if invoice.isdigit() else invoice
        try:
            path = render_invoice(engine, key, out, force=force)
        except InvoiceNotFound:
            fail(f"no invoice {invoice!r}")
        except OutputError as exc:
            fail(str(exc), EXIT_RUNTIME if "cannot write" in str(exc) else EXIT_USAGE)
        except FontNotFoundError as exc:
            fail(str(exc), EXIT_RUNTIME)
    console.print(f"wrote {path}")


def demo(
    duration: Annotated[float, typer.Option(min=1, help="Seconds to run.")] = 60,
    db: Annotated[Path | None, typer.Option(help="SQLite file (default: a temp dir).")] = None,
    speed: Annotated[float, typer.Option(min=1, help="Marketplace minutes per real minute.")] = 30,
    seed: Annotated[int, typer.Option(help="Sandbox seed: same seed, same orders.")] = 1,
) -> None:
    """See mpsync work in a minute: sandbox marketplaces, SQLite, console notifications."""
    from mpsync.demo import DemoOptions, print_summary, run_demo

    options = DemoOptions(duration=duration, db=db.resolve() if db else None, speed=speed,
                          seed=seed)  # fmt: skip
    try:
        result = asyncio.run(run_demo(options, console))
    except KeyboardInterrupt:
        fail("demo interrupted before it could finish", EXIT_INTERRUPTED)
    print_summary(console, result)


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(run)
    app.command()(healthcheck)
    app.add_typer(notify_app, name="notify")
    app.add_typer(invoices_app, name="invoices")
