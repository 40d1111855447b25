"""Time-driven order rules: ship-by SLA warnings and completion after the return window.

Both run inside the caller's transaction and return the events they recorded;
selections exclude what was already done, so a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.config import Settings
from mpsync.domain.events import EventKind
from mpsync.domain.status import OrderState, OrderStatus, StatusUpdate, apply_update
from mpsync.sync.events import Event, record_events
from mpsync.workflow.payloads import (
    CHANGES,
    EVENTS,
    ORDERS,
    load_lines,
    order_key,
    order_row_payload,
    orders_query,
)

SLA_KIND = EventKind.ORDER_SLA_WARNING
SLA_STATUSES = (OrderStatus.NEW.value, OrderStatus.CONFIRMED.value)


def warn_sla(connection: Connection, settings: Settings, *, now: datetime) -> int:
    """``order.sla_warning`` once per new/confirmed order whose ship-by is near or past.

    ``ship_by`` is the real deadline (for a marketplace that gives a ship-by *day*, the end
    of it, as the mapping reads it), so the warning comes ``sla_warning_before`` ahead of it.
    The payload's ``order.deadline_passed`` says whether it had already passed when the
    warning was decided: the message then says so instead of "is about to".
    """
    warned = select(EVENTS.c.id).where(
        (EVENTS.c.order_id == ORDERS.c.id) & (EVENTS.c.kind == SLA_KIND)
    )
    query = orders_query().where(
        ORDERS.c.status.in_(SLA_STATUSES),
        ORDERS.c.ship_by.is_not(None),
        ORDERS.c.ship_by <= now + settings.workflow.sla_warning_before,
        ~warned.exists(),
    )
    rows = connection.execute(query).all()
    if not rows:
        return 0
    lines = load_lines(connection, [row.id for row in rows])
    events = [
        Event(
            order_key(row, SLA_KIND),
            SLA_KIND,
            row.account_id,
            row.id,
            _sla_payload(row, lines, now),
        )
        for row in rows
    ]
    return record_events(connection, settings, events, now=now, notify=True)


def _sla_payload(row: Any, lines: dict[int, list[Any]], now: datetime) -> dict[str, Any]:
    payload = order_row_payload(row, lines.get(row.id, []), SLA_KIND)
    payload["order"]["deadline_passed"] = row.ship_by <= now
    return payload


def _state(seen: dict[str, Any] | None) -> OrderState:
    observed = {OrderStatus(k): datetime.fromisoformat(v) for k, v in (seen or {}).items()}
    return OrderState(observed)


def _seen_json(state: OrderState) -> dict[str, str]:
    return {status.value: at.isoformat() for status, at in sorted(state.seen.items())}


def complete_delivered(connection: Connection, settings: Settings, *, now: datetime) -> int:
    """Move delivered orders past the return window to ``completed`` (source ``rule``)."""
    window: timedelta = settings.workflow.return_window
    query = orders_query().where(
        ORDERS.c.status == OrderStatus.DELIVERED.value, ORDERS.c.status_at <= now - window
    )
    if connection.dialect.name == "postgresql":
        # Replicas split the work: a row another transaction is completing is skipped.
        query = query.with_for_update(of=ORDERS, skip_locked=True)
    planned: list[tuple[Any, OrderState]] = []
    for row in connection.execute(query):
        state, transitions = apply_update(
            _state(row.status_seen), StatusUpdate(OrderStatus.COMPLETED, now)
        )
        if transitions and state.status == OrderStatus.COMPLETED:
            planned.append((row, state))
    if not planned:
        return 0
    _update_status(connection, planned, now)
    rows = [row for row, _ in planned]
    _insert_history(connection, rows, now)
    return record_events(connection, settings, _completed_events(connection, rows), now=now,
                         notify=True)  # fmt: skip


def _update_status(
    connection: Connection, planned: Sequence[tuple[Any, OrderState]], now: datetime
) -> None:
    """One executemany UPDATE; the ``delivered`` guard keeps a concurrent move intact."""
    statement = (
        update(ORDERS)
        .where(ORDERS.c.id == bindparam("_id"), ORDERS.c.status == OrderStatus.DELIVERED.value)
        .values(
            status=OrderStatus.COMPLETED.value,
            status_at=bindparam("_at", type_=ORDERS.c.status_at.type),
            status_seen=bindparam("_seen", type_=ORDERS.c.status_seen.type),
            confirmed_at=bindparam("_confirmed", type_=ORDERS.c.confirmed_at.type),
            shipped_at=bindparam("_shipped", type_=ORDERS.c.shipped_at.type),
            updated_at=now,
        )
    )
    rows = [
        {"_id": row.id, "_at": state.status_at, "_seen": _seen_json(state),
         "_confirmed": state.milestones[0], "_shipped": state.milestones[1]}
        for row, state in planned
    ]  # fmt: skip
    connection.execute(statement, rows)


def _insert_history(connection: Connection, rows: Sequence[Any], now: datetime) -> None:
    changes = [
        {"order_id": row.id, "from_status": OrderStatus.DELIVERED.value,
         "to_status": OrderStatus.COMPLETED.value, "marketplace_status": row.marketplace_status,
         "at": now, "source": "rule", "recorded_at": now}
        for row in rows
    ]  # fmt: skip
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(CHANGES).on_conflict_do_nothing(), changes)


def _completed_events(connection: Connection, rows: Sequence[Any]) -> list[Event]:
    lines = load_lines(connection, [row.id for row in rows])
    suffix = f"{OrderStatus.DELIVERED.value}>{OrderStatus.COMPLETED.value}"
    events = []
    for row in rows:
        payload = order_row_payload(row, lines.get(row.id, []), EventKind.ORDER_STATUS_CHANGED)
        payload["order"].update({
            "from_status": OrderStatus.DELIVERED.value,
            "previous_status": OrderStatus.DELIVERED.value,
            "status": OrderStatus.COMPLETED.value,
        })  # fmt: skip
        events.append(Event(order_key(row, suffix), EventKind.ORDER_STATUS_CHANGED, row.account_id,
                            row.id, payload))  # fmt: skip
    return events
