"""Value types of mapping fields (decimal, kopecks, datetime, currency, phone...) and
the named transforms a mapping file may reference; all are pure functions of one value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

Transform = Callable[[Any], Any]
CENT = Decimal("0.01")
CURRENCY_CODES = MappingProxyType(
    {
        "643": "RUB",
        "810": "RUB",
        "RUR": "RUB",
        "933": "BYN",
        "398": "KZT",
        "051": "AMD",
        "51": "AMD",
        "417": "KGS",
        "860": "UZS",
        "840": "USD",
        "978": "EUR",
        "156": "CNY",
        # Codes some marketplaces write for a currency whose ISO code differs. BYR is the
        # Belarusian ruble's code before 2016 (now BYN), kept by Yandex Market's CurrencyType
        # ("BYR — белорусский рубль") as it keeps RUR for the ruble; TL is the Turkish lira's
        # own abbreviation (ISO TRY).
        "BYR": "BYN",
        "TL": "TRY",
    }
)
# Codes that look like currencies but are none: refused with the reason, never stored.
NOT_CURRENCIES = MappingProxyType(
    {"UE": "'UE' is a conventional unit (у.е.), not a currency: the amount cannot be recorded"}
)


class ConversionError(ValueError):
    """A value does not fit the field's type; the message says what was found."""


def to_decimal(value: Any) -> Decimal:
    """Numbers, decimal strings and ``{amount|value|price: ...}`` objects, as Decimal."""
    if isinstance(value, Mapping):
        for key in ("amount", "value", "price"):
            if key in value:
                return to_decimal(value[key])
        raise ConversionError(f"money object without amount/value: {dict(value)!r}")
    if isinstance(value, bool):
        raise ConversionError(f"expected a number, got {value!r}")
    if isinstance(value, int | Decimal):
        return _money(Decimal(value))
    if isinstance(value, float):
        return _money(Decimal(str(value)))
    if isinstance(value, str):
        try:
            return _money(Decimal(value.strip().replace(",", ".")))
        except InvalidOperation as exc:
            raise ConversionError(f"not a decimal number: {value!r}") from exc
    raise ConversionError(f"expected a number, got {type(value).__name__} {value!r}")


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ConversionError(f"not a finite number: {value}")
    quantized = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return quantized if quantized == value else value


