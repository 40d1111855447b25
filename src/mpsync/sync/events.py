"""Domain events and the outbox rows they ask for, written in the page's transaction.

An event's key is deterministic, so a replayed page adds neither event nor message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.config import Settings
from mpsync.store.tables import DomainEvent

EVENTS = DomainEvent.__table__  # type: ignore[attr-defined]


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
    """Insert *events* (new keys only); plan notifications for the new ones. Returns count."""
    if not events:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(EVENTS)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(EVENTS.c.key)
    )
    rows = [
        {"key": e.key, "kind": e.kind, "account_id": e.account_id, "order_id": e.order_id,
         "payload": e.payload, "created_at": now, "handled_at": None}
        for e in events
    ]  # fmt: skip
    new_keys = {row[0] for row in connection.execute(statement, rows)}
    if notify and settings is not None and new_keys:
        _plan(connection, settings, [e for e in events if e.key in new_keys], now)
    return len(new_keys)


def _plan(
    connection: Connection, settings: Settings, events: Sequence[Event], now: datetime
) -> None:
    from mpsync.notify.outbox import enqueue
    from mpsync.notify.rules import plan_notifications

    for event in events:
        for channel, dedupe_key in plan_notifications(
            settings, event.kind, event.payload, event_key=event.key
        ):
            enqueue(
                connection, dedupe_key=dedupe_key, channel=channel, event_kind=event.kind,
                payload=event.payload, now=now,
            )  # fmt: skip
