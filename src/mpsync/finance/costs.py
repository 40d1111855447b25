"""The seller's cost of goods per SKU, with its history: ``product_costs`` (sku, valid_from).

A CSV import upserts by (SKU, valid from); a past period uses the cost valid then (the row
with the latest ``valid_from`` on or before the day).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from mpsync.finance.summary import COSTS
from mpsync.mapping.convert import ConversionError, currency
from mpsync.store.upsert import bulk_upsert

HEADERS = {"sku": "sku", "cost": "cost", "valid_from": "valid_from", "valid from": "valid_from",
           "currency": "currency"}  # fmt: skip


class CostFileError(ValueError):
    """A cost file that cannot be imported: which line, which column, the fix."""


@dataclass
class CostImport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def read_costs(text: str) -> list[dict[str, Any]]:
    """Rows of a cost CSV (``sku,cost,valid_from[,currency]``; ``,`` or ``;``), checked."""
    sample = text[:2048]
    dialect = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    columns = {name: HEADERS.get((name or "").strip().lower()) for name in reader.fieldnames or []}
    missing = {"sku", "cost", "valid_from"} - set(columns.values())
    if missing:
        raise CostFileError(f"the header lacks {', '.join(sorted(missing))}; "
                            "fix: the first line must read sku,cost,valid_from")  # fmt: skip
    rows = []
    for number, raw in enumerate(reader, start=2):
        values = {str(columns[k]): (v or "").strip() for k, v in raw.items() if columns.get(k)}
        rows.append(_row(number, values))
    return rows


def _row(number: int, values: dict[str, str]) -> dict[str, Any]:
    if not values.get("sku"):
        raise CostFileError(f"line {number}: sku is empty")
    try:
        cost = Decimal(values["cost"].replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise CostFileError(f"line {number}: cost {values['cost']!r} is not a number") from None
    if not cost.is_finite() or cost < 0 or cost != cost.quantize(Decimal("0.01")):
        raise CostFileError(f"line {number}: cost {values['cost']!r}: use a positive amount "
                            "with at most two decimals")  # fmt: skip
    try:
        valid_from = date.fromisoformat(values["valid_from"])
    except ValueError:
        raise CostFileError(f"line {number}: valid_from {values['valid_from']!r}: "
                            "use YYYY-MM-DD") from None  # fmt: skip
    try:
        code = currency(values.get("currency") or "RUB")
    except ConversionError as exc:
        raise CostFileError(f"line {number}: {exc}") from None
    return {"sku": values["sku"], "cost": cost, "valid_from": valid_from, "currency": code}


def import_costs(connection: Connection, rows: list[dict[str, Any]]) -> CostImport:
    result = bulk_upsert(connection, COSTS, rows, ["sku", "valid_from"],
                         compare=["cost", "currency"], update=["cost", "currency"],
                         returning=None)  # fmt: skip
    return CostImport(len(result.inserted), len(result.updated), len(result.unchanged), rows)


def list_costs(connection: Connection, sku: str | None = None) -> list[dict[str, Any]]:
    query = select(COSTS).order_by(COSTS.c.sku, COSTS.c.valid_from)
    if sku is not None:
        query = query.where(COSTS.c.sku == sku)
    return [
        {"sku": row["sku"], "valid_from": str(row["valid_from"]),
         "cost": f"{Decimal(str(row['cost'])):.2f}", "currency": row["currency"]}
        for row in connection.execute(query).mappings()
    ]  # fmt: skip
