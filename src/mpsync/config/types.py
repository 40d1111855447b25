"""Value types shared by config sections: durations such as ``30s``, ``5m``, ``14d``.

A duration is a ``timedelta``; TOML may give it as a string with a unit or as
a bare number of seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DURATION_HINT = "use a number with a unit: ms, s, m, h, d or w (e.g. '30s', '5m', '14d')"


def parse_duration(value: Any) -> timedelta:
    """Parse ``'30s'``, ``'5m'``, ``'2h'``, ``'14d'`` or seconds into a ``timedelta``."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a duration; {DURATION_HINT}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative; {DURATION_HINT}")
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value.lower())
        if match:
            number, unit = match.groups()
            return timedelta(seconds=float(number) * _UNITS[unit or "s"])
    raise ValueError(f"not a duration; {DURATION_HINT}")


def format_duration(value: timedelta) -> str:
    """Render a ``timedelta`` in the largest whole unit (``90s`` → ``'90s'``, ``1d``)."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
