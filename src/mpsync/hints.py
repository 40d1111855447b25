"""Commands printed for the operator to run next, written so they work as printed.

A fresh shell may not have the venv on PATH: the hint names ``mpsync`` only when that
name finds this very script, else its absolute path, else ``python -m mpsync``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path


def command_prefix(argv0: str | None = None) -> str:
    """How to call this mpsync again from any shell."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name == "mpsync" and script.exists():
        found = shutil.which("mpsync")
        if found and os.path.realpath(found) == os.path.realpath(script):
            return "mpsync"
        return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(sys.executable)} -m mpsync"


def hint(*args: str) -> str:
    """``mpsync ARGS`` as a line that runs as printed."""
    return " ".join([command_prefix(), *(shlex.quote(a) for a in args)])


def resume_hint(argv: Sequence[str]) -> str:
    """The command that was run, without ``--restart`` (which would start over)."""
    return hint(*(a for a in argv[1:] if a != "--restart"))
