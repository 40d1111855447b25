"""The transactional outbox: enqueue inside the caller's transaction, claim, mark.

Rows move pending → sending → sent | pending (retry) | failed; a ``sending`` row
whose lease (``next_attempt_at``) has passed is claimable again (at-least-once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Engine, Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.domain.events import RowState
from mpsync.store.rows import execute_rows
from mpsync.store.tables import OutboxMessage
from mpsync.store.upsert import insert_new_statement

OUTBOX: Table = cast(Table, OutboxMessage.__table__)  # type: ignore[attr-defined]
CLAIMABLE = (RowState.PENDING, RowState.SENDING)
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class ClaimedMessage:
    """One outbox row taken for delivery; ``attempts`` is the fencing token of this claim."""

    id: int
    dedupe_key: str
    channel: str
    event_kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class NewMessage:
    """A message to deliver once: the dedupe key makes a second enqueue a no-op."""

    dedupe_key: str
    channel: str
    event_kind: str
    payload: dict[str, Any]


_NEW_COLUMNS = ("dedupe_key", "channel", "event_kind", "payload", "state", "attempts",
                "next_attempt_at", "created_at")  # fmt: skip


def enqueue(
    connection: Connection,
    *,
    dedupe_key: str,
    channel: str,
    event_kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Insert an outbox row unless its dedupe key exists; return whether it was new."""
    values = {
        "dedupe_key": dedupe_key,
        "channel": channel,
        "event_kind": event_kind,
        "payload": payload,
        "state": RowState.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(OUTBOX).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = connection.execute(statement.returning(OUTBOX.c.id))
    return result.first() is not None


def enqueue_many(connection: Connection, messages: Sequence[NewMessage], now: datetime) -> None:
    """``enqueue`` for a page's worth of messages in one ``executemany``."""
    statement = insert_new_statement(connection.dialect.name, OUTBOX, ("dedupe_key",))
    rows = [(m.dedupe_key, m.channel, m.event_kind, m.payload, RowState.PENDING, 0, now, now)
            for m in messages]  # fmt: skip
    execute_rows(connection, statement, _NEW_COLUMNS, rows)


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Pending rows whose time has come, and sending rows whose lease expired."""
    return and_(OUTBOX.c.state.in_(CLAIMABLE), OUTBOX.c.next_attempt_at <= now)


def select_due(
    connection: Connection,
    condition: ColumnElement[bool],
    *,
    limit: int,
) -> list[int]:
    """Ids of due rows matching *condition*, locked (SKIP LOCKED) on PostgreSQL."""
    query = (
        select(OUTBOX.c.id)
        .where(condition)
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [int(row_id) for row_id in connection.execute(query).scalars()]


def take(
    connection: Connection,
    ids: Sequence[int],
    *,
    now: datetime,
    lease: timedelta,
    owner: str | None = None,
) -> list[ClaimedMessage]:
    """Mark *ids* as sending under *owner*'s lease; return them with their new attempt count."""
    if not ids:
        return []
    connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(ids))
        .values(
            state=RowState.SENDING,
            attempts=OUTBOX.c.attempts + 1,
            next_attempt_at=now + lease,
            lease_owner=owner,
        )
    )
    rows = connection.execute(select(OUTBOX).where(OUTBOX.c.id.in_(ids)).order_by(OUTBOX.c.id))
    return [
        ClaimedMessage(
            id=row.id,
            dedupe_key=row.dedupe_key,
            channel=row.channel,
            event_kind=row.event_kind,
            payload=dict(row.payload or {}),
            attempts=row.attempts,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _own_claim(message: ClaimedMessage) -> ColumnElement[bool]:
    # A claim whose lease expired may have been taken again; then the newer claim owns it.
    return and_(
        OUTBOX.c.id == message.id,
        OUTBOX.c.state == RowState.SENDING,
        OUTBOX.c.attempts == message.attempts,
    )


def mark_sent(connection: Connection, message: ClaimedMessage, *, now: datetime) -> bool:
    result = connection.execute(
        update(OUTBOX)
        .where(_own_claim(message))
        .values(state=RowState.SENT, sent_at=now, last_error=None, lease_owner=None)
    )
    return result.rowcount == 1


def mark_retry(
    connection: Connection, message: ClaimedMessage, *, at: datetime, error: str
) -> bool:
    result = connection.execute(
        update(OUTBOX)
        .where(_own_claim(message))
        .values(
            state=RowState.PENDING,
            next_attempt_at=at,
            last_error=error[:MAX_ERROR_CHARS],
            lease_owner=None,
        )
    )
    return result.rowcount == 1


def mark_failed(connection: Connection, message: ClaimedMessage, *, error: str) -> bool:
    result = connection.execute(
        update(OUTBOX)
        .where(_own_claim(message))
        .values(state=RowState.FAILED, last_error=error[:MAX_ERROR_CHARS], lease_owner=None)
    )
    return result.rowcount == 1


def oldest_due(connection: Connection, condition: ColumnElement[bool]) -> datetime | None:
    """The creation time of the oldest row matching *condition*, if any."""
    value = connection.execute(select(func.min(OUTBOX.c.created_at)).where(condition)).scalar()
    return cast(datetime | None, value)


def kinds_condition(channel: str, kinds: Sequence[str]) -> ColumnElement[bool]:
    return and_(OUTBOX.c.channel == channel, OUTBOX.c.event_kind.in_(kinds))


def any_of(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    return or_(*conditions) if conditions else None


def list_outbox(
    engine: Engine, *, state: str = RowState.FAILED, limit: int = 50
) -> list[dict[str, Any]]:
    """Outbox rows in *state*, newest first, without payloads (for ``mpsync status``)."""
    columns = [
        OUTBOX.c[name]
        for name in ("id", "dedupe_key", "channel", "event_kind", "state", "attempts")
    ]
    times = [OUTBOX.c.created_at, OUTBOX.c.next_attempt_at, OUTBOX.c.sent_at]
    query = (
        select(*columns, *times, OUTBOX.c.last_error)
        .where(OUTBOX.c.state == state)
        .order_by(OUTBOX.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
