"""``finance reconcile``: the store's payout for a period against the marketplace's own
report, row by row.

The marketplace's report is read again for the period (the same ``finance`` stream, not
stored) and mapped by the account's mapping; where the marketplace publishes totals of its
own (Ozon ``/v3/finance/transaction/totals``) those are compared too. Differences, per
marketplace row: ``missing`` (the report has it, the store has not; ``missing order`` when
the row names an order the store holds no entry of), ``extra`` (the store has it, the
report has not), ``amount differs`` (per kind and operation), ``fee without an order`` (a
fee names an order the store does not hold). Balanced: equal payouts and no difference.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from mpsync.analytics.period import Period
from mpsync.connector.base import Connector, FetchWindow
from mpsync.finance.records import FinanceEntryRecord
from mpsync.finance.summary import _entries, money
from mpsync.mapping import MappingSchema

Key = tuple[str, str]  # (kind, operation)


async def read_report(connector: Connector, mapping: MappingSchema, account_id: str,
                      period: Period) -> tuple[list[FinanceEntryRecord], list[str]]:  # fmt: skip
    """The marketplace's entries of the period, and the rows that failed to map."""
    window = FetchWindow(since=period.start, until=period.end, backfill=True)
    entries: list[FinanceEntryRecord] = []
    failures: list[str] = []
    async for page in connector.fetch("finance", window):
        mapped = mapping.map_page("finance", page.records, account_id)
        records: list[Any] = list(mapped.records)
        entries += [r for r in records if isinstance(r, FinanceEntryRecord)]
        failures += [f.reason for f in mapped.failures]
    inside = [e for e in entries if period.start <= e.occurred_at < period.end]
    return inside, failures


async def marketplace_totals(connector: Connector, period: Period) -> dict[str, Decimal] | None:
    """The marketplace's own totals of the period, where it publishes them."""
    return await connector.finance_totals(period.start, period.end)


def compare(connection: Connection, account_id: str, period: Period,
            report: list[FinanceEntryRecord],
            totals: dict[str, Decimal] | None = None) -> dict[str, Any]:  # fmt: skip
    stored = _entries(connection, period, account_id)
    mine = _by_source((e["source_id"], e["kind"], e["operation"], Decimal(str(e["amount"])),
                       e["order_external_id"]) for e in stored)  # fmt: skip
    theirs = _by_source((e.source_id, e.kind, e.operation, e.amount, e.order_external_id)
                        for e in report)  # fmt: skip
    orders_with_entries = {e["order_external_id"] for e in stored if e["order_external_id"]}
    differences: list[dict[str, Any]] = []
    for source in sorted(set(mine) | set(theirs)):
        differences += _row(source, mine.get(source), theirs.get(source), orders_with_entries)
    differences += [
        {"type": "fee without an order", "source_id": e["source_id"],
         "order": e["order_external_id"], "kind": e["kind"], "operation": e["operation"],
         "store": money(Decimal(str(e["amount"]))), "marketplace": None}
        for e in stored
        if e["kind"] not in ("sale", "return") and e["order_external_id"] and not e["order_id"]
    ]  # fmt: skip
    store_payout = sum((Decimal(str(e["amount"])) for e in stored), Decimal(0))
    report_payout = sum((e.amount for e in report), Decimal(0))
    result: dict[str, Any] = {
        "period": period.label, "account": account_id, "store_payout": money(store_payout),
        "marketplace_payout": money(report_payout),
    }  # fmt: skip
    if totals is not None:
        total = sum(totals.values(), Decimal(0))
        result["marketplace_totals"] = {k: money(v) for k, v in totals.items()}
        result["marketplace_total"] = money(total)
        if total != store_payout:
            differences.append({"type": "total differs", "source_id": None, "order": None,
                                "kind": None, "operation": None, "store": money(store_payout),
                                "marketplace": money(total)})  # fmt: skip
    result["balanced"] = not differences and store_payout == report_payout
    result["differences"] = differences
    return result


def _by_source(rows: Any) -> dict[str, dict[Key, tuple[Decimal, str | None]]]:
    found: dict[str, dict[Key, tuple[Decimal, str | None]]] = defaultdict(dict)
    for source, kind, operation, amount, order in rows:
        before, _ = found[source].get((kind, operation), (Decimal(0), order))
        found[source][(kind, operation)] = (before + amount, order)
    return found


def _row(source: str, mine: dict[Key, tuple[Decimal, str | None]] | None,
         theirs: dict[Key, tuple[Decimal, str | None]] | None,
         orders: set[str]) -> list[dict[str, Any]]:  # fmt: skip
    if mine == theirs:
        return []
    if mine is None and theirs is not None:
        order = next(iter(theirs.values()))[1]
        kind = "missing order" if order and order not in orders else "missing"
        return [{"type": kind, "source_id": source, "order": order, "kind": k, "operation": op,
                 "store": None, "marketplace": money(amount)}
                for (k, op), (amount, _) in sorted(theirs.items())]  # fmt: skip
    if theirs is None and mine is not None:
        return [{"type": "extra", "source_id": source, "order": order, "kind": k,
                 "operation": op, "store": money(amount), "marketplace": None}
                for (k, op), (amount, order) in sorted(mine.items())]  # fmt: skip
    assert mine is not None and theirs is not None
    rows = []
    for key in sorted(set(mine) | set(theirs)):
        have, want = mine.get(key), theirs.get(key)
        if (have and have[0]) != (want and want[0]):
            order = (want or have or (Decimal(0), None))[1]
            rows.append({"type": "amount differs", "source_id": source, "order": order,
                         "kind": key[0], "operation": key[1],
                         "store": money(have[0]) if have else None,
                         "marketplace": money(want[0]) if want else None})  # fmt: skip
    return rows
