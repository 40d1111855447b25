"""The operator's view of the store: last run per (account, stream) and backlogs.

Used by ``mpsync status``, ``/readyz`` and the demo; it reads, never writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, inspect, select

from mpsync.config import Settings
from mpsync.connector.http import parse_until
from mpsync.coordination import holders, processes
from mpsync.domain.events import RowState
from mpsync.store.tables import DeadLetter, OutboxMessage, ReceivedPush, SyncCursor, SyncRun


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
    last_success: str | None = None
    # ok | failing (the last run failed) | overdue (no success for 3 poll intervals)
    # | never (configured, never synced) | rate_limited (the marketplace asked to wait
    # beyond timeout.max_server_wait: the stream runs again after rate_limited_until)
    # | unavailable (the account's plan or key does not offer the stream)
    health: str = "ok"
    rate_limited_until: str | None = None


OVERDUE_INTERVALS = 3
OVERDUE_GRACE = timedelta(minutes=2)


@dataclass
class StatusReport:
    streams: list[StreamStatus] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)
    initialised: bool = True
    # Live mpsync processes on this store, each with its supervised tasks' state.
    processes: list[dict[str, Any]] = field(default_factory=list)
    # Units of work held right now: unit, holder (HOST:PID), since, expires.
    leases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unhealthy(self) -> list[StreamStatus]:
        """Streams an operator should look at: failing, overdue or never synced (a stream
        rate-limited until a moment the marketplace named is waiting, not failing; one the
        account's plan does not offer is "unavailable", not a problem)."""
        return [s for s in self.streams if s.health not in ("ok", "rate_limited", "unavailable")]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_EMPTY_BACKLOG = dict.fromkeys(
    ("pushes_pending", "pushes_failed", "outbox_pending", "outbox_failed", "dead_letters_open"), 0
)


def collect_status(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> StatusReport:
    """Last run and health per (account, stream): every configured one, and any other
    the store has runs for (an account since removed from the config, say)."""
    tables = set(inspect(engine).get_table_names())
    if "sync_runs" not in tables:
        return StatusReport(backlog=dict(_EMPTY_BACKLOG), initialised=False)
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        latest = _latest_runs(connection)
        successes = _last_successes(connection)
        cursor_table = SyncCursor.__table__  # type: ignore[attr-defined]
        cursors = {
            (c.account_id, c.stream): c.synced_until
            for c in connection.execute(select(cursor_table))
        }
        backlog = _backlog(connection)
        live, held = ([], []) if "leases" not in tables else (  # not upgraded yet
            processes.alive(connection, now=now), holders(connection, now=now))  # fmt: skip
    intervals = _configured(settings)
    streams = []
    for account, stream in sorted(set(latest) | set(intervals)):
        run, until = latest.get((account, stream)), cursors.get((account, stream))
        success = successes.get((account, stream))
        status = StreamStatus(
            account=account,
            stream=stream,
            last_run=run.started_at.isoformat() if run else None,
            outcome=run.outcome if run else None,
            synced_until=until.isoformat() if until else None,
            last_success=success.isoformat() if success else None,
        )
        if run is not None:
            status.fetched, status.inserted, status.updated = run.fetched, run.inserted, run.updated
            status.unchanged, status.dead_lettered = run.unchanged, run.dead_lettered
            status.error = run.error
        status.health = _health(run, success, intervals.get((account, stream)), now)
        until = (
            parse_until(run.error) if run is not None and run.outcome == "rate_limited" else None
        )
        if until is not None:
            status.rate_limited_until = until.isoformat()
            if until > now:  # waiting as the marketplace asked, until then
                status.health = "rate_limited"
        streams.append(status)
    return StatusReport(streams=streams, backlog=backlog, processes=live, leases=held)


def _configured(settings: Settings) -> dict[tuple[str, str], timedelta]:
    """(account, stream) → poll interval, for every enabled account's streams."""
    from mpsync.connector.registry import UnknownConnectorError, load_connector

    found = {}
    for account in settings.accounts:
        if not account.enabled:
            continue
        try:
            streams = load_connector(account.marketplace).capabilities.streams
        except UnknownConnectorError:  # `check` reports it; status shows what ran
            continue
        for stream in streams:
            interval = getattr(account.poll, stream, None)
            if interval is not None:  # finance and returns: only when scheduled (poll.*)
                found[(account.id, stream)] = interval
    return found


def _health(run: Any, success: datetime | None, interval: timedelta | None,
            now: datetime) -> str:  # fmt: skip
    if run is None:
        return "never" if interval is not None else "ok"
    if run.outcome == "failed":
        return "failing"
    if run.outcome == "unavailable":  # e.g. Ozon reviews without the subscription
        return "unavailable"
    if interval is None or run.outcome == "running":
        return "ok"
    late = success is None or now - success > OVERDUE_INTERVALS * interval + OVERDUE_GRACE
    return "overdue" if late else "ok"


def _last_successes(connection: Any) -> dict[tuple[str, str], datetime]:
    table = SyncRun.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.account_id, table.c.stream, func.max(table.c.started_at))
        .where(table.c.outcome == "ok")
        .group_by(table.c.account_id, table.c.stream)
    )
    return {(a, s): at for a, s, at in connection.execute(query)}


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
        "pushes_pending": count(ReceivedPush, RowState.PENDING),
        "pushes_failed": count(ReceivedPush, RowState.FAILED),
        "outbox_pending": count(OutboxMessage, RowState.PENDING),
        "outbox_failed": count(OutboxMessage, RowState.FAILED),
        "dead_letters_open": count(DeadLetter, "open"),
    }