def kopecks(value: Any) -> Decimal:
    amount = to_decimal(value)
    return (amount / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ConversionError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ConversionError(f"not an integer: {value!r}") from exc
    if number != number.to_integral_value():
        raise ConversionError(f"not a whole number: {value!r}")
    return int(number)


def to_str(value: Any) -> str:
    if isinstance(value, dict | list):
        raise ConversionError(f"expected a scalar, got {type(value).__name__}")
    return value if isinstance(value, str) else str(value)


def currency(value: Any) -> str:
    """ISO alpha code: numeric codes (643) and legacy RUR become alpha (RUB)."""
    text = to_str(value).strip().upper()
    if text in NOT_CURRENCIES:
        raise ConversionError(NOT_CURRENCIES[text])
    text = CURRENCY_CODES.get(text, text)
    if len(text) != 3 or not text.isalpha():
        raise ConversionError(f"unknown currency {value!r}; add it to the mapping as a default")
    return text


def to_datetime(
    value: Any, fmt: str | Sequence[str] | None = None, zone: ZoneInfo | None = None
) -> datetime:
    """ISO 8601 (``iso``), unix seconds (``unix``) or strptime formats, tried in order.

    A value without a zone takes *zone* (e.g. Moscow for WB statistics); without either
    it is an error, never a guess.
    """
    formats = ["iso"] if fmt is None else [fmt] if isinstance(fmt, str) else list(fmt)
    for candidate in formats:
        moment = _parse_moment(value, candidate)
        if moment is not None:
            break
    else:
        raise ConversionError(f"{value!r} does not match {' or '.join(formats)}")
    if moment.tzinfo is None:
        if zone is None:
            raise ConversionError(f"{value!r} has no time zone; set `zone` on this field")
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _parse_moment(value: Any, fmt: str) -> datetime | None:
    try:
        if fmt == "unix":
            return datetime.fromtimestamp(to_int(value), UTC)
        text = to_str(value).strip()
        return datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
    except (ValueError, OverflowError, OSError):
        return None


def phone(value: Any) -> str | None:
    """E.164 (``+79161234567``) for a valid number (region RU by default), else None."""
    text = to_str(value).strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def email(value: Any) -> str | None:
    text = to_str(value).strip().lower()
    return text if "@" in text and " " not in text else None


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = to_str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConversionError(f"not a boolean: {value!r}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConversionError(f"expected a list, got {type(value).__name__}")
    return value


def multiply(value: Any) -> Decimal:
    """``[price, quantity, ...]`` → their product (prices in any money shape)."""
    result = Decimal(1)
    for item in _as_list(value):
        result *= to_decimal(item)
    return _money(result)


def sum_products(value: Any) -> Decimal:
    """``[[price, quantity], ...]`` → Σ price × quantity."""
    return _money(sum((multiply(pair) for pair in _as_list(value)), Decimal(0)))


def sum_values(value: Any) -> Decimal:
    return _money(sum((to_decimal(item) for item in _as_list(value)), Decimal(0)))


def per_unit(value: Any) -> Decimal:
    """``[amount or [amounts...], count]`` → Σ amounts ÷ count, to the kopeck.

    For marketplaces that give a line's money for all its units (the unit price of a line).
    """
    pair = _as_list(value)
    if len(pair) != 2:
        raise ConversionError(f"expected [amount, count], got {value!r}")
    amounts, count = pair
    total = sum_values(amounts if isinstance(amounts, list) else [amounts])
    units = to_decimal(count)
    if units <= 0:
        raise ConversionError(f"count {count!r} must be above 0 to price one unit")
    return _money((total / units).quantize(CENT, rounding=ROUND_HALF_UP))


def day_end(value: Any) -> str | None:
    """A calendar day ``YYYY-MM-DD`` → its last second (``YYYY-MM-DDT23:59:59``).

    ``[day, time]`` → that time of the day (``HH:MM`` or ``HH:MM:SS``), the end of the day
    when the time is null. For deadlines given as a day: the zone is the field's ``zone``.
    """
    day, time = [*value, None][:2] if isinstance(value, list) else (value, None)
    if day is None:
        return None
    text = to_str(day).strip()
    clock = "23:59:59" if time in (None, "") else to_str(time).strip()
    return f"{text}T{clock}"


def join_nonempty(value: Any) -> str | None:
    """Non-empty parts joined with ", "; a part equal to the one before it is said once
    (Ozon's region and city are both "Москва" for a Moscow address)."""
    parts = [to_str(item).strip() for item in _as_list(value) if item not in (None, "")]
    kept = [part for i, part in enumerate(parts) if part and (i == 0 or part != parts[i - 1])]
    return ", ".join(kept) or None


def first(value: Any) -> Any:
    items = _as_list(value)
    return items[0] if items else None


def strings(value: Any) -> tuple[str, ...]:
    """A list (or one value) as non-empty strings, first occurrence kept: barcodes."""
    values = value if isinstance(value, list) else [value]
    items = (to_str(item).strip() for item in values if item is not None)
    return tuple(dict.fromkeys(item for item in items if item))


def empty_to_none(value: Any) -> Any:
    return None if value in ("", 0, [], {}) else value


TYPES: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "str": to_str,
        "int": to_int,
        "decimal": to_decimal,
        "kopecks": kopecks,
        "currency": currency,
        "datetime": to_datetime,
        "phone": phone,
        "email": email,
        "bool": to_bool,
        "strings": strings,
        "raw": lambda value: value,
    }
)

BUILTIN_TRANSFORMS: Mapping[str, Transform] = MappingProxyType(
    {
        "multiply": multiply,
        "sum_products": sum_products,
        "sum": sum_values,
        "per_unit": per_unit,
        "day_end": day_end,
        "join": join_nonempty,
        "first": first,
        "empty_to_none": empty_to_none,
        "lower": lambda v: None if v is None else to_str(v).lower(),
        "strip": lambda v: None if v is None else to_str(v).strip(),
    }
)
