"""Retention: delete bookkeeping rows that have done their job, so the store stops growing.

What goes, once older than ``store.retention``:

* received pushes already processed (``done``): a push replayed after that is applied again,
  which changes nothing (upserts, and events deduplicated by their key);
* outbox rows already ``sent``: their events stay, so nothing is sent twice;
* sync runs, except the newest and the newest successful one per (account, stream),
  which ``mpsync status`` and the metrics report.

Orders, their history, domain events, invoices, failed push/outbox rows and open dead
letters are kept: they are the CRM's record or still need an operator.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from mpsync.domain.events import RowState
from mpsync.store.tables import OutboxMessage, ReceivedPush, SyncRun

PUSHES = ReceivedPush.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
RUNS = SyncRun.__table__  # type: ignore[attr-defined]


async def prune_exclusive(engine: Engine, *, now: datetime, keep: timedelta,
                          lease: timedelta) -> dict[str, int] | str:  # fmt: skip
    """``prune`` under the ``retention`` lease, as the daemons take it (``mpsync db prune``);
    while another process prunes, waits up to one *lease*, then returns who holds it."""
    from mpsync.coordination import Coordinator, Held

    coordinator = Coordinator(engine, ttl=lease)
    try:
        async with coordinator.hold("retention", wait=lease) as held:
            if isinstance(held, Held):
                return str(held)
            return await asyncio.to_thread(prune, engine, now=now, keep=keep)
    finally:
        await coordinator.aclose()


def prune(engine: Engine, *, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete what ``keep`` no longer covers; returns rows deleted per table."""
    cutoff = now - keep
    with engine.begin() as connection:
        pushes = connection.execute(
            delete(PUSHES).where(PUSHES.c.state == RowState.DONE, PUSHES.c.processed_at < cutoff)
        ).rowcount
        outbox = connection.execute(
            delete(OUTBOX).where(OUTBOX.c.state == RowState.SENT, OUTBOX.c.sent_at < cutoff)
        ).rowcount
        newest = select(func.max(RUNS.c.id)).group_by(RUNS.c.account_id, RUNS.c.stream)
        newest_ok = (
            select(func.max(RUNS.c.id))
            .where(RUNS.c.outcome == "ok")
            .group_by(RUNS.c.account_id, RUNS.c.stream)
        )
        runs = connection.execute(
            delete(RUNS).where(
                RUNS.c.started_at < cutoff,
                RUNS.c.id.not_in(newest),
                RUNS.c.id.not_in(newest_ok),
            )
        ).rowcount
    return {"pushes": pushes, "outbox": outbox, "sync_runs": runs}
