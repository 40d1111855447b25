"""What every command shares: the --config option, config loading, output helpers.

Errors end the command with a one-line reason and a non-zero exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from mpsync.config import ConfigError, Settings, load_config
from mpsync.logging import configure_logging, secrets_of

EXIT_CONFIG = 2
EXIT_FAILURE = 1

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $MPSYNC_CONFIG or ./mpsync.toml).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings(path: Path | None) -> Settings:
    """Load the config or exit 2 printing each problem on its own line."""
    try:
        settings = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            err_console.print(
                f"[bold red]config error:[/] {problem}", highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_CONFIG) from None
    configure_logging(settings.logging.format, settings.logging.level, secrets=secrets_of(settings))
    return settings


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
