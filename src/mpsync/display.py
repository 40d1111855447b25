"""How times and money read for people: the ``[display]`` zone and locale.

The store keeps aware UTC; everything shown to a person (CLI tables, notifications,
digests, invoice PDFs) goes through here, so one locale has one money format everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Locale = Literal["ru", "en"]
LOCALES: tuple[Locale, ...] = ("ru", "en")
NBSP = "\u00a0"
SYMBOLS = MappingProxyType(
    {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "UZS": "сум"}
)
_DATE = MappingProxyType({"ru": "%d.%m.%Y", "en": "%Y-%m-%d"})
_ZONEINFO_ROOTS = ("/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/")


def machine_zone() -> tzinfo:
    """The machine's time zone: ``$TZ``, else ``/etc/localtime``, else the C library's offset."""
    name = os.environ.get("TZ", "").removeprefix(":")
    for candidate in (name, _localtime_name()):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo or UTC


def _localtime_name() -> str | None:
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return None
    for root in _ZONEINFO_ROOTS:
        if target.startswith(root):
            return target.removeprefix(root)
    return None


def resolve_zone(name: str | tzinfo | None) -> tzinfo:
    """An IANA zone name (``Europe/Moscow``) as a tzinfo; ``None`` is the machine's zone."""
    if isinstance(name, tzinfo):
        return name
    if not name:
        return machine_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Moscow' or 'UTC'"
        ) from None


def to_local(moment: datetime, zone: tzinfo | str | None = None) -> datetime:
    """An aware (or naive UTC, as some drivers return) datetime in *zone*."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(resolve_zone(zone))


def format_money(amount: Any, currency: str | None = "RUB", locale: str = "ru") -> str:
    """``1234.5`` → ``1 234,50 ₽`` (ru, non-breaking spaces) or ``1,234.50 ₽`` (en)."""
    if amount is None:
        return "—"
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(amount)
    code = (currency or "").upper()
    symbol = SYMBOLS.get(code, code)
    grouped = f"{abs(value):,.2f}"
    if locale != "en":
        grouped = grouped.replace(",", NBSP).replace(".", ",")
    sign = "-" if value < 0 else ""
    return f"{sign}{grouped}{NBSP}{symbol}".rstrip()


def format_datetime(
    moment: Any,
    locale: str = "ru",
    zone: tzinfo | str | None = None,
    *,
    with_zone: bool = True,
) -> str:
    """``31.12.2025 21:00 MSK`` (ru) / ``2025-12-31 21:00 MSK`` (en) in *zone*.

    Accepts an aware datetime, a naive one (taken as UTC) or an ISO string; ``None``
    reads ``—``, and text that is not a date is returned as it is.
    """
    found = _moment(moment)
    if isinstance(found, str):
        return found
    local = to_local(found, zone)
    text = local.strftime(f"{_DATE.get(locale, _DATE['ru'])} %H:%M")
    return f"{text} {local.tzname()}" if with_zone else text


def _moment(value: Any) -> datetime | str:
    """A datetime from a datetime or an ISO string; else the text to show instead."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return "—" if value is None else str(value)


_SHORT = MappingProxyType({"ru": "%d.%m %H:%M", "en": "%m-%d %H:%M"})


def format_short(moment: Any, locale: str = "ru", zone: tzinfo | str | None = None,
                 *, now: datetime | None = None) -> str:  # fmt: skip
    """For tables: ``31.12 21:00`` within the current (local) year, else the full form."""
    found = _moment(moment)
    if isinstance(found, str):
        return found
    local = to_local(found, zone)
    if local.year != to_local(now or datetime.now(UTC), zone).year:
        return format_datetime(found, locale, zone, with_zone=False)
    return local.strftime(_SHORT.get(locale, _SHORT["ru"]))


def format_date(day: date | datetime | str | None, locale: str = "ru") -> str:
    """A calendar day: ``31.12.2025`` (ru) / ``2025-12-31`` (en)."""
    if day is None:
        return "—"
    if isinstance(day, str):
        text: str = day
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            return text
    return day.strftime(_DATE.get(locale, _DATE["ru"]))


@dataclass(frozen=True)
class Display:
    """The configured zone and locale, bound once: ``display.money(x, "RUB")``."""

    zone: tzinfo
    locale: Locale = "ru"

    @classmethod
    def of(cls, timezone: str | None = None, locale: Locale = "ru") -> Display:
        return cls(zone=resolve_zone(timezone), locale=locale)

    def local(self, moment: datetime) -> datetime:
        return to_local(moment, self.zone)

    def money(self, amount: Any, currency: str | None = "RUB") -> str:
        return format_money(amount, currency, self.locale)

    def when(self, moment: Any, *, with_zone: bool = True) -> str:
        return format_datetime(moment, self.locale, self.zone, with_zone=with_zone)

    def short(self, moment: Any, *, now: datetime | None = None) -> str:
        """A time for a table cell: no year within the current year, no zone name."""
        return format_short(moment, self.locale, self.zone, now=now)

    def day(self, day: date | datetime | str | None) -> str:
        if isinstance(day, datetime):
            day = self.local(day)
        return format_date(day, self.locale)

    def today(self, now: datetime) -> date:
        """The local calendar day *now* falls on."""
        return self.local(now).date()
