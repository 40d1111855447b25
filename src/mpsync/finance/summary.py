"""Unit economics of a period: revenue, fees per kind, payout, returns, cost of goods and
margin — per account, SKU, order or day — from the finance entries the marketplaces
reported and the seller's costs (``product_costs``, the cost valid on the entry's day).

* revenue: the ``sale`` entries; returns: the ``return`` entries (negative);
* fees: every other kind, signed as booked (a fee is negative, a refund of one positive);
* payout: all entries added up (what the marketplace pays for the period);
* cogs: the units a sale or return entry carries (WB ``quantity``, YM ``count``), else the
  units of the orders a ``sale`` entry names, less the units a ``return`` entry
  takes back (the return's lines when the returns stream has them, else the whole order),
  at the cost valid on the entry's day; a sale without either counts one unit;
* margin = payout − cogs; margin % = margin / revenue × 100.

A unit whose SKU has no cost valid then leaves cogs and margin unknown (null) and lists the
SKU in ``costs_missing``: a margin is never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, select

from mpsync.analytics.margin import cost_on
from mpsync.analytics.period import Period
from mpsync.display import to_local
from mpsync.finance import FEE_KINDS
from mpsync.finance.store import ENTRIES, ORDERS, RETURNS
from mpsync.store.tables import OrderLine, ProductCost

LINES = OrderLine.__table__  # type: ignore[attr-defined]
COSTS = ProductCost.__table__  # type: ignore[attr-defined]
CENT = Decimal("0.01")
BY = ("sku", "order", "day")
Units = list[tuple[str | None, int]]  # (sku, units), signed


@dataclass
class Figures:
    """Money of one group, in the entries' currency."""

    revenue: Decimal = Decimal(0)
    returns: Decimal = Decimal(0)
    fees: dict[str, Decimal] = field(default_factory=dict)
    payout: Decimal = Decimal(0)
    cogs: Decimal | None = Decimal(0)
    missing: set[str] = field(default_factory=set)
    currencies: set[str] = field(default_factory=set)

    def book(self, kind: str, amount: Decimal, currency: str) -> None:
        self.payout += amount
        self.currencies.add(currency)
        if kind == "sale":
            self.revenue += amount
        elif kind == "return":
            self.returns += amount
        else:
            self.fees[kind] = self.fees.get(kind, Decimal(0)) + amount

    def cost(self, sku: str | None, units: int, unit_cost: Decimal | None) -> None:
        if unit_cost is None:
            self.missing.add(sku or "?")
        elif self.cogs is not None:
            self.cogs += unit_cost * units

    def as_dict(self) -> dict[str, Any]:
        cogs = None if self.missing else self.cogs
        margin = None if cogs is None else self.payout - cogs
        percent = (None if margin is None or not self.revenue
                   else (margin * 100 / self.revenue).quantize(CENT, ROUND_HALF_UP))  # fmt: skip
        currency = sorted(self.currencies)[0] if len(self.currencies) == 1 else (
            "RUB" if not self.currencies else "mixed")  # fmt: skip
        return {
            "currency": currency, "revenue": money(self.revenue), "returns": money(self.returns),
            "payout": money(self.payout), "cogs": money(cogs), "margin": money(margin),
            "margin_pct": None if percent is None else str(percent),
            "fees": {kind: money(self.fees[kind]) for kind in FEE_KINDS if kind in self.fees},
            "costs_missing": sorted(self.missing),
        }  # fmt: skip


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT, ROUND_HALF_UP))


def summary(connection: Connection, period: Period, account: str | None = None,
            by: str | None = None) -> dict[str, Any] | list[dict[str, Any]]:  # fmt: skip
    """The period's figures: one object, or one per SKU / order / day (``by``)."""
    entries = _entries(connection, period, account)
    costs = _costs(connection)
    units = _units(connection, entries)
    groups: dict[str, Figures] = defaultdict(Figures)
    for entry in entries:
        key = _key(entry, by, period)
        groups[key].book(entry["kind"], Decimal(str(entry["amount"])), entry["currency"])
        for sku, count in units.get(entry["id"], ()):
            if by == "sku" and (sku or "") != key:
                groups[sku or ""].cost(sku, count, _cost(costs, sku, entry, period))
                continue
            groups[key].cost(sku, count, _cost(costs, sku, entry, period))
    head = {"period": period.label, "account": account}
    if by is None:
        return {**head, **groups[""].as_dict()}
    return [{**head, by: key or None, **groups[key].as_dict()} for key in sorted(groups)]


def _entries(connection: Connection, period: Period, account: str | None) -> list[dict[str, Any]]:
    """The period's entries; ``order_id`` is the order the store holds now (an entry read
    before its order keeps none in its row)."""
    found = ENTRIES.outerjoin(ORDERS, (ORDERS.c.account_id == ENTRIES.c.account_id)
                              & (ORDERS.c.external_id == ENTRIES.c.order_external_id))  # fmt: skip
    columns = [c for c in ENTRIES.c if c.name != "order_id"]
    inside = (ENTRIES.c.occurred_at >= period.start) & (ENTRIES.c.occurred_at < period.end)
    query = select(*columns, ORDERS.c.id.label("order_id")).select_from(found).where(inside)
    if account is not None:
        query = query.where(ENTRIES.c.account_id == account)
    return [dict(row) for row in connection.execute(query.order_by(ENTRIES.c.id)).mappings()]


