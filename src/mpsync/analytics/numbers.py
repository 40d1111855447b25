"""Small numeric helpers the reports share: percentiles, rates, money text, changes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Any) -> str:
    """A decimal string with two places: ``Decimal('1234.5')`` → ``'1234.50'``."""
    return str(Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP))


def rate(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 4 places; ``None`` when there is nothing to measure."""
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 2)


def relative_change(current: Any, previous: Any) -> float | None:
    """``(current - previous) / previous`` rounded to 4 places; ``None`` from zero or nothing."""
    if current is None or previous is None:
        return None
    before, now = Decimal(str(previous)), Decimal(str(current))
    if before == 0:
        return None
    return round(float((now - before) / before), 4)


def difference(current: Any, previous: Any) -> float | None:
    """``current - previous`` for rates and hours (a change of a share is in points)."""
    if current is None or previous is None:
        return None
    return round(float(current) - float(previous), 4)
