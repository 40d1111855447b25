"""The daily stock history analytics reads: one row per SKU, warehouse and local day.

Every stock read page writes its rows in one statement (the day's last read wins);
the end of a complete read records the rows it set to zero. Days are display-zone days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.config import Settings
from mpsync.display import machine_zone, to_local
from mpsync.store.tables import StockHistory, StockLevel

HISTORY = cast(Table, StockHistory.__table__)  # type: ignore[attr-defined]
STOCK = cast(Table, StockLevel.__table__)  # type: ignore[attr-defined]
KEY = ["account_id", "sku", "warehouse", "day"]


def history_day(settings: Settings | None, now: datetime) -> date:
    """The display-zone day a read at *now* belongs to."""
    zone = settings.display.display().zone if settings is not None else machine_zone()
    return to_local(now, zone).date()


def _upsert(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(HISTORY)


def record_page(connection: Connection, rows: Sequence[dict[str, Any]], *, day: date,
                now: datetime) -> None:  # fmt: skip
    """One page of stock rows into the day's history, in one statement."""
    if not rows:
        return
    values = [
        {"account_id": r["account_id"], "sku": r["sku"], "warehouse": r["warehouse"], "day": day,
         "on_hand": r["on_hand"], "reserved": r["reserved"], "read_at": now}
        for r in rows
    ]  # fmt: skip
    statement = _upsert(connection)
    statement = statement.on_conflict_do_update(
        index_elements=KEY,
        set_={"on_hand": statement.excluded.on_hand, "reserved": statement.excluded.reserved,
              "read_at": statement.excluded.read_at},
    )  # fmt: skip
    connection.execute(statement, values)


def record_unlisted(connection: Connection, account_id: str, listed_since: datetime, *,
                    day: date, now: datetime) -> None:  # fmt: skip
    """After a complete read: the rows it did not list (now zero) enter the day's history."""
    unlisted = (STOCK.c.seen_at.is_(None)) | (STOCK.c.seen_at < listed_since)
    source = select(
        STOCK.c.account_id, STOCK.c.sku, STOCK.c.warehouse, literal(day, HISTORY.c.day.type),
        STOCK.c.on_hand, STOCK.c.reserved, literal(now, HISTORY.c.read_at.type),
    ).where(STOCK.c.account_id == account_id, unlisted)  # fmt: skip
    statement = _upsert(connection).from_select([*KEY, "on_hand", "reserved", "read_at"], source)
    statement = statement.on_conflict_do_update(
        index_elements=KEY,
        set_={"on_hand": statement.excluded.on_hand, "reserved": statement.excluded.reserved,
              "read_at": statement.excluded.read_at},
    )  # fmt: skip
    connection.execute(statement)
