"""Column types the store needs on both SQLite and PostgreSQL.

Aware-UTC datetimes (SQLite keeps no zone), exact money, and JSON whose
numbers keep their decimal value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import DateTime, Dialect, Numeric, Text
from sqlalchemy.types import TypeDecorator

_CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """``Numeric(18, 2)`` that reads back as a ``Decimal`` with two places on every backend."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(_CENT)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(_CENT)


MONEY = Money()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; returns them aware. Naive input is an error."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, one step straight to the text SQLAlchemy's ``DATETIME`` stores.

        The composed default (this decorator, then the dialect's formatter) costs
        two Python calls and a dict per value: a page binds a dozen datetimes per order.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use an aware UTC datetime")
            if value.utcoffset():
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a JSON column")


_STORE_ENCODER = json.JSONEncoder(default=_plain, ensure_ascii=False, separators=(",", ":"))
_CANONICAL_ENCODER = json.JSONEncoder(
    default=_plain, ensure_ascii=False, separators=(",", ":"), sort_keys=True
)
# orjson writes the same text as the encoders above (compact, UTF-8, Decimals and
# datetimes through ``_plain``) about ten times faster: every stored order's raw
# payload goes through here. What it refuses (integers beyond 64 bits, say) falls
# back to the standard encoder, which also words the error for a truly unstorable value.
_ORJSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> str:
    """JSON text for the store: compact, Decimals as numbers, keys in their given order."""
    try:
        return orjson.dumps(value, default=_plain, option=_ORJSON).decode()
    except orjson.JSONEncodeError:
        return _STORE_ENCODER.encode(value)


def canonical_dumps(value: Any) -> str:
    """JSON text with sorted keys, for hashes and fingerprints."""
    try:
        return orjson.dumps(value, default=_plain, option=_ORJSON | orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return _CANONICAL_ENCODER.encode(value)


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


class JSONText(TypeDecorator[Any]):
    """A JSON document kept as text, read back with ``Decimal`` numbers."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else dumps(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else loads(value)
