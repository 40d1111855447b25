"""``sync``, ``resync``, ``orders`` and ``deadletters``: run and inspect the sync engine.

Thin wrappers over ``SyncService`` (on a ``Runtime`` each command builds), ``mpsync.browse``
and ``mpsync.sync.deadletters``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mpsync.browse import TO_SHIP, get_order, list_orders
from mpsync.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_RUNTIME,
    ConfigOption,
    JsonOption,
    choice,
    console,
    err_console,
    fail,
    load_settings,
    parse_date,
    print_json,
    require_secrets,
    store,
)
from mpsync.cli.tables import Col, WideOption, render
from mpsync.config import AccountConfig, Settings
from mpsync.display import Display
from mpsync.domain.status import OrderStatus
from mpsync.domain.streams import STREAM_NAMES
from mpsync.hints import resume_hint
from mpsync.runtime import Runtime
from mpsync.sync.deadletters import drop_dead_letter, list_dead_letters, retry_dead_letters
from mpsync.sync.service import ResyncPlan, RunResult, SyncService

T = TypeVar("T")
orders_app = typer.Typer(help="Browse orders in the store.", no_args_is_help=True)
dead_app = typer.Typer(help="Records that failed mapping or processing.", no_args_is_help=True)
STREAMS = STREAM_NAMES
STATUSES = tuple(status.value for status in OrderStatus)


@contextmanager
def _runtime(settings: Settings, *, create: bool = True) -> Iterator[Runtime]:
    """The command's runtime over the store, the accounts registered."""
    with store(settings, create=create) as engine:
        runtime = Runtime.build(engine, settings)
        runtime.register_accounts()
        yield runtime


@contextmanager
def _service(settings: Settings, *, create: bool = True) -> Iterator[SyncService]:
    with _runtime(settings, create=create) as runtime:
        yield SyncService(runtime)


def _run(service: SyncService, work: Callable[[], Awaitable[T]]) -> T:
    """Run *work* in an event loop of its own, then close the runtime's connectors."""
    return service.runtime.run(work)


def _check_selection(settings: Settings, account: str | None, stream: str | None) -> None:
    if account and account not in {a.id for a in settings.accounts}:
        known = ", ".join(a.id for a in settings.accounts) or "none configured"
        fail(f"--account {account!r} is not in the config (known: {known})")
    if stream and stream not in STREAMS:
        fail(f"--stream {stream!r} is not a stream; use one of {', '.join(STREAMS)}")


