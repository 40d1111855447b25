"""The ``mpsync`` command line (Typer): thin commands that call services and print.

Each command module registers its commands on ``app``; ``main`` is the entry point.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mpsync import __version__

app = typer.Typer(
    name="mpsync",
    help="Marketplace-to-CRM sync daemon: orders, stock and prices from Wildberries, "
    "Ozon and Yandex Market into one store, with workflow rules and notifications.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mpsync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Marketplace-to-CRM sync daemon."""


def _register() -> None:
    from mpsync.cli import (
        config_cmd,
        daemon_cmds,
        inbox_cmds,
        inventory_cmds,
        products_cmd,
        report_cmds,
        setup_cmds,
        status_cmd,
        sync_cmds,
    )

    setup_cmds.register(app)
    config_cmd.register(app)
    daemon_cmds.register(app)
    sync_cmds.register(app)
    inventory_cmds.register(app)
    products_cmd.register(app)
    status_cmd.register(app)
    report_cmds.register(app)
    inbox_cmds.register(app)
    try:
        from mpsync.cli import sandbox_cmd
    except ImportError:  # the sandbox ships with the package; absent only mid-development
        return
    app.command("sandbox")(sandbox_cmd.sandbox)


_register()


def main() -> None:
    """The console script: Ctrl-C anywhere exits 130 with one line, not "Aborted!"."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        # Usage errors (typer's own click, or click): print them as click would.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if not callable(show) or not isinstance(exit_code, int):
            raise
        show()
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
