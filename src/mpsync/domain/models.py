"""Canonical records that mapping schemas produce and the store persists.

Money is ``Decimal``, currencies ISO 4217 alpha, datetimes aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mpsync.domain.status import OrderStatus


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime has no time zone; the mapping must give one")
    return value.astimezone(UTC)


def _currency(value: str) -> str:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValueError(f"currency must be an ISO 4217 alpha code such as 'RUB', got {value!r}")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
Currency = Annotated[str, AfterValidator(_currency)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CustomerRecord(_Record):
    phone: str | None = None  # E.164
    email: str | None = None  # lower-cased
    name: str | None = None
    company_name: str | None = None
    inn: str | None = None
    kpp: str | None = None

    @property
    def identity(self) -> str | None:
        """The dedupe key across accounts: phone first, then email."""
        if self.phone:
            return f"phone:{self.phone}"
        if self.email:
            return f"email:{self.email}"
        return None


class OrderLineRecord(_Record):
    line_no: int = Field(ge=1)
    sku: str
    marketplace_sku: str | None = None
    name: str | None = None
    quantity: int = Field(ge=1)
    unit_price: Money
    total: Money


class OrderRecord(_Record):
    account_id: str
    external_id: str = Field(min_length=1)
    group_key: str | None = None
    order_number: str | None = None
    status: OrderStatus | None  # None: the marketplace status is not mapped
    marketplace_status: str
    marketplace_substatus: str | None = None
    created_at: UtcDatetime
    source_updated_at: UtcDatetime
    ship_by: UtcDatetime | None = None
    delivery_method: str | None = None
    payment_method: str | None = None
    currency: Currency
    items_total: Money
    total: Money
    customer: CustomerRecord | None = None
    delivery_address: str | None = None
    lines: tuple[OrderLineRecord, ...] = ()
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class OrderStatusUpdate(_Record):
    """A status-only read (e.g. Wildberries' status batch): changes no other field."""

    account_id: str
    external_id: str = Field(min_length=1)
    status: OrderStatus | None
    marketplace_status: str
    marketplace_substatus: str | None = None
    source_updated_at: UtcDatetime
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class StockRecord(_Record):
    account_id: str
    sku: str
    warehouse: str
    on_hand: int
    reserved: int = 0
    source_updated_at: UtcDatetime | None = None


class PriceRecord(_Record):
    account_id: str
    sku: str
    price: Money
    old_price: Money | None = None
    min_price: Money | None = None
    currency: Currency
    source_updated_at: UtcDatetime | None = None


class ProductRecord(_Record):
    """A catalogue entry: the seller's SKU bound to the marketplace's own ids.

    ``sku`` is the string order lines, stock and prices use; ``ids`` holds the
    marketplace's ids under its own names (WB ``nmID``/``chrtId``, Ozon
    ``product_id``/``sku``, YM ``offerId``/``marketSku``). An id a read lacks is
    simply absent: the store keeps what an earlier read bound.
    """

    account_id: str
    sku: str = Field(min_length=1)
    name: str | None = None
    barcodes: tuple[str, ...] = ()
    ids: dict[str, str] = Field(default_factory=dict)
    source_updated_at: UtcDatetime | None = None


class BuyerMessageRecord(_Record):
    """A buyer's question or review of a product, as the marketplace shows it now.

    ``kind`` comes from the mapping section (``[question]`` / ``[review]``). ``sku`` is the
    seller's SKU when the read names it; otherwise ``product_ids`` (the marketplace's own
    ids, named as in the catalogue) let the writer resolve it through ``mpsync.catalog``.
    ``answered`` says the marketplace counts it answered (or processed) even when the
    read carries no answer text. ``author`` is the buyer's display name: personal data,
    shown to the seller, never logged.
    """

    account_id: str
    kind: Literal["question", "review"]
    external_id: str = Field(min_length=1)
    sku: str | None = None
    product_ids: dict[str, str] = Field(default_factory=dict)
    product_name: str | None = None
    order_external_id: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    text: str = ""
    pros: str | None = None
    cons: str | None = None
    author: str | None = None
    created_at: UtcDatetime
    answer: str | None = None
    answer_id: str | None = None
    answered_at: UtcDatetime | None = None
    answered: bool = False
    source_updated_at: UtcDatetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def has_answer(self) -> bool:
        return self.answered or bool(self.answer)
