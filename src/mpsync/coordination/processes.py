"""The ``processes`` table: who is alive on this store, and what is left of who is not.

Each process writes its row at start and on every heartbeat (with its supervised tasks'
state, which ``mpsync status`` shows). A process whose pid is gone from this very machine
(a ``kill -9`` then a restart) is dead for certain: its leases and rows are freed at once.
Elsewhere nobody can tell a dead process from a slow one, so its leases and rows simply
run out (each renewed by its own holder); once its heartbeat is long gone its row is
dropped and its runs still marked running are interrupted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.coordination import leases, rows
from mpsync.coordination.identity import Identity, label_of, pid_alive
from mpsync.store.tables import ProcessRecord, SyncRun

STALE = 10  # leases of silence after which a process elsewhere is taken for dead
PROCESSES: Table = cast(Table, ProcessRecord.__table__)  # type: ignore[attr-defined]
RUNS: Table = cast(Table, SyncRun.__table__)  # type: ignore[attr-defined]


def beat(connection: Connection, me: Identity, *, role: str, now: datetime, ttl: timedelta,
         tasks: dict[str, Any] | None, started_at: datetime) -> None:  # fmt: skip
    """Insert or refresh this process's row."""
    values = {"owner": me.owner, "node": me.node, "pid": me.pid, "role": role,
              "started_at": started_at, "heartbeat_at": now, "expires_at": now + ttl,
              "tasks": tasks}  # fmt: skip
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PROCESSES).values(values)
    changes = {"heartbeat_at": now, "expires_at": now + ttl, "tasks": statement.excluded.tasks}
    connection.execute(statement.on_conflict_do_update(index_elements=["owner"], set_=changes))


def leave(connection: Connection, me: Identity) -> None:
    connection.execute(delete(PROCESSES).where(PROCESSES.c.owner == me.owner))


def gone(connection: Connection, me: Identity, *, now: datetime,
         ttl: timedelta) -> tuple[list[str], list[str]]:  # fmt: skip
    """(dead for certain: pid gone from this node; silent for ``STALE`` leases elsewhere)."""
    query = select(PROCESSES.c.owner, PROCESSES.c.node, PROCESSES.c.pid,
                   PROCESSES.c.expires_at).where(PROCESSES.c.owner != me.owner)  # fmt: skip
    certain, silent = [], []
    for row in connection.execute(query):
        if row.node == me.node and row.pid != me.pid and not pid_alive(row.pid):
            certain.append(str(row.owner))
        elif row.expires_at <= now - STALE * ttl:
            silent.append(str(row.owner))
    return certain, silent


def reap(connection: Connection, me: Identity, *, now: datetime, ttl: timedelta) -> list[str]:
    """Free what dead processes held; returns their owners. One reaper at a time: the
    others skip (they would only wait for the same updates)."""
    if not leases.try_xact_lock(connection, "reap"):
        return []
    certain, silent = gone(connection, me, now=now, ttl=ttl)
    dead = certain + silent
    if not dead:
        return []
    leases.expire(connection, certain, now=now)
    rows.expire(connection, certain, now=now)
    connection.execute(
        update(RUNS).where(RUNS.c.outcome == "running", RUNS.c.owner.in_(dead))
        .values(outcome="interrupted", finished_at=now,
                error="the process running it stopped (crash or kill)")
    )  # fmt: skip
    connection.execute(delete(PROCESSES).where(PROCESSES.c.owner.in_(dead)))
    return dead


def alive(connection: Connection, *, now: datetime) -> list[dict[str, Any]]:
    """Live processes with their supervised tasks (for ``mpsync status``)."""
    query = select(PROCESSES).where(PROCESSES.c.expires_at > now).order_by(PROCESSES.c.started_at)
    return [
        {"process": label_of(row.owner), "role": row.role,
         "started": row.started_at.isoformat(), "heartbeat": row.heartbeat_at.isoformat(),
         "tasks": dict(row.tasks or {})}
        for row in connection.execute(query)
    ]  # fmt: skip
