"""Whatever goes wrong in a command ends it with one line and its exit code, never a traceback.

``GuardedGroup`` is the root command group: a command's unexpected exception is turned into
one line by its class (a bad mapping file, a store that cannot be opened, a file that cannot
be written, a config or channel problem) and the exit code of README "Exit codes".
``MPSYNC_DEBUG=1`` lets the traceback through, for a bug report.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

EXIT_CONFIG = 2
EXIT_RUNTIME = 3


def describe(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for *exc*; None for what must propagate (click's own exits)."""
    if not isinstance(exc, Exception) or _framework(exc):
        return None
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from mpsync.config import ConfigError
    from mpsync.mapping.loader import MappingFileError

    if isinstance(exc, MappingFileError):
        more = len(exc.problems) - 1
        extra = f" (and {more} more: `mpsync check` lists them)" if more > 0 else ""
        first = _first(exc.problems[0]).removeprefix(f"{exc.source}: ")
        return EXIT_CONFIG, f"mapping {exc.source}: {first}{extra}"
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG, f"config error: {_first(str(exc))}"
    if isinstance(exc, DBAPIError):
        return _store_error(exc)
    if isinstance(exc, SQLAlchemyError):
        return EXIT_RUNTIME, f"store error: {_first(str(getattr(exc, 'orig', None) or exc))}"
    if type(exc).__name__ == "ChannelConfigError":  # mpsync.notify, not imported for this
        return EXIT_CONFIG, f"config error: {_first(str(exc))}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_RUNTIME, f"{where}{exc.strerror or _first(str(exc)) or type(exc).__name__}"
    return EXIT_RUNTIME, (
        f"unexpected {type(exc).__name__}: {_first(str(exc))} (a bug: run again with "
        "MPSYNC_DEBUG=1 for the traceback and report it)"
    )


def _store_error(exc: Any) -> tuple[int, str]:
    from sqlalchemy.exc import InterfaceError, OperationalError

    reason = _first(str(exc.orig) if exc.orig is not None else str(exc))
    reason = reason.removeprefix("connection failed: ")
    if "does not exist" in reason and "database" in reason:
        return EXIT_CONFIG, (
            f"the store's database does not exist ({reason}); create it (createdb) or fix store.url"
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return EXIT_RUNTIME, f"cannot reach the store: {reason}"
    return EXIT_RUNTIME, f"store error: {reason}"


def _framework(exc: Exception) -> bool:
    """Typer's and click's own exceptions (usage errors, exits, aborts) go their way."""
    return any(cls.__module__.split(".")[0] in ("typer", "click") for cls in type(exc).__mro__)


def _first(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first.removeprefix("- ")[:500]


class GuardedGroup(TyperGroup):
    """The root group: see the module docstring."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            described = describe(exc)
            if described is None or os.environ.get("MPSYNC_DEBUG"):
                raise
            code, line = described
            from rich.markup import escape

            from mpsync.cli.common import err_console

            err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False,
                              soft_wrap=True)  # fmt: skip
            raise typer.Exit(code) from None
