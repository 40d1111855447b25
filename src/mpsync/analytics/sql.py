"""SQL pieces every analytics query shares, written once for SQLite and PostgreSQL.

Local days from UTC timestamps, hours between two timestamps, and the account /
marketplace filter. Nothing here names a marketplace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Float,
    Table,
    case,
    func,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.sql.elements import KeyedColumnElement

from mpsync.analytics.period import offset_segments
from mpsync.domain.status import CONFIRMED_OR_LATER as _CONFIRMED_OR_LATER
from mpsync.domain.status import SHIPPED_OR_LATER as _SHIPPED_OR_LATER
from mpsync.domain.status import OrderStatus
from mpsync.store.tables import (
    Account,
    Customer,
    FinanceEntry,
    Invoice,
    Order,
    OrderLine,
    OutboxMessage,
    ProductCost,
    StatusChange,
    StockHistory,
    StockLevel,
)


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


ORDERS = _table(Order)
LINES = _table(OrderLine)
CHANGES = _table(StatusChange)
ACCOUNTS = _table(Account)
CUSTOMERS = _table(Customer)
STOCK = _table(StockLevel)
HISTORY = _table(StockHistory)
FINANCE = _table(FinanceEntry)
COSTS = _table(ProductCost)
INVOICES = _table(Invoice)
OUTBOX = _table(OutboxMessage)

CANCELLED = OrderStatus.CANCELLED.value
RETURNED = OrderStatus.RETURNED.value
# Statuses that mean an order moved past "new" (confirmed or further), and past hand-over
# (SQL takes the values, in the enum's order).
CONFIRMED_OR_LATER = tuple(s.value for s in OrderStatus if s in _CONFIRMED_OR_LATER)
SHIPPED_OR_LATER = tuple(s.value for s in OrderStatus if s in _SHIPPED_OR_LATER)


@dataclass(frozen=True)
class Scope:
    """Which orders a report covers: all, one account, or one marketplace's accounts."""

    account: str | None = None
    marketplace: str | None = None

    def accounts(self, column: KeyedColumnElement[Any]) -> ColumnElement[bool]:
        """A condition on an ``account_id`` column."""
        condition: ColumnElement[bool] = true()
        if self.account:
            condition = condition & (column == self.account)
        if self.marketplace:
            ids = select(ACCOUNTS.c.id).where(ACCOUNTS.c.marketplace == self.marketplace)
            condition = condition & column.in_(ids.scalar_subquery())
        return condition


def local_day(column: Any, dialect: str, zone: tzinfo, start: datetime,
              end: datetime) -> ColumnElement[Any]:  # fmt: skip
    """The display-zone calendar day of a UTC timestamp *column* within [start, end).

    The zone's offset is constant on each piece of the range (DST changes split it),
    so the day is ``date(column + offset)`` with the piece's offset: the same on both
    backends, for named zones and fixed offsets alike. SQLite returns ``YYYY-MM-DD``
    text, PostgreSQL a date; ``as_date`` reads either.
    """
    segments = offset_segments(start, end, zone)
    shifted = [_shifted_day(column, dialect, minutes) for _, minutes in segments]
    if len(segments) == 1:
        return shifted[0]
    whens = [(column < begin, day) for (begin, _), day in zip(segments[1:], shifted, strict=False)]
    return case(*whens, else_=shifted[-1])


def _shifted_day(column: Any, dialect: str, minutes: int) -> ColumnElement[Any]:
    if dialect == "postgresql":
        interval: ColumnElement[Any] = literal_column(f"INTERVAL '{int(minutes)} minutes'")
        return func.date(func.timezone("UTC", column) + interval)
    return func.date(column, f"{int(minutes):+d} minutes")


def hours_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """``later - earlier`` in hours as a float (NULL when either is NULL)."""
    if dialect == "postgresql":
        seconds = func.extract("epoch", later - earlier)
        return sql_cast(seconds / 3600.0, Float)
    return sql_cast((func.julianday(later) - func.julianday(earlier)) * 24.0, Float)


def collect_floats(column: Any, dialect: str) -> ColumnElement[Any]:
    """An aggregate of *column*'s non-NULL values in a group, read back with ``floats``.

    A period's processing hours come back as one value per group instead of a row per
    order: PostgreSQL's ``array_agg`` is a list already, SQLite's ``group_concat`` is
    text to split (about 2.5x cheaper than fetching the rows).
    """
    if dialect == "postgresql":
        return func.array_remove(func.array_agg(column), null())
    return func.group_concat(column)


def floats(value: Any) -> list[float]:
    """The values of a ``collect_floats`` aggregate (none: an empty list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [float(v) for v in value.split(",")]
    return [float(v) for v in value]


def as_date(value: Any) -> date:
    """A day from SQLite text or a PostgreSQL date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def epoch(column: Any, dialect: str) -> ColumnElement[float]:
    """Seconds since 1970 (UTC) of a timestamp column, as a float (NULL stays NULL).

    Reports fetch many timestamps: a float per value is far cheaper to read back than
    a parsed datetime, and the arithmetic on them is plain subtraction.
    """
    if dialect == "postgresql":
        return sql_cast(func.extract("epoch", column), Float)
    return sql_cast((func.julianday(column) - 2440587.5) * 86400.0, Float)
