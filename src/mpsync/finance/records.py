"""Canonical finance records: one signed money entry, and one return.

Money is ``Decimal`` to the kopeck, signed from the seller's side; times aware UTC.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mpsync.domain.models import Currency, UtcDatetime

Kind = Literal[
    "sale", "return", "commission", "logistics", "reverse_logistics", "storage",
    "acceptance", "penalty", "advertising", "compensation", "other",
]  # fmt: skip
ReturnKind = Literal["cancellation", "full", "partial", "unredeemed"]


class FinanceEntryRecord(BaseModel):
    """One amount of one marketplace money row.

    ``source_id``: the row's own id (WB ``rrd_id``, Ozon ``operation_id``, YM order id);
    a re-read of the row replaces all its entries. ``operation``: the marketplace's own name
    of what the amount is (kept raw; ``known`` says whether a mapping rule named its kind).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    external_id: str = Field(max_length=255)
    source_id: str = Field(max_length=128)
    order_external_id: str | None = None
    sku: str | None = None
    marketplace_sku: str | None = None
    occurred_at: UtcDatetime
    kind: Kind
    operation: str
    known: bool = True
    amount: Decimal = Field(max_digits=18, decimal_places=2)
    currency: Currency
    quantity: int | None = None  # units of the goods, where the marketplace gives them
    raw: dict[str, Any]


class ReturnLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str | None = None
    marketplace_sku: str | None = None
    quantity: int = Field(ge=0)
    amount: Decimal | None = None


class ReturnRecord(BaseModel):
    """A buyer's return or an unredeemed / cancelled delivery, linked to its order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    external_id: str = Field(max_length=128)
    order_external_id: str | None = None
    kind: ReturnKind
    reason: str | None = None
    state: str | None = None
    refund_amount: Decimal | None = None
    currency: Currency = "RUB"
    created_at: UtcDatetime
    source_updated_at: UtcDatetime | None = None
    returned_on: date | None = None
    lines: tuple[ReturnLine, ...] = ()
    raw: dict[str, Any]
