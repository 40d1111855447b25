"""Report periods: whole days in the display time zone, and their UTC bounds.

``2026-03`` is a calendar month, ``2026-03-01..2026-03-15`` a range of days (both ends
included), ``2026-03-05`` one day; the previous period is the same number of days just before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERIOD_HELP = "YYYY-MM (a month), YYYY-MM-DD..YYYY-MM-DD (days, both included) or YYYY-MM-DD"


class PeriodError(ValueError):
    """A ``--period`` that cannot be read; the message shows the accepted forms."""


@dataclass(frozen=True)
class Period:
    """Days ``first`` .. ``last`` (inclusive) in *zone*."""

    first: date
    last: date
    zone: tzinfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first instant of the period, as aware UTC."""
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period, as aware UTC."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def label(self) -> str:
        if (
            self.first.day == 1
            and (self.last + timedelta(days=1)).day == 1
            and (self.first.month == self.last.month and self.first.year == self.last.year)
        ):
            return self.first.strftime("%Y-%m")
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.zone)

    def day_list(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]

    def ending(self, day: date, days: int) -> Period:
        """The *days* days that end on *day* (a trailing window such as 28 days of sales)."""
        return Period(day - timedelta(days=days - 1), day, self.zone)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant a local day begins (the first valid local time on a DST day)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_period(text: str | None, zone: tzinfo, today: date) -> Period:
    """Read ``--period``; none means the current month up to *today*."""
    if not text:
        return Period(today.replace(day=1), today, zone)
    value = text.strip()
    month = _MONTH.match(value)
    try:
        if month:
            first = date(int(month[1]), int(month[2]), 1)
            following = (first + timedelta(days=32)).replace(day=1)
            return Period(first, following - timedelta(days=1), zone)
        if ".." in value:
            left, _, right = value.partition("..")
            first, last = _day(left), _day(right)
        else:
            first = last = _day(value)
    except ValueError as error:
        raise PeriodError(f"--period {text!r}: {error}; use {PERIOD_HELP}") from None
    if last < first:
        raise PeriodError(f"--period {text!r}: the last day is before the first")
    return Period(first, last, zone)


def _day(text: str) -> date:
    text = text.strip()
    if not _DAY.match(text):
        raise ValueError(f"{text!r} is not a date")
    return date.fromisoformat(text)


def offset_segments(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, int]]:
    """``(from_utc, offset_minutes)`` pieces covering [start, end): where the zone's offset holds.

    Zones change offset at most a few times a year, so a day-level scan refined to the
    minute finds every change; a zone with one offset gives one piece.
    """
    segments = [(start, _offset(start, zone))]
    moment = start
    while moment < end:
        following = min(moment + timedelta(days=1), end)
        if _offset(following, zone) != segments[-1][1]:
            change = _first_change(moment, following, zone, segments[-1][1])
            segments.append((change, _offset(change, zone)))
        moment = following
    return segments


def _offset(moment: datetime, zone: tzinfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def _first_change(low: datetime, high: datetime, zone: tzinfo, before: int) -> datetime:
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if _offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return high.replace(second=0, microsecond=0)
