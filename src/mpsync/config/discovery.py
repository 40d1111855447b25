"""Which config file a command reads: ``--config``, ``$MPSYNC_CONFIG``, then three places.

The order is ``--config``, ``$MPSYNC_CONFIG``, ``./mpsync.toml``,
``$XDG_CONFIG_HOME/mpsync/mpsync.toml`` (``~/.config`` when unset) and
``/etc/mpsync/mpsync.toml``; the first two must exist when given, the rest are tried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "mpsync.toml"
SYSTEM_DIR = Path("/etc/mpsync")


@dataclass(frozen=True)
class Candidate:
    path: Path
    origin: str  # "--config", "$MPSYNC_CONFIG", "current directory", "user", "system"


class ConfigNotFound(LookupError):
    """No config file where one was named or looked for; the message lists them."""


def candidates(
    explicit: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    system_dir: Path = SYSTEM_DIR,
) -> list[Candidate]:
    """The places to look, in order; a named file (option or variable) is the only one."""
    environ = os.environ if env is None else env
    if explicit is not None:
        return [Candidate(Path(explicit), "--config")]
    if environ.get("MPSYNC_CONFIG"):
        return [Candidate(Path(environ["MPSYNC_CONFIG"]), "$MPSYNC_CONFIG")]
    xdg = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return [
        Candidate(Path(FILE_NAME), "current directory"),
        Candidate(Path(xdg).expanduser() / "mpsync" / FILE_NAME, "$XDG_CONFIG_HOME"),
        Candidate(system_dir / FILE_NAME, "system"),
    ]


def find_config(
    explicit: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    system_dir: Path = SYSTEM_DIR,
) -> Candidate:
    """The first candidate that exists, or ``ConfigNotFound`` saying which were tried."""
    tried = candidates(explicit, env=env, system_dir=system_dir)
    for candidate in tried:
        if candidate.path.is_file():
            return candidate
    if len(tried) == 1:
        only = tried[0]
        raise ConfigNotFound(
            f"config file {str(only.path)!r} ({only.origin}) not found; create one with "
            f"'mpsync init {only.path}' or pass --config PATH"
        )
    listed = ", ".join(str(c.path) for c in tried)
    raise ConfigNotFound(
        f"no config file found; tried {listed}; create one with 'mpsync init' "
        "(writes ./mpsync.toml), set $MPSYNC_CONFIG or pass --config PATH"
    )