def _key(entry: dict[str, Any], by: str | None, period: Period) -> str:
    if by == "sku":
        return str(entry["sku"] or "")
    if by == "order":
        return str(entry["order_external_id"] or "")
    if by == "day":
        return _day(entry, period).isoformat()
    return ""


def _day(entry: dict[str, Any], period: Period) -> date:
    moment: datetime = entry["occurred_at"]
    return to_local(moment, period.zone).date()


def _costs(connection: Connection) -> dict[str, list[tuple[date, Decimal]]]:
    table: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    query = select(COSTS.c.sku, COSTS.c.valid_from, COSTS.c.cost)
    query = query.order_by(COSTS.c.sku, COSTS.c.valid_from)
    for sku, valid_from, cost in connection.execute(query):
        day = valid_from if isinstance(valid_from, date) else date.fromisoformat(str(valid_from))
        table[sku].append((day, Decimal(str(cost))))
    return table


def _cost(costs: dict[str, list[tuple[date, Decimal]]], sku: str | None, entry: dict[str, Any],
          period: Period) -> Decimal | None:  # fmt: skip
    if sku is None or sku not in costs:
        return None
    return cost_on(costs[sku], _day(entry, period))


def _units(connection: Connection,
           entries: list[dict[str, Any]]) -> dict[int, list[tuple[str | None, int]]]:  # fmt: skip
    """Entry id → the (sku, units) its cost counts. An entry with the marketplace's own
    units counts them (signed); otherwise the first sale entry of an order counts the
    order's lines (+), the first return entry the returned lines (−)."""
    firsts: dict[tuple[str, str, str], dict[str, Any]] = {}
    result: dict[int, list[tuple[str | None, int]]] = {}
    sold: dict[tuple[str, str], list[tuple[str | None, int]]] = defaultdict(list)
    for entry in entries:
        if entry["kind"] in ("sale", "return") and entry["quantity"] is not None:
            result[entry["id"]] = [(entry["sku"], int(entry["quantity"]))]
            if entry["kind"] == "sale" and entry["order_external_id"]:
                sold[(entry["account_id"], entry["order_external_id"])].append(
                    (entry["sku"], int(entry["quantity"])))  # fmt: skip
        elif entry["kind"] in ("sale", "return"):
            key = (entry["account_id"], entry["order_external_id"] or f"#{entry['source_id']}",
                   entry["kind"])  # fmt: skip
            firsts.setdefault(key, entry)
    lines = _order_lines(connection, [e["order_id"] for e in firsts.values() if e["order_id"]])
    returned = _returned_lines(connection, firsts.values())
    for (account, order, kind), entry in firsts.items():
        sign = 1 if kind == "sale" else -1
        if kind == "return" and (account, order) in returned:
            found = returned[(account, order)]
        elif entry["order_id"] in lines:
            found = lines[entry["order_id"]]
        elif kind == "return" and (account, order) in sold:
            found = sold[(account, order)]  # the units its sale entries counted
        elif kind == "sale" and (account, order) in sold:
            continue  # counted by its entries already
        else:
            found = [(entry["sku"], 1)]
        result[entry["id"]] = [(sku, sign * count) for sku, count in found]
    return result


def _order_lines(connection: Connection, order_ids: list[int]) -> dict[int, Units]:
    found: dict[int, Units] = defaultdict(list)
    for start in range(0, len(order_ids), 500):
        query = select(LINES.c.order_id, LINES.c.sku, LINES.c.quantity).where(
            LINES.c.order_id.in_(order_ids[start : start + 500]))  # fmt: skip
        for order_id, sku, quantity in connection.execute(query):
            found[order_id].append((sku, int(quantity)))
    return found


def _returned_lines(connection: Connection,
                    entries: Iterable[dict[str, Any]]) -> dict[tuple[str, str], Units]:  # fmt: skip
    wanted = {(e["account_id"], e["order_external_id"]) for e in entries
              if e["kind"] == "return" and e["order_external_id"]}  # fmt: skip
    if not wanted:
        return {}
    query = select(RETURNS.c.account_id, RETURNS.c.order_external_id, RETURNS.c.lines,
                   RETURNS.c.kind).where(
        RETURNS.c.order_external_id.in_(sorted({order for _, order in wanted})))  # fmt: skip
    found: dict[tuple[str, str], list[tuple[str | None, int]]] = defaultdict(list)
    for account, order, lines, kind in connection.execute(query):
        if (account, order) in wanted and lines and kind in ("full", "partial"):
            found[(account, order)] += [(line.get("sku"), int(line.get("quantity") or 0))
                                        for line in lines]  # fmt: skip
    return found


__all__ = ["BY", "ORDERS", "Figures", "summary"]
