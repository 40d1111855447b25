"""``mpsync status``: per account and stream, what the last runs did; backlogs.

Reads only the store; shows no secrets and no personal data.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mpsync.cli.common import (
    EXIT_FAILURE,
    EXIT_RUNTIME,
    ConfigOption,
    JsonOption,
    console,
    fail,
    load_settings,
    print_json,
    store,
)
from mpsync.cli.tables import Col, WideOption, render
from mpsync.display import Display
from mpsync.status import StatusReport, collect_status


def status(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 when a stream is failing, overdue (no success for 3 poll intervals) "
            "or never synced: for cron and monitoring.",
        ),
    ] = False,
    wide: WideOption = False,
) -> None:
    """Show sync state and health per account and stream, and the push/outbox/dead-letter
    backlogs."""
    settings = load_settings(config)
    with store(settings, migrate=False) as engine:
        try:
            report = collect_status(engine, settings)
        except RuntimeError as exc:
            fail(str(exc), EXIT_RUNTIME)
    if as_json:
        print_json(report.as_dict())
    else:
        _render(report, settings.display.display(), wide)
    if check and report.unhealthy:
        raise typer.Exit(EXIT_FAILURE)


_HEALTH = {"ok": "[green]ok[/]", "failing": "[red]failing[/]", "overdue": "[yellow]overdue[/]",
           "never": "[yellow]never[/]", "rate_limited": "[yellow]rate-limited[/]",
           "unavailable": "[dim]unavailable[/]"}  # fmt: skip


STATUS_COLUMNS = (
    Col("account", key=True), Col("stream", key=True), Col("health", key=True),
    Col("last run"), Col("outcome", wide=True), Col("fetched", justify="right"),
    Col("new", justify="right"), Col("updated", justify="right"),
    Col("dead", wide=True, justify="right"), Col("synced until", wide=True),
    Col("last success", wide=True), Col("error"),
)  # fmt: skip


def _render(report: StatusReport, display: Display, wide: bool) -> None:
    if not report.streams:
        console.print(
            "No account has synced yet. Add [[accounts]] to the config, then run "
            "'mpsync sync' once or start the daemon with 'mpsync run'.",
            markup=False,
        )
    else:
        rows = (
            [row.account, row.stream, _HEALTH.get(row.health, row.health),
             display.short(row.last_run) if row.last_run else "never",
             row.outcome or "-", str(row.fetched), str(row.inserted), str(row.updated),
             str(row.dead_lettered), display.short(row.synced_until),
             display.short(row.last_success),
             escape(row.error or "") if wide else escape((row.error or "")[:120])]
            for row in report.streams
        )  # fmt: skip
        render(console, "Sync", STATUS_COLUMNS, rows, wide=wide,
               caption=f"times in {display.zone}")  # fmt: skip
    _render_processes(report)
    backlog = report.backlog
    console.print(
        f"Pushes pending: {backlog['pushes_pending']}  failed: {backlog['pushes_failed']}   "
        f"Outbox pending: {backlog['outbox_pending']}  failed: {backlog['outbox_failed']}\n"
        f"Dead letters open: {backlog['dead_letters_open']}",
        soft_wrap=True,
    )


def _render_processes(report: StatusReport) -> None:
    """Who runs on this store, their tasks that are down, and who holds which work."""
    if report.processes:
        table = Table("process", "role", "started", "heartbeat", "tasks down", title="Processes")
        for proc in report.processes:
            tasks = proc["tasks"].items()
            down = [f"{name}: {task.get('last_error') or 'down'}"
                    for name, task in tasks if task.get("state") == "down"]  # fmt: skip
            table.add_row(proc["process"], proc["role"], proc["started"][:19],
                          proc["heartbeat"][:19], "[red]" + escape("; ".join(down)) + "[/]"
                          if down else "none")  # fmt: skip
        console.print(table)
    if report.leases:
        table = Table("work", "held by", "since", "expires", title="Held work")
        for lease in report.leases:
            expires = lease["expires"][:19] + (" (expired)" if lease["expired"] else "")
            table.add_row(lease["unit"], lease["holder"], lease["since"][:19], expires)
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(status)
