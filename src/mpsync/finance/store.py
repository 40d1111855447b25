"""Finance entries and returns into the store, one page in the caller's transaction.

A marketplace row is the unit: its entries are compared with what the store holds for the
same ``source_id`` and, when anything differs, replaced as a whole (a re-read with other
amounts leaves no stale entry behind). A replay changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from mpsync.finance.records import FinanceEntryRecord, ReturnRecord
from mpsync.store.tables import FinanceEntry, Order, OrderLine, Return
from mpsync.store.upsert import bulk_upsert

ENTRIES = FinanceEntry.__table__  # type: ignore[attr-defined]
RETURNS = Return.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
_COMPARED = ("external_id", "kind", "operation", "amount", "currency", "order_external_id",
             "sku", "marketplace_sku", "occurred_at", "known", "quantity")  # fmt: skip
_CHUNK = 500


@dataclass
class MoneyCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    returned_orders: list[str] = field(default_factory=list)


def write_entries(connection: Connection, account_id: str,
                  records: Sequence[FinanceEntryRecord], now: datetime) -> MoneyCounts:  # fmt: skip
    """Store the entries of a page; counts are per marketplace row."""
    counts = MoneyCounts()
    by_source: dict[str, list[FinanceEntryRecord]] = defaultdict(list)
    for record in records:
        by_source[record.source_id].append(record)
    stored = _stored(connection, account_id, list(by_source))
    orders = _order_ids(connection, account_id, {r.order_external_id for r in records})
    changed: list[str] = []
    for source, entries in by_source.items():
        wanted = sorted(_signature(e.model_dump()) for e in entries)
        have = sorted(_signature(row) for row in stored.get(source, []))
        if wanted == have:
            counts.unchanged += 1
        else:
            changed.append(source)
            counts.updated += source in stored
            counts.inserted += source not in stored
    for start in range(0, len(changed), _CHUNK):
        chunk = changed[start : start + _CHUNK]
        connection.execute(delete(ENTRIES).where(ENTRIES.c.account_id == account_id,
                                                 ENTRIES.c.source_id.in_(chunk)))  # fmt: skip
    rows = [_row(e, orders, now) for source in changed for e in by_source[source]]
    for start in range(0, len(rows), _CHUNK):
        connection.execute(insert(ENTRIES), rows[start : start + _CHUNK])
    return counts


def _stored(connection: Connection, account_id: str,
            sources: list[str]) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(sources), _CHUNK):
        chunk = sources[start : start + _CHUNK]
        query = select(ENTRIES).where(ENTRIES.c.account_id == account_id,
                                      ENTRIES.c.source_id.in_(chunk))  # fmt: skip
        for row in connection.execute(query).mappings():
            found[row["source_id"]].append(dict(row))
    return found


def _signature(values: dict[str, Any]) -> tuple[str, ...]:
    parts = []
    for name in _COMPARED:
        value = values.get(name)
        if isinstance(value, Decimal):
            value = f"{value:.2f}"
        elif isinstance(value, datetime):
            value = value.isoformat()
        parts.append(str(value))
    return tuple(parts)


def _order_ids(connection: Connection, account_id: str,
               external_ids: set[str | None]) -> dict[str, int]:  # fmt: skip
    wanted = sorted(e for e in external_ids if e)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(ORDERS.c.external_id, ORDERS.c.id).where(
            ORDERS.c.account_id == account_id,
            ORDERS.c.external_id.in_(wanted[start : start + _CHUNK]))  # fmt: skip
        found.update({external: id_ for external, id_ in connection.execute(query)})
    return found


def _row(entry: FinanceEntryRecord, orders: dict[str, int], now: datetime) -> dict[str, Any]:
    values = entry.model_dump()
    return {
        **values,
        "order_id": orders.get(entry.order_external_id or ""),
        "operation": entry.operation[:255],
        "inserted_at": now,
    }


def write_returns(connection: Connection, account_id: str, records: Sequence[ReturnRecord],
                  now: datetime) -> MoneyCounts:  # fmt: skip
    """Upsert returns by (account, external id); list the orders they name as returned."""
    counts = MoneyCounts()
    latest = {r.external_id: r for r in records}
    orders = _order_ids(connection, account_id, {r.order_external_id for r in latest.values()})
    units = _order_units(connection, sorted(set(orders.values())))
    back = _returned_units(connection, account_id, latest)
    rows = [
        {**r.model_dump(exclude={"lines", "returned_on"}), "kind": _kind(r, orders, units, back),
         "lines": [line.model_dump(mode="json") for line in r.lines],
         "order_id": orders.get(r.order_external_id or ""), "inserted_at": now, "updated_at": now}
        for r in latest.values()
    ]  # fmt: skip
    compare = ["order_external_id", "order_id", "kind", "reason", "state", "refund_amount",
               "currency", "source_updated_at", "lines"]  # fmt: skip
    result = bulk_upsert(connection, RETURNS, rows, ["account_id", "external_id"],
                         compare=compare, update=[*compare, "raw", "updated_at"])  # fmt: skip
    counts.inserted, counts.updated = len(result.inserted), len(result.updated)
    counts.unchanged = len(result.unchanged)
    counts.returned_orders = sorted({  # every kind but a cancellation brings goods back
        r.order_external_id for r in latest.values()
        if r.order_external_id and r.kind != "cancellation"})  # fmt: skip
    return counts


def _kind(record: ReturnRecord, orders: dict[str, int], units: dict[int, int],
          back: dict[str, int]) -> str:  # fmt: skip
    """A return after delivery is partial while the order's returns (this one and the
    others stored or read with it) bring back fewer units than the order holds."""
    order = orders.get(record.order_external_id or "")
    returned = back.get(record.order_external_id or "", 0)
    if record.kind == "full" and order in units and record.lines and returned < units[order]:
        return "partial"
    return record.kind


def _returned_units(connection: Connection, account_id: str,
                    latest: dict[str, ReturnRecord]) -> dict[str, int]:  # fmt: skip
    """Order external id → units its returns bring back (this page's, else as stored)."""
    totals: dict[str, int] = defaultdict(int)
    wanted = sorted({r.order_external_id for r in latest.values() if r.order_external_id})
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        columns = (RETURNS.c.external_id, RETURNS.c.order_external_id, RETURNS.c.lines,
                   RETURNS.c.kind)  # fmt: skip
        query = select(*columns).where(RETURNS.c.account_id == account_id,
                                       RETURNS.c.order_external_id.in_(chunk))  # fmt: skip
        for external, order, lines, kind in connection.execute(query):
            if external not in latest and kind != "cancellation":
                totals[order] += sum(int(line.get("quantity") or 0) for line in lines or [])
    for record in latest.values():
        if record.order_external_id and record.kind != "cancellation":
            totals[record.order_external_id] += sum(line.quantity for line in record.lines)
    return totals


def _order_units(connection: Connection, order_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(order_ids), _CHUNK):
        query = (
            select(LINES.c.order_id, func.sum(LINES.c.quantity))
            .where(LINES.c.order_id.in_(order_ids[start : start + _CHUNK]))
            .group_by(LINES.c.order_id)
        )
        found.update({order: int(total) for order, total in connection.execute(query)})
    return found
