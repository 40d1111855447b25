"""Setting up: ``init`` (starter config), ``check`` (validate), ``db upgrade``.

They call ``mpsync.checks`` and ``mpsync.store.migrate``; tests call those too.
"""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mpsync.checks import run_checks
from mpsync.cli.common import (
    EXIT_FAILURE,
    ConfigOption,
    JsonOption,
    console,
    fail,
    load_settings,
    print_json,
    store,
)
from mpsync.store.engine import sqlite_path
from mpsync.store.migrate import upgrade

db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("mpsync.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter config (a copy of config.example.toml) to PATH."""
    if path.exists() and not force:
        fail(f"{path} already exists; pass --force to overwrite it")
    text = (files("mpsync") / "config.example.toml").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    console.print(
        f"Wrote {path}. Add your [[accounts]], then run: mpsync check --config {path}",
        markup=False,
    )


def check(
    config: ConfigOption = None,
    online: Annotated[
        bool, typer.Option("--online", help="Also call each account's API with its credentials.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Validate the config, the mapping files and the database connection."""
    settings = load_settings(config)
    results = run_checks(settings, online=online)
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        table = Table("check", "result", "detail", title="mpsync check")
        for result in results:
            mark = "[green]ok[/]" if result.ok else "[red]FAILED[/]"
            table.add_row(escape(result.name), mark, escape(result.detail))
        console.print(table)
    if not all(r.ok for r in results):
        raise typer.Exit(EXIT_FAILURE)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply database migrations (the daemon does this at start too). Safe to repeat."""
    settings = load_settings(config)
    path = sqlite_path(settings.store.url)
    new_file = path is not None and not path.exists()
    with store(settings, create=True, migrate=False) as engine:
        before, after = upgrade(engine)
    if new_file and path is not None:
        console.print(f"Created a new store at {path.absolute()} (revision {after}).",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    elif before is None:
        console.print(f"Created the schema (revision {after}) in the empty database.")
    elif before == after:
        console.print(f"Database already at revision {after}.")
    else:
        console.print(f"Database upgraded from {before} to {after}.")


@db_app.command("prune")
def db_prune(
    config: ConfigOption = None,
    older_than: Annotated[
        str | None,
        typer.Option(help="Keep rows newer than this (default: store.retention), e.g. 30d."),
    ] = None,
) -> None:
    """Delete processed pushes, sent outbox rows and old sync runs (the daemon does
    this hourly); orders, history, events, invoices and anything failed are kept."""
    from datetime import UTC, datetime

    from mpsync.config import parse_duration
    from mpsync.store.retention import prune_exclusive

    settings = load_settings(config)
    try:
        keep = parse_duration(older_than) if older_than else settings.store.retention
    except ValueError as exc:
        fail(f"--older-than: {exc}")
    if not keep:
        fail("nothing to do: the retention is 0 (keep forever); pass --older-than")
    with store(settings) as engine:
        deleted = asyncio.run(prune_exclusive(engine, now=datetime.now(UTC), keep=keep,
                                              lease=settings.coordination.lease))  # fmt: skip
    if isinstance(deleted, str):
        fail(f"retention is running elsewhere: {deleted}; try again later")
    console.print(
        f"Deleted rows older than {keep}: pushes {deleted['pushes']}, outbox "
        f"{deleted['outbox']}, sync runs {deleted['sync_runs']}.", highlight=False,
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(check)
    app.add_typer(db_app, name="db")
