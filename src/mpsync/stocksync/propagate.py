"""One propagation: plan, push each account's changed figures in one connector call (the
connector splits them into the marketplace's batch sizes), keep every push and its answer,
and tell the seller what needs them (an item at 0 everywhere, a guard refusal, a push the
marketplace refused). ``mpsync stock sync`` and the daemon's stock job call ``propagate``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from mpsync.catalog.resolve import read_bindings
from mpsync.config import Settings
from mpsync.connector.base import Connector, StockUpdate, WriteResult
from mpsync.domain.events import EventKind
from mpsync.stocksync.plan import PlanRow, StockPlan, build_plan
from mpsync.stocksync.pushlog import PushRecords, answer_of
from mpsync.sync.events import Event, record_events


@dataclass
class Propagation:
    plan: StockPlan
    sent: list[PlanRow] = field(default_factory=list)
    failed: dict[tuple[str, str, str], str] = field(default_factory=dict)
    requests: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "planned": len(self.plan.rows),
            "pushed": len(self.sent),
            "failed": len(self.failed),
            "refused_accounts": sorted(self.plan.refused),
        }


async def propagate(
    engine: Engine,
    settings: Settings,
    connectors: Mapping[str, Connector],
    *,
    now: datetime,
    force: bool = False,
) -> Propagation:
    """Plan and push; returns what was sent and what the marketplaces refused."""
    intervals = {a: c.stock_pair_interval for a, c in connectors.items()}
    plan = await asyncio.to_thread(
        build_plan, engine, settings, now=now, intervals=intervals, force=force
    )
    result = Propagation(plan)
    by_account: dict[str, list[PlanRow]] = {}
    for row in plan.pushes:
        by_account.setdefault(row.account, []).append(row)
    for account, rows in by_account.items():
        connector = connectors.get(account)
        if connector is None or "push_stock" not in connector.capabilities.actions:
            for row in rows:
                result.failed[(account, row.sku, row.warehouse)] = (
                    "the account takes no stock pushes"
                )
            continue
        await _push_account(engine, connector, rows, result, now)
    await asyncio.to_thread(_tell, engine, settings, result, now)
    return result


async def _push_account(
    engine: Engine, connector: Connector, rows: list[PlanRow], result: Propagation, now: datetime
) -> None:
    account = connector.account.id
    bindings = await asyncio.to_thread(
        read_bindings, engine, account, sorted({r.sku for r in rows})
    )
    needed = connector.push_ids.get("push_stock", ())
    ready: list[tuple[PlanRow, Mapping[str, str]]] = []
    unbound: list[tuple[PlanRow, Mapping[str, str]]] = []
    for row in rows:
        ids = bindings[row.sku].ids if row.sku in bindings else {}
        (ready if ids and all(n in ids for n in needed) else unbound).append((row, ids))
    answers: dict[PlanRow, WriteResult] = {}
    for row, _ in unbound:
        answers[row] = WriteResult(
            False,
            f"SKU {row.sku} is not bound to the marketplace ids "
            f"a stock push needs ({', '.join(needed) or 'any'})",
        )
    if ready:
        updates = [StockUpdate(r.sku, r.warehouse, r.target, ids=ids) for r, ids in ready]
        answer = await answer_of(connector.push_stock(updates))
        refused = _refused_skus(answer)
        for row, _ in ready:
            own = (
                answer
                if not answer.ok and (refused is None or row.sku in refused)
                else WriteResult(True, answer.message if answer.ok else "")
            )
            answers[row] = own
    for row, answer in answers.items():
        if answer.ok:
            result.sent.append(row)
        else:
            result.failed[(account, row.sku, row.warehouse)] = answer.message
    ids_of = {row.sku: ids for row, ids in ready}
    await asyncio.to_thread(_record, engine, account, answers, ids_of, now)


def _refused_skus(answer: WriteResult) -> set[str] | None:
    """The SKUs a partly refused push names (Ozon's ``rejected`` rows, unbound SKUs); None:
    the answer does not say, so every row of the call shares it."""
    if answer.ok:
        return set()
    rejected = answer.details.get("rejected")
    if isinstance(rejected, list) and rejected:
        skus = {str(r.get("offer_id")) for r in rejected if isinstance(r, dict)}
        return skus or None
    unbound = answer.details.get("unbound")
    return set(unbound) if isinstance(unbound, list) and unbound else None


def _record(
    engine: Engine,
    account: str,
    answers: Mapping[PlanRow, WriteResult],
    ids_of: Mapping[str, Mapping[str, str]],
    now: datetime,
) -> None:
    """Every push into the log; the last one per key for the read-back (``stock list``)."""
    records = PushRecords(account, "stock", now)
    for row, answer in answers.items():
        records.add(row.sku, row.warehouse, {"available": row.target}, ids_of.get(row.sku, {}),
                    row.reason, answer)  # fmt: skip
    records.save(engine)


def _tell(engine: Engine, settings: Settings, result: Propagation, now: datetime) -> None:
    """Events (and the notifications rules ask for): guard refusals, refused pushes, items
    at 0 on every channel."""
    events = [
        Event(
            f"stock.guard:{account}:{now:%Y-%m-%dT%H}",
            EventKind.STOCK_GUARD_REFUSED,
            account,
            None,
            {"account": account, "message": message},
        )
        for account, message in result.plan.refused.items()
    ]
    for (account, sku, warehouse), message in result.failed.items():
        events.append(
            Event(
                f"stock.push_refused:{account}:{sku}:{warehouse}:{now:%Y-%m-%dT%H}",
                EventKind.STOCK_PUSH_REFUSED,
                account,
                None,
                {"account": account, "sku": sku, "warehouse": warehouse, "message": message[:500]},
            )
        )
    events += _out_everywhere(result, now)
    if events:
        with engine.begin() as connection:
            _record_events(connection, settings, events, now)


def _out_everywhere(result: Propagation, now: datetime) -> list[Event]:
    """Items whose pushes this run take the last channel offering them to 0."""
    zeroed = {row.item for row in result.sent if row.target == 0}
    events = []
    for item in sorted(zeroed):
        if result.plan.figures.get(item, 1) > 0:
            continue  # still on hand: a buffer or a cap holds it back, not sold out
        accounts = sorted({a for a, _ in result.plan.links.items.get(item, [])})
        events.append(
            Event(
                f"stock.out_everywhere:{item}:{now:%Y-%m-%d}",
                EventKind.STOCK_OUT_EVERYWHERE,
                accounts[0] if accounts else "",
                None,
                {"item": item, "accounts": accounts},
            )
        )
    return events


def _record_events(
    connection: Connection, settings: Settings, events: list[Event], now: datetime
) -> None:
    record_events(connection, settings, events, now=now, notify=True)
