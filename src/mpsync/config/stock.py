"""Config of stock sync and price rules (``mpsync.stocksync``): the ``[stock]`` section and
the per-account ``stock = {...}`` and ``prices = {...}`` tables.

Shares and markups are written ``"10%"``; a buffer is a number of units or a share.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mpsync.config.types import Duration

_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_ENDING = re.compile(r"^\d{0,6}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def parse_share(value: Any) -> Decimal:
    """``"10%"`` → ``Decimal("0.10")``."""
    match = _SHARE.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{value!r} is not a share; write it like "10%"')
    return Decimal(match.group(1)) / 100


def _units_or_share(value: Any) -> int | str:
    if isinstance(value, bool):
        raise ValueError('write a number of units (2) or a share ("10%")')
    if isinstance(value, int):
        if value < 0:
            raise ValueError("cannot be negative")
        return value
    parse_share(value)
    return str(value).strip()


def _amount_or_share(value: Any) -> str:
    """A money amount (``50``) or a share (``"10%"``), kept as text."""
    text = str(value).strip()
    if text.endswith("%"):
        parse_share(text)
        return text
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'{value!r} is neither an amount (50) nor a share ("10%")') from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} must be 0 or more")
    return text


class AccountStockConfig(_Section):
    """How an account takes part in stock sync: ``push = false`` stops its pushes; what it
    is offered is lowered by ``buffer`` (units or ``"10%"``) and capped by ``max_listed``
    (0: no cap). ``warehouse``: the marketplace warehouse pushed to (default: the one its
    stock reads list the item at)."""

    push: bool = True
    buffer: int | str = 0
    max_listed: int = Field(default=0, ge=0)
    warehouse: str | None = None

    @field_validator("buffer", mode="before")
    @classmethod
    def _buffer(cls, value: Any) -> int | str:
        return _units_or_share(value)


class AccountPriceConfig(_Section):
    """A channel's price rule: base price × (1 + ``markup``) + ``add``, rounded up to end
    in ``round`` ("9": …9 rubles, "99", "" to kopecks), never below cost + ``min_margin``;
    the crossed-out price is the price + ``old_price`` ("0%": none). ``push = false``: plan
    only."""

    push: bool = True
    markup: str = "0%"
    add: Decimal = Decimal(0)
    round: str = ""
    min_margin: str = "0%"
    old_price: str = "0%"

    @field_validator("markup", "old_price", mode="before")
    @classmethod
    def _share(cls, value: Any) -> str:
        parse_share(value)
        return str(value).strip()

    @field_validator("min_margin", mode="before")
    @classmethod
    def _margin(cls, value: Any) -> str:
        return _amount_or_share(value)

    @field_validator("round")
    @classmethod
    def _ending(cls, value: str) -> str:
        if not _ENDING.match(value):
            raise ValueError('write the digits prices end in, like "9" or "99" ("": none)')
        return value


class StockFeedConfig(_Section):
    """A stock feed polled on a schedule: CSV ``sku,quantity`` (header optional) from an
    ``http(s)://`` URL or a file path."""

    url: str
    every: Duration = timedelta(minutes=15)


class StockItemConfig(_Section):
    """Per item (by its SKU): a buffer and cap that replace the accounts' ones."""

    buffer: int | str | None = None
    max_listed: int | None = Field(default=None, ge=0)

    @field_validator("buffer", mode="before")
    @classmethod
    def _buffer(cls, value: Any) -> int | str | None:
        return None if value is None else _units_or_share(value)


class StockConfig(_Section):
    """``[stock]``: one stock across every channel (``mpsync stock plan/sync``)."""

    # "ledger" (mpsync stock set/adjust/import), "account:<id>" (that account's stock
    # reads are the truth) or a feed table { url = ..., every = "15m" }.
    source: str | StockFeedConfig = "ledger"
    propagation: Duration = timedelta(seconds=60)
    links: str | None = None
    guard: str = "30%"
    guard_min: int = Field(default=4, ge=1)
    items: dict[str, StockItemConfig] = Field(default_factory=dict)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | StockFeedConfig) -> str | StockFeedConfig:
        if (
            isinstance(value, str)
            and value != "ledger"
            and not (value.startswith("account:") and len(value) > len("account:"))
        ):
            raise ValueError(
                'use "ledger", "account:<account id>" or a feed table '
                '{ url = "https://...", every = "15m" }'
            )
        return value

    @field_validator("guard", mode="before")
    @classmethod
    def _guard(cls, value: Any) -> str:
        if parse_share(value) > 1:
            raise ValueError('the guard is a share of an account\'s listings, at most "100%"')
        return str(value).strip()

    @property
    def guard_share(self) -> Decimal:
        return parse_share(self.guard)
