"""The operator's view of the store: last run per (account, stream) and backlogs.

Used by ``mpsync status``, ``/readyz`` and the demo; it reads, never writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, func, inspect, select

from mpsync.config import Settings
from mpsync.store.tables import DeadLetter, InboxEvent, OutboxMessage, SyncCursor, SyncRun


@dataclass
class StreamStatus:
    account: str
    stream: str
    last_run: str | None
    outcome: str | None
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    synced_until: str | None = None
    error: str | None = None


@dataclass
class StatusReport:
    streams: list[StreamStatus] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)
    initialised: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_EMPTY_BACKLOG = dict.fromkeys(
    ("inbox_pending", "inbox_failed", "outbox_pending", "outbox_failed", "dead_letters_open"), 0
)


def collect_status(engine: Engine, settings: Settings) -> StatusReport:
    if "sync_runs" not in inspect(engine).get_table_names():
        return StatusReport(backlog=dict(_EMPTY_BACKLOG), initialised=False)
    with engine.connect() as connection:
        latest = _latest_runs(connection)
        cursor_table = SyncCursor.__table__  # type: ignore[attr-defined]
        cursors = {
            (c.account_id, c.stream): c.synced_until
            for c in connection.execute(select(cursor_table))
        }
        backlog = _backlog(connection)
    streams = []
    for (account, stream), run in sorted(latest.items()):
        until = cursors.get((account, stream))
        streams.append(
            StreamStatus(
                account=account,
                stream=stream,
                last_run=run.started_at.isoformat(),
                outcome=run.outcome,
                fetched=run.fetched,
                inserted=run.inserted,
                updated=run.updated,
                unchanged=run.unchanged,
                dead_lettered=run.dead_lettered,
                synced_until=until.isoformat() if until else None,
                error=run.error,
            )
        )
    return StatusReport(streams=streams, backlog=backlog)


def _latest_runs(connection: Any) -> dict[tuple[str, str], Any]:
    table = SyncRun.__table__  # type: ignore[attr-defined]
    newest = (
        select(table.c.account_id, table.c.stream, func.max(table.c.id).label("id"))
        .group_by(table.c.account_id, table.c.stream)
        .subquery()
    )
    rows = connection.execute(select(table).join(newest, table.c.id == newest.c.id))
    return {(row.account_id, row.stream): row for row in rows}


def _backlog(connection: Any) -> dict[str, int]:
    def count(model: Any, state: str) -> int:
        table = model.__table__
        query = select(func.count()).select_from(table).where(table.c.state == state)
        return int(connection.execute(query).scalar_one())

    return {
        "inbox_pending": count(InboxEvent, "pending"),
        "inbox_failed": count(InboxEvent, "failed"),
        "outbox_pending": count(OutboxMessage, "pending"),
        "outbox_failed": count(OutboxMessage, "failed"),
        "dead_letters_open": count(DeadLetter, "open"),
    }
