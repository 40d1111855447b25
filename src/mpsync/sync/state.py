"""Cursors and run records: where each (account, stream) stands, and what runs did.

Small synchronous helpers; the service calls them in worker threads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.config import Settings
from mpsync.domain import TERMINAL_STATUSES
from mpsync.store.tables import Account, Order, SyncCursor, SyncRun
from mpsync.store.upsert import bulk_upsert

CURSORS = SyncCursor.__table__  # type: ignore[attr-defined]
RUNS = SyncRun.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
OPEN_IDS_LIMIT = 100_000


@dataclass(frozen=True)
class CursorState:
    synced_until: datetime | None
    window: dict[str, Any] | None


def ensure_accounts(engine: Engine, settings: Settings, now: datetime) -> None:
    rows = [
        {"id": a.id, "marketplace": a.marketplace, "created_at": now} for a in settings.accounts
    ]
    if rows:
        with engine.begin() as connection:
            bulk_upsert(connection, ACCOUNTS, rows, ["id"], compare=["marketplace"],
                        update=["marketplace"], returning=None)  # fmt: skip


def read_cursor(engine: Engine, account_id: str, stream: str) -> CursorState:
    with engine.connect() as connection:
        row = connection.execute(
            select(CURSORS.c.synced_until, CURSORS.c.window).where(
                CURSORS.c.account_id == account_id, CURSORS.c.stream == stream
            )
        ).one_or_none()
    return CursorState(row.synced_until, row.window) if row else CursorState(None, None)


def save_cursor(connection: Connection, account_id: str, stream: str, *, now: datetime,
                synced_until: datetime | None = None, window: dict[str, Any] | None = None,
                keep_until: bool = True) -> None:  # fmt: skip
    """Write the cursor inside the caller's transaction (the page's or the run's end)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {"account_id": account_id, "stream": stream, "synced_until": synced_until,
              "window": window, "updated_at": now}  # fmt: skip
    statement = dialect.insert(CURSORS).values(values)
    changes: dict[str, Any] = {"window": statement.excluded.window, "updated_at": now}
    if not keep_until or synced_until is not None:
        changes["synced_until"] = statement.excluded.synced_until
    connection.execute(
        statement.on_conflict_do_update(index_elements=["account_id", "stream"], set_=changes)
    )


def delete_cursor(connection: Connection, account_id: str, stream: str) -> None:
    connection.execute(
        CURSORS.delete().where(CURSORS.c.account_id == account_id, CURSORS.c.stream == stream)
    )


def open_order_ids(engine: Engine, account_id: str) -> list[str]:
    """External ids of orders not yet in a final status (for status refresh)."""
    final = sorted(s.value for s in TERMINAL_STATUSES)
    query = (
        select(ORDERS.c.external_id)
        .where(ORDERS.c.account_id == account_id)
        .where((ORDERS.c.status.is_(None)) | (ORDERS.c.status.not_in(final)))
        .order_by(ORDERS.c.id)
        .limit(OPEN_IDS_LIMIT)
    )
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def start_run(engine: Engine, account_id: str, stream: str, kind: str, now: datetime, *,
              owner: str | None = None) -> int:  # fmt: skip
    """Record a run *owner* starts while it holds the (kind, account, stream) lease.

    Holding the lease proves no other run of this kind is alive, so one of another process
    still marked running was cut short (crash, kill -9). Runs of other kinds — the daemon's
    sync beside a ``resync`` — keep their own outcome.
    """
    with engine.begin() as connection:
        others = RUNS.c.owner.is_(None) | (RUNS.c.owner != owner)
        connection.execute(
            update(RUNS)
            .where(RUNS.c.account_id == account_id, RUNS.c.stream == stream,
                   RUNS.c.kind == kind, RUNS.c.outcome == "running", others)
            .values(outcome="interrupted", finished_at=now)
        )  # fmt: skip
        result = connection.execute(
            RUNS.insert().values(run_id=uuid.uuid4().hex[:12], account_id=account_id,
                                 stream=stream, kind=kind, started_at=now, outcome="running",
                                 owner=owner)
        )  # fmt: skip
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_run(engine: Engine, run_id: int, *, outcome: str, counts: Any, now: datetime,
               error: str | None) -> None:  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            update(RUNS).where(RUNS.c.id == run_id).values(
                outcome=outcome, finished_at=now, fetched=counts.fetched,
                inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged,
                dead_lettered=counts.dead_lettered, error=error[:1000] if error else None,
            )
        )  # fmt: skip


def zero_unlisted(connection: Connection, account_id: str, listed_since: datetime,
                  now: datetime) -> int:  # fmt: skip
    """After a complete stock read: rows it did not list go to zero; returns how many.

    *listed_since* is when the read began (a resumed read keeps its first start), so
    rows listed by its earlier, interrupted part count as listed.
    """
    from mpsync.store.tables import StockLevel

    stock = StockLevel.__table__  # type: ignore[attr-defined]
    unlisted = (stock.c.seen_at.is_(None)) | (stock.c.seen_at < listed_since)
    result = connection.execute(
        update(stock)
        .where(stock.c.account_id == account_id, unlisted,
               (stock.c.on_hand != 0) | (stock.c.reserved != 0))
        .values(on_hand=0, reserved=0, updated_at=now)
    )  # fmt: skip
    return int(result.rowcount or 0)


def rate_limited_until(engine: Engine, account_id: str, stream: str) -> datetime | None:
    """T when the latest sync run of (account, stream) ended "rate-limited until T"."""
    from mpsync.connector.http import parse_until

    query = (
        select(RUNS.c.outcome, RUNS.c.error)
        .where(RUNS.c.account_id == account_id, RUNS.c.stream == stream, RUNS.c.kind == "sync",
               RUNS.c.outcome != "running")
        .order_by(RUNS.c.id.desc())
        .limit(1)
    )  # fmt: skip
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return parse_until(row.error) if row is not None and row.outcome == "rate_limited" else None
