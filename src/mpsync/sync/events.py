"""Domain events and the outbox rows they ask for, written in the page's transaction.

An event's key is deterministic, so a replayed page adds neither event nor message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from mpsync.config import Settings
from mpsync.store.rows import execute_rows
from mpsync.store.tables import DomainEvent
from mpsync.store.upsert import insert_new_statement

EVENTS = DomainEvent.__table__  # type: ignore[attr-defined]
_COLUMNS = ("key", "kind", "account_id", "order_id", "payload", "created_at")


@dataclass(frozen=True)
class Event:
    key: str
    kind: str
    account_id: str
    order_id: int | None
    payload: dict[str, Any]


def record_events(
    connection: Connection,
    settings: Settings | None,
    events: Sequence[Event],
    *,
    now: datetime,
    notify: bool,
) -> int:
    """Insert *events* (new keys only); plan notifications for the new ones. Returns count.

    The keys already stored are read first (one indexed query per 900 keys), so the
    new events go in as one ``executemany``; a key another writer adds in between is
    skipped by ``ON CONFLICT`` and its notifications by the outbox's dedupe key.
    """
    if not events:
        return 0
    unique = list({e.key: e for e in events}.values())
    keys = [e.key for e in unique]
    stored: set[str] = set()
    for start in range(0, len(keys), 900):
        query = select(EVENTS.c.key).where(EVENTS.c.key.in_(keys[start : start + 900]))
        stored.update(connection.execute(query).scalars())
    new = [e for e in unique if e.key not in stored]
    rows = [(e.key, e.kind, e.account_id, e.order_id, e.payload, now) for e in new]
    statement = insert_new_statement(connection.dialect.name, EVENTS, ("key",))
    execute_rows(connection, statement, _COLUMNS, rows)
    if notify and settings is not None and new:
        _plan(connection, settings, new, now)
    return len(new)


def _plan(
    connection: Connection, settings: Settings, events: Sequence[Event], now: datetime
) -> None:
    from mpsync.notify.outbox import NewMessage, enqueue_many
    from mpsync.notify.rules import plan_notifications

    messages = [
        NewMessage(dedupe_key, channel, event.kind, event.payload)
        for event in events
        for channel, dedupe_key in plan_notifications(
            settings, event.kind, event.payload, event_key=event.key
        )
    ]
    enqueue_many(connection, messages, now)