def sync(
    config: ConfigOption = None,
    account: Annotated[str | None, typer.Option(help="Only this account id.")] = None,
    stream: Annotated[
        str | None,
        typer.Option(help=f"Only this stream: {'|'.join(STREAM_NAMES)}."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run one incremental sync pass now, then exit.

    A stream the daemon is syncing right now is waited for (up to one lease), then skipped.
    """
    settings = load_settings(config)
    _check_selection(settings, account, stream)
    require_secrets(settings, [account] if account else None)
    wait = settings.coordination.lease
    with _service(settings) as service:
        results = _run(service, lambda: service.sync(account, stream, wait=wait))
    _report(results, as_json)
    if any(r.outcome not in ("ok", "unavailable") for r in results):
        raise typer.Exit(EXIT_RUNTIME)


def resync(
    account: Annotated[str, typer.Option(help="Account id to backfill.")],
    since: Annotated[
        str | None, typer.Option(help="Start date (YYYY-MM-DD or ISO time, UTC).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="End date (default: now, or the saved end of the window resumed)."),
    ] = None,
    stream: Annotated[str, typer.Option(help=f"Stream: {'|'.join(STREAM_NAMES)}.")] = "orders",
    order: Annotated[
        list[str] | None,
        typer.Option("--order", help="Instead of a window: re-read this order (repeatable)."),
    ] = None,
    restart: Annotated[
        bool,
        typer.Option("--restart", help="Start the window over instead of resuming it."),
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Backfill a date window, or re-read named orders; resumable, safe to repeat.

    Interrupted (Ctrl-C, a crash), the same command resumes where it stopped: the
    window, "until" included, is saved when it starts. --restart starts it over."""
    settings = load_settings(config)
    _check_selection(settings, account, stream)
    require_secrets(settings, [account])
    if order:
        if since or until or stream != "orders":
            fail("--order re-reads single orders; leave out --since/--until/--stream")
        acc = settings.account(account)
        with _service(settings) as service:
            result = _run(service, lambda: service.reread_orders(acc, list(order)))
        _report([result], as_json)
        if result.outcome != "ok":
            if not as_json:
                fail(result.error or "re-read failed", EXIT_RUNTIME)
            raise typer.Exit(EXIT_RUNTIME)
        return
    if since is None:
        fail("give --since DATE (a window to backfill) or --order ID (orders to re-read)")
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    assert start is not None
    if end is not None and end <= start:
        fail("--until must be after --since")
    with _service(settings) as service:
        acc = settings.account(account)
        plan = _run(service, lambda: service.plan_resync(acc, stream, start, end,
                                                          restart=restart))  # fmt: skip
        _announce(plan, as_json)
        result = _resync(service, acc, stream, plan, as_json, resume_hint(sys.argv))
    _report([result], as_json)
    if result.outcome != "ok":
        raise typer.Exit(EXIT_RUNTIME)


def _announce(plan: ResyncPlan, as_json: bool) -> None:
    out = err_console if as_json else console
    window = f"{_day(plan.since)} → {_day(plan.until)}"
    if plan.resumed:
        out.print(f"resuming {window} from day {plan.day}/{plan.total}", highlight=False)
        return
    if plan.replaced:
        old = " → ".join(_day(_parsed(v)) for v in plan.replaced)
        out.print(f"starting {window} ({plan.total} days); the unfinished resync {old} is "
                  "dropped", highlight=False)  # fmt: skip


def _resync(service: SyncService, account: AccountConfig, stream: str, plan: ResyncPlan,
            as_json: bool, hint: str) -> RunResult:  # fmt: skip
    """Run the window with a progress bar; Ctrl-C stops after the current page, says
    where, and exits 130 (a second Ctrl-C stops at once)."""
    with Progress(
        TextColumn(f"resync {account.id}/{stream}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("days · {task.fields[orders]} records"), TimeElapsedColumn(),
        console=console, disable=as_json,
    ) as progress:  # fmt: skip
        task = progress.add_task("resync", total=plan.total, completed=plan.day - 1, orders=0)

        def advance(done: int, total: int, counts: Any) -> None:
            progress.update(task, completed=done, total=total, orders=counts.fetched)

        async def work() -> RunResult:
            stop, loop = asyncio.Event(), asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGINT, stop.set)
            try:
                return await service.resync(account, stream, plan.since, plan.until, plan=plan,
                                            progress=advance, stop=stop)  # fmt: skip
            finally:
                loop.remove_signal_handler(signal.SIGINT)

        result = _run(service, work)
    if result.outcome == "interrupted":
        at = _run(service, lambda: service.plan_resync(account, stream, plan.since, None))
        err_console.print(
            f"interrupted at day {at.day}/{at.total} ({_day(at.start or at.since)}) of "
            f"{_day(plan.since)} → {_day(plan.until)}; what was read is stored. Run the same "
            f"command to resume:\n  {hint}", highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(EXIT_INTERRUPTED)
    return result


def _day(moment: datetime) -> str:
    """A window bound as typed: the date at midnight UTC, else the ISO time."""
    if moment.time() == time(0) and moment.utcoffset() == timedelta(0):
        return moment.date().isoformat()
    return moment.isoformat(timespec="minutes")


def _parsed(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _report(results: list[RunResult], as_json: bool) -> None:
    if as_json:
        print_json([
            {"account": r.account, "stream": r.stream, "outcome": r.outcome,
             "fetched": r.counts.fetched, "inserted": r.counts.inserted,
             "updated": r.counts.updated, "unchanged": r.counts.unchanged,
             "dead_lettered": r.counts.dead_lettered, "seconds": round(r.seconds, 3),
             "error": r.error}
            for r in results
        ])  # fmt: skip
        return
    if not results:
        console.print("Nothing to sync: no enabled account matches.")
        return
    render(console, "Sync", RUN_COLUMNS, wide=False, rows=(
        [r.account, r.stream, "[green]ok[/]" if r.outcome == "ok" else f"[red]{r.outcome}[/]",
         str(r.counts.fetched), str(r.counts.inserted), str(r.counts.updated),
         str(r.counts.unchanged), str(r.counts.dead_lettered), f"{r.seconds:.2f}s"]
        for r in results))  # fmt: skip
    for r in results:
        if r.error:  # one line, however long: the terminal wraps it, not rich
            console.print(f"[red]{r.account}/{r.stream}:[/] {escape(r.error)}", soft_wrap=True)


RUN_COLUMNS = (
    Col("account", key=True), Col("stream", key=True), Col("outcome", key=True),
    Col("fetched", justify="right"), Col("new", justify="right"),
    Col("updated", justify="right"), Col("unchanged", justify="right"),
    Col("dead", justify="right"), Col("time", justify="right"),
)  # fmt: skip


@orders_app.command("list")
def orders_list(
    config: ConfigOption = None,
    account: Annotated[str | None, typer.Option(help="Only this account.")] = None,
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(STATUSES)}.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Created on or after (YYYY-MM-DD).")] = None,
    due: Annotated[
        str | None,
        typer.Option(
            help="What must ship: 'today' (ship-by before the end of the local day, "
            "overdue included) or 'overdue'; sorted by ship-by, counts per account."
        ),
    ] = None,
    sort: Annotated[str, typer.Option(help="created (newest first) | ship-by (soonest).")] = (
        "created"
    ),
    limit: Annotated[int, typer.Option(min=0, help="At most N orders; 0 = all.")] = 50,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """List orders, newest first (or by ship-by); --due shows what must ship."""
    from mpsync.browse import due_counts

    choice(status, STATUSES, "--status")
    choice(due, ("today", "overdue"), "--due")
    choice(sort, ("created", "ship-by"), "--sort")
    settings = load_settings(config)
    display, now = settings.display.display(), datetime.now(UTC)
    before = _due_before(due, display, now)
    with store(settings) as engine:
        rows = list_orders(engine, account=account, status=status,
                           since=parse_date(since, "--since"), limit=limit, sort=sort,
                           due_before=before)  # fmt: skip
        counts = due_counts(engine, before, now, account) if before else {}
    if as_json:
        print_json(rows if before is None else {"due": due, "before": before.isoformat(),
                                                "counts": counts, "orders": rows})  # fmt: skip
        return
    title = f"Orders ({len(rows)})" if due is None else f"Due {due} ({len(rows)})"
    render(console, title, ORDER_COLUMNS, (_order_row(o, display, now) for o in rows),
           wide=wide, caption=f"times in {display.zone}")  # fmt: skip
    for account_id, count in counts.items():
        console.print(f"{account_id}: {count['due']} to ship, {count['overdue']} overdue",
                      highlight=False, markup=False)  # fmt: skip


ORDER_COLUMNS = (
    Col("id", wide=True, justify="right"), Col("account", key=True),
    Col("external id", key=True), Col("status"), Col("total", key=True, justify="right"),
    Col("ship by", key=True), Col("marketplace status", wide=True), Col("created", wide=True),
    Col("lines", wide=True, justify="right"),
)  # fmt: skip


def _order_row(order: dict[str, Any], display: Display, now: datetime) -> list[str]:
    ship_by = order["ship_by"]
    late = ship_by and order["status"] in TO_SHIP and datetime.fromisoformat(ship_by) < now
    return [str(order["id"]), order["account"], order["external_id"], order["status"] or "?",
            display.money(order["total"], order["currency"]),
            display.short(ship_by, now=now) + (" overdue" if late else ""),
            order["marketplace_status"] or "", display.short(order["created_at"], now=now),
            str(len(order["lines"]))]  # fmt: skip


def _due_before(due: str | None, display: Display, now: datetime) -> datetime | None:
    """The ship-by bound of --due: now (overdue) or the next local midnight (today)."""
    if due is None:
        return None
    if due == "overdue":
        return now
    tomorrow = display.today(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=display.zone).astimezone(UTC)


@orders_app.command("show")
def orders_show(
    order: Annotated[str, typer.Argument(help="Store id, external id, or ACCOUNT:EXTERNAL_ID.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one order with its lines, status history and write-backs."""
    settings = load_settings(config)
    with store(settings) as engine:
        found = get_order(engine, order)
    if found is None:
        fail(f"no order {order!r} in the store")
    if as_json:
        print_json(found)
        return
    console.print(f"[bold]{found['account']} {found['external_id']}[/] "
                  f"({found['marketplace']}) status {found['status']} "
                  f"[{escape(found['marketplace_status'])}] total {found['total']} "
                  f"{found['currency']}")  # fmt: skip
    lines = Table("#", "sku", "name", "qty", "price", "total", title="Lines")
    for line in found["lines"]:
        lines.add_row(str(line["line_no"]), line["sku"], line["name"] or "", str(line["quantity"]),
                      line["unit_price"], line["total"])  # fmt: skip
    console.print(lines)
    history = Table("at", "from", "to", "source", title="Status history")
    for change in found["history"]:
        history.add_row(change["at"], change["from"] or "-", change["to"], change["source"])
    console.print(history)
    for wb in found["write_backs"]:
        console.print(f"write-back {wb['action']}: {wb['state']} {escape(wb['message'] or '')}")


@dead_app.command("list")
def dead_list(
    config: ConfigOption = None,
    state: Annotated[str, typer.Option(help="open | resolved | all")] = "open",
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """List dead letters with their reasons."""
    choice(state, ("open", "resolved", "all"), "--state")
    settings = load_settings(config)
    with store(settings) as engine:
        rows = list_dead_letters(engine, state=state, limit=0)
    if as_json:
        print_json(rows)
        return
    columns = (Col("id", key=True, justify="right"), Col("account", key=True),
               Col("stream", key=True), Col("type", wide=True), Col("field"), Col("reason"),
               Col("attempts", wide=True, justify="right"), Col("state", wide=True))  # fmt: skip
    render(console, f"Dead letters ({len(rows)})", columns, wide=wide, rows=(
        [str(r["id"]), r["account"], r["stream"], r["record_type"], r["field"] or "",
         escape(r["reason"]), str(r["attempts"]), r["state"]] for r in rows))  # fmt: skip


@dead_app.command("retry")
def dead_retry(
    letter: Annotated[int | None, typer.Argument(help="Dead letter id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Retry every open dead letter.")] = False,
    config: ConfigOption = None,
) -> None:
    """Re-run dead letters through the current mapping (fix the mapping first)."""
    if (letter is None) == (not all_):
        fail("give a dead letter ID or --all (not both)")
    settings = load_settings(config)
    with _runtime(settings, create=False) as runtime:
        ids = None if all_ else [letter] if letter is not None else []
        result = runtime.run(lambda: retry_dead_letters(runtime, ids))
    console.print(f"resolved: {result['resolved']}, still failing: {result['still_failing']}")
    if result["still_failing"]:
        raise typer.Exit(EXIT_RUNTIME)


@dead_app.command("drop")
def dead_drop(
    letter: Annotated[int, typer.Argument(help="Dead letter id.")],
    config: ConfigOption = None,
) -> None:
    """Delete a dead letter for good."""
    settings = load_settings(config)
    with store(settings) as engine:
        dropped = drop_dead_letter(engine, letter)
    if not dropped:
        fail(f"no dead letter {letter}")
    console.print(f"dropped dead letter {letter}")


def register(app: typer.Typer) -> None:
    app.command()(sync)
    app.command()(resync)
    app.add_typer(orders_app, name="orders")
    app.add_typer(dead_app, name="deadletters")
