"""What every command shares: the --config option, config loading, output helpers.

Errors end the command with a one-line reason and a non-zero exit code.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from mpsync.config import ConfigError, Settings, load_config, unresolved_secrets
from mpsync.config.sources import Trace
from mpsync.logging import configure_logging, secrets_of
from mpsync.store.engine import StoreMissingError, create_store_engine
from mpsync.store.migrate import upgrade

# Exit codes (README "Exit codes"): 0 ok, 1 a check failed, 2 usage or config,
# 3 the work failed at run time, 130 interrupted (Ctrl-C).
EXIT_FAILURE = 1
EXIT_CONFIG = 2
EXIT_USAGE = 2
EXIT_RUNTIME = 3
EXIT_INTERRUPTED = 130

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $MPSYNC_CONFIG, else the first of ./mpsync.toml, "
        "$XDG_CONFIG_HOME/mpsync/mpsync.toml, /etc/mpsync/mpsync.toml).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """End the command with a one-line error; by default a usage error (exit 2)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings(path: Path | None, *, trace: Trace | None = None) -> Settings:
    """Load the config or exit 2 printing each problem on its own line."""
    try:
        settings = load_config(path, trace=trace)
    except ConfigError as exc:
        for problem in exc.problems:
            err_console.print(
                f"[bold red]config error:[/] {escape(problem)}", highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_CONFIG) from None
    configure_logging(settings.logging.format, settings.logging.level, secrets=secrets_of(settings))
    return settings


def parse_date(value: str | None, option: str) -> datetime | None:
    """``YYYY-MM-DD`` or an ISO time (UTC unless it says otherwise); exit 2 otherwise."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date; use YYYY-MM-DD or an ISO time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def choice(value: str | None, allowed: Sequence[str], option: str) -> str | None:
    """*value* if it is one of *allowed*; else exit 2 listing them (and the likely one)."""
    if value is None or value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    fail(f"{option} {value!r} is not allowed; {hint}use one of: {', '.join(allowed)}")


def require_secrets(
    settings: Settings, accounts: Iterable[str] | None = None, *, channels: bool = False
) -> None:
    """Exit 2 naming each unset ``${VAR}`` the selected accounts (and channels) need.

    Only commands that call a marketplace or send a message need secrets; the read
    commands run in a shell without the daemon's environment file.
    """
    problems = [u.problem() for u in unresolved_secrets(settings, accounts, channels=channels)]
    for problem in problems:
        err_console.print(f"[bold red]config error:[/] {escape(problem)}", highlight=False,
                          soft_wrap=True)  # fmt: skip
    if problems:
        raise typer.Exit(EXIT_CONFIG)


def open_store(settings: Settings, *, create: bool = False, migrate: bool = True) -> Engine:
    """The store's engine, migrated; a read command on a missing SQLite file exits 2."""
    try:
        engine = create_store_engine(settings.store.url, create=create)
    except StoreMissingError as exc:
        fail(str(exc), code=EXIT_CONFIG)
    if migrate:
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
    return engine


@contextmanager
def store(settings: Settings, *, create: bool = False, migrate: bool = True) -> Iterator[Engine]:
    """``open_store`` for a ``with`` block that disposes of the engine."""
    engine = open_store(settings, create=create, migrate=migrate)
    try:
        yield engine
    finally:
        engine.dispose()


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
