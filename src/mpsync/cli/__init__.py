"""The ``mpsync`` command line (Typer): thin commands that call services and print.

Each command module registers its commands on ``app``; ``main`` is the entry point.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import Annotated, cast

import typer

from mpsync import __version__
from mpsync.cli.errors import GuardedGroup

app = typer.Typer(
    name="mpsync",
    help="Marketplace-to-CRM sync daemon: orders, stock and prices from Wildberries, "
    "Ozon and Yandex Market into one store, with workflow rules and notifications.",
    no_args_is_help=True,
    cls=GuardedGroup,  # a command's failure is one line and an exit code (cli/errors.py)
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
        finance_cmds,
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
    finance_cmds.register(app)
    try:
        from mpsync.cli import sandbox_cmd
    except ImportError:  # the sandbox ships with the package; absent only mid-development
        return
    app.command("sandbox")(sandbox_cmd.sandbox)


# The module that registers each command: running one command imports only its module
# (``mpsync report kpi`` needs neither the daemon, the connectors nor the sandbox). A name
# missing here registers every module, so a new command works before it is listed.
COMMAND_MODULES = {
    "init": "setup_cmds", "check": "setup_cmds", "db": "setup_cmds", "config": "config_cmd",
    "demo": "daemon_cmds", "run": "daemon_cmds", "healthcheck": "daemon_cmds",
    "notify": "daemon_cmds", "invoices": "daemon_cmds", "sync": "sync_cmds",
    "resync": "sync_cmds", "orders": "sync_cmds", "deadletters": "sync_cmds",
    "stock": "inventory_cmds", "prices": "inventory_cmds", "products": "products_cmd",
    "status": "status_cmd", "report": "report_cmds", "customers": "report_cmds",
    "inbox": "inbox_cmds", "finance": "finance_cmds",
}  # fmt: skip
_registered: list[str] = []  # "*" once every module is


def _register_for(args: list[str]) -> None:
    """Register what ``mpsync ARGS`` needs: its command's module, else every module."""
    name = next((a for a in args if not a.startswith("-")), None)
    module = COMMAND_MODULES.get(name or "")
    if module is None or _registered:
        _register_all()
        return
    import_module(f"mpsync.cli.{module}").register(app)
    _registered.append(module)


def _register_all() -> None:
    if _registered == ["*"]:
        return
    app.registered_commands.clear()
    app.registered_groups.clear()
    _register()
    _registered[:] = ["*"]


class _Commands(ModuleType):
    """``from mpsync.cli import app`` (tests, embedding) gets every command registered;
    ``main`` registers only what the command line names."""

    @property
    def app(self) -> typer.Typer:
        _register_all()
        return cast(typer.Typer, self.__dict__["app"])


sys.modules[__name__].__class__ = _Commands


def main() -> None:
    """The console script: Ctrl-C anywhere exits 130 with one line, not "Aborted!"."""
    _register_for(sys.argv[1:])
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
