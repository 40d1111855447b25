"""Auto-confirm: claim a ``write_backs`` row per new order, call the marketplace, record it.

Claiming commits before any call (the unique (order_id, action) makes it once) and puts
the row under this process's lease; calls run outside any transaction; a failure is
retried on later runs up to a bound. A row still ``pending`` when its lease ran out was
left by a crash, maybe after the marketplace took the call: it is taken again as a
``verify`` claim, and the order is read back before anything is called twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.connector.base import Connector, OrderRef, WriteResult
from mpsync.domain.events import RowState
from mpsync.domain.status import OrderStatus
from mpsync.workflow.payloads import ORDERS, WRITE_BACKS, chunks

ACTION = "confirm"
MAX_ATTEMPTS = 3
BATCH = 200
CONCURRENCY = 4
log = structlog.get_logger("mpsync.workflow")


@dataclass(frozen=True)
class Claim:
    """A write-back this run owns: the row, the order's account and how to find it.

    ``verify``: a crash left the row pending; read the order back before calling again.
    """

    write_back_id: int
    order_id: int
    account_id: str
    ref: OrderRef
    verify: bool = False


@dataclass(frozen=True)
class Holder:
    """Who claims, and for how long (``coordination.lease``; the heartbeat renews it)."""

    owner: str
    lease: timedelta


def claim(connection: Connection, account_ids: Sequence[str], *, now: datetime,
          holder: Holder, limit: int = BATCH) -> list[Claim]:  # fmt: skip
    """New orders' rows, failed rows still under the bound, and rows a crash left pending."""
    if not account_ids:
        return []
    until = now + holder.lease
    owned = _insert_new(connection, account_ids, now, limit, holder.owner, until)
    owned.update(_retake(connection, account_ids, _failed_due(account_ids), holder, until))
    left = _retake(connection, account_ids, _crash_left(now), holder, until)
    owned.update(left)
    return _claims(connection, owned, set(left))


def _new_orders(account_ids: Sequence[str]) -> Any:
    return (ORDERS.c.status == OrderStatus.NEW) & ORDERS.c.account_id.in_(list(account_ids))


def _insert_new(connection: Connection, account_ids: Sequence[str], now: datetime,
                limit: int, owner: str, until: datetime) -> dict[int, int]:  # fmt: skip
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
        {"order_id": order_id, "action": ACTION, "state": RowState.PENDING, "attempts": 0,
         "message": None, "created_at": now, "finished_at": None, "lease_owner": owner,
         "lease_until": until}
        for order_id in order_ids
    ]  # fmt: skip
    return {row.id: row.order_id for row in connection.execute(statement, rows)}


def _failed_due(account_ids: Sequence[str]) -> Any:
    still_new = select(ORDERS.c.id).where(_new_orders(account_ids))
    return (
        (WRITE_BACKS.c.state == RowState.FAILED)
        & (WRITE_BACKS.c.attempts < MAX_ATTEMPTS)
        & WRITE_BACKS.c.order_id.in_(still_new)
    )


def _crash_left(now: datetime) -> Any:
    # Rows from before leases existed have none: they count as left once old enough.
    expired = WRITE_BACKS.c.lease_until.is_(None) | (WRITE_BACKS.c.lease_until <= now)
    return (WRITE_BACKS.c.state == RowState.PENDING) & expired


def _retake(connection: Connection, account_ids: Sequence[str], condition: Any,
            holder: Holder, until: datetime) -> dict[int, int]:  # fmt: skip
    """Put the rows matching *condition* under *holder*'s lease (rows another replica is
    taking right now are skipped)."""
    of_accounts = select(ORDERS.c.id).where(ORDERS.c.account_id.in_(list(account_ids)))
    query = (
        select(WRITE_BACKS.c.id)
        .where(WRITE_BACKS.c.action == ACTION, condition, WRITE_BACKS.c.order_id.in_(of_accounts))
        .order_by(WRITE_BACKS.c.id)
        .limit(BATCH)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(connection.execute(query).scalars())
    if not ids:
        return {}
    statement = (
        update(WRITE_BACKS)
        .where(WRITE_BACKS.c.id.in_(ids))
        .values(state=RowState.PENDING, lease_owner=holder.owner, lease_until=until)
        .returning(WRITE_BACKS.c.id, WRITE_BACKS.c.order_id)
    )
    return {row.id: row.order_id for row in connection.execute(statement)}


def _claims(connection: Connection, owned: dict[int, int], verify: set[int]) -> list[Claim]:
    by_order = {order_id: wb_id for wb_id, order_id in owned.items()}
    found: list[Claim] = []
    columns = (ORDERS.c.id, ORDERS.c.account_id, ORDERS.c.external_id, ORDERS.c.group_key,
               ORDERS.c.marketplace_status, ORDERS.c.raw)  # fmt: skip
    for chunk in chunks(sorted(by_order)):
        for row in connection.execute(select(*columns).where(ORDERS.c.id.in_(chunk))):
            ref = OrderRef(row.external_id, row.group_key, row.marketplace_status, row.raw or {})
            wb_id = by_order[row.id]
            found.append(Claim(wb_id, row.id, row.account_id, ref, wb_id in verify))
    return found


def not_new(connection: Connection, claims: Sequence[Claim]) -> dict[int, str]:
    """Of *claims*, the orders the store no longer has as ``new``: order id → status."""
    query = select(ORDERS.c.id, ORDERS.c.status).where(
        ORDERS.c.id.in_([item.order_id for item in claims]),
        ORDERS.c.status.is_(None) | (ORDERS.c.status != "new"),
    )
    return {row.id: str(row.status) for row in connection.execute(query)}


def settled_elsewhere(status: str) -> WriteResult:
    """The outcome of a crash-left claim whose order already left ``new``: not called again."""
    ok = status not in ("cancelled", "returned")
    return WriteResult(ok, f"found {status} at the marketplace after an interrupted confirm; "
                           "not called again", {"settled": status})  # fmt: skip


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


def record(connection: Connection, results: Sequence[tuple[Claim, WriteResult]], *,
           now: datetime, owner: str) -> None:  # fmt: skip
    """Finish the claimed rows: state ok/failed/skipped, the marketplace's message,
    attempts + 1 — only rows still under *owner*'s lease (a lost lease is another's now)."""
    if not results:
        return
    statement = (
        update(WRITE_BACKS)
        .where(
            WRITE_BACKS.c.id == bindparam("_id"),
            WRITE_BACKS.c.lease_owner == owner,
            WRITE_BACKS.c.state == RowState.PENDING,
        )
        .values(
            state=bindparam("_state"),
            message=bindparam("_message"),
            attempts=WRITE_BACKS.c.attempts + 1,
            finished_at=bindparam("_finished", type_=WRITE_BACKS.c.finished_at.type),
            lease_owner=None,
            lease_until=None,
        )
    )
    rows = [
        {"_id": item.write_back_id, "_state": _state(result), "_message": result.message or None,
         "_finished": now}
        for item, result in results
    ]  # fmt: skip
    connection.execute(statement, rows)


def _state(result: WriteResult) -> str:
    if "settled" in result.details:
        return "ok" if result.ok else "skipped"
    return "ok" if result.ok else "failed"
