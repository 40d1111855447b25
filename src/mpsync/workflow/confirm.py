"""Auto-confirm: claim a ``write_backs`` row per new order, call the marketplace, record it.

Claiming commits before any call (the unique (order_id, action) makes it once);
calls run outside any transaction; a failure is retried on later runs up to a bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.connector.base import Connector, OrderRef, WriteResult
from mpsync.workflow.payloads import ORDERS, WRITE_BACKS, chunks

ACTION = "confirm"
MAX_ATTEMPTS = 3
BATCH = 200
CONCURRENCY = 4
log = structlog.get_logger("mpsync.workflow")


@dataclass(frozen=True)
class Claim:
    """A write-back this run owns: the row, the order's account and how to find it."""

    write_back_id: int
    order_id: int
    account_id: str
    ref: OrderRef


def claim(
    connection: Connection, account_ids: Sequence[str], *, now: datetime, limit: int = BATCH
) -> list[Claim]:
    """Pending rows for new orders without one, plus failed rows still under the bound."""
    if not account_ids:
        return []
    owned = _insert_new(connection, account_ids, now, limit)
    owned.update(_reclaim_failed(connection, account_ids))
    return _claims(connection, owned)


def _new_orders(account_ids: Sequence[str]) -> Any:
    return (ORDERS.c.status == "new") & ORDERS.c.account_id.in_(list(account_ids))


def _insert_new(
    connection: Connection, account_ids: Sequence[str], now: datetime, limit: int
) -> dict[int, int]:
    taken = select(WRITE_BACKS.c.id).where(
        (WRITE_BACKS.c.order_id == ORDERS.c.id) & (WRITE_BACKS.c.action == ACTION)
    )
    query = (
        select(ORDERS.c.id)
        .where(_new_orders(account_ids), ~taken.exists())
        .order_by(ORDERS.c.created_at, ORDERS.c.id)
        .limit(limit)
    )
    order_ids = list(connection.execute(query).scalars())
    if not order_ids:
        return {}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(WRITE_BACKS)
        .on_conflict_do_nothing(index_elements=["order_id", "action"])
        .returning(WRITE_BACKS.c.id, WRITE_BACKS.c.order_id)
    )
    rows = [
        {"order_id": order_id, "action": ACTION, "state": "pending", "attempts": 0,
         "message": None, "created_at": now, "finished_at": None}
        for order_id in order_ids
    ]  # fmt: skip
    return {row.id: row.order_id for row in connection.execute(statement, rows)}


def _reclaim_failed(connection: Connection, account_ids: Sequence[str]) -> dict[int, int]:
    still_new = select(ORDERS.c.id).where(_new_orders(account_ids))
    statement = (
        update(WRITE_BACKS)
        .where(
            WRITE_BACKS.c.action == ACTION,
            WRITE_BACKS.c.state == "failed",
            WRITE_BACKS.c.attempts < MAX_ATTEMPTS,
            WRITE_BACKS.c.order_id.in_(still_new),
        )
        .values(state="pending")
        .returning(WRITE_BACKS.c.id, WRITE_BACKS.c.order_id)
    )
    return {row.id: row.order_id for row in connection.execute(statement)}


def _claims(connection: Connection, owned: dict[int, int]) -> list[Claim]:
    by_order = {order_id: wb_id for wb_id, order_id in owned.items()}
    found: list[Claim] = []
    columns = (ORDERS.c.id, ORDERS.c.account_id, ORDERS.c.external_id, ORDERS.c.group_key,
               ORDERS.c.marketplace_status, ORDERS.c.raw)  # fmt: skip
    for chunk in chunks(sorted(by_order)):
        for row in connection.execute(select(*columns).where(ORDERS.c.id.in_(chunk))):
            ref = OrderRef(row.external_id, row.group_key, row.marketplace_status, row.raw or {})
            found.append(Claim(by_order[row.id], row.id, row.account_id, ref))
    return found


async def perform(
    claims: Sequence[Claim], connector_for: Callable[[str], Connector]
) -> list[tuple[Claim, WriteResult]]:
    """Call ``confirm`` for every claim (a few at a time); an exception becomes a failure."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(item: Claim) -> tuple[Claim, WriteResult]:
        async with gate:
            return item, await _confirm(connector_for(item.account_id), item)

    return list(await asyncio.gather(*(one(item) for item in claims)))


async def _confirm(connector: Connector, item: Claim) -> WriteResult:
    try:
        return await connector.confirm(item.ref)
    except Exception as exc:  # noqa: BLE001 - recorded on the write-back row, not swallowed
        message = str(exc) or type(exc).__name__
        log.warning("confirm failed", account=item.account_id, order=item.ref.external_id,
                    error=message)  # fmt: skip
        return WriteResult(False, message, {"error": type(exc).__name__})


def record(
    connection: Connection, results: Sequence[tuple[Claim, WriteResult]], *, now: datetime
) -> None:
    """Finish the claimed rows: state ok/failed, the marketplace's message, attempts + 1."""
    if not results:
        return
    statement = (
        update(WRITE_BACKS)
        .where(WRITE_BACKS.c.id == bindparam("_id"))
        .values(
            state=bindparam("_state"),
            message=bindparam("_message"),
            attempts=WRITE_BACKS.c.attempts + 1,
            finished_at=bindparam("_finished", type_=WRITE_BACKS.c.finished_at.type),
        )
    )
    rows = [
        {"_id": item.write_back_id, "_state": "ok" if result.ok else "failed",
         "_message": result.message or None, "_finished": now}
        for item, result in results
    ]  # fmt: skip
    connection.execute(statement, rows)


def stuck(connection: Connection, *, before: datetime) -> int:
    """Pending rows claimed before *before* and never finished (a crash mid-call)."""
    query = select(func.count()).where(
        WRITE_BACKS.c.action == ACTION,
        WRITE_BACKS.c.state == "pending",
        WRITE_BACKS.c.finished_at.is_(None),
        WRITE_BACKS.c.created_at < before,
    )
    return int(connection.execute(query).scalar_one())
