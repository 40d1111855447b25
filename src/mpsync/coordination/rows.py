"""Row leases: outbox, push and write-back rows name the process that holds them.

A held row (``sending`` / ``processing`` / ``pending`` write-back) carries its holder and
an expiry. The heartbeat renews the rows a worker is busy with (one statement per
table); a row its worker dropped (a crash inside the process) is not renewed and is
taken again when its lease runs out. A clean shutdown hands rows back; rows of a process
known to be gone expire at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Connection, Table, case, update

from mpsync.domain.events import RowState
from mpsync.store.tables import OutboxMessage, ReceivedPush, WriteBack


@dataclass(frozen=True)
class RowLease:
    """Where a table keeps a row lease: the state that means held, and the expiry column."""

    table: Table
    held: str
    expiry: str
    released: dict[str, Any]

    @property
    def expiry_column(self) -> Column[Any]:
        return self.table.c[self.expiry]


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


ROW_LEASES = {
    # A message handed back before it was sent goes out with the next dispatch.
    "outbox": RowLease(
        _table(OutboxMessage), RowState.SENDING, "next_attempt_at", {"state": RowState.PENDING}
    ),
    "pushes": RowLease(
        _table(ReceivedPush), RowState.PROCESSING, "next_attempt_at", {"state": RowState.PENDING}
    ),
    # A write-back stays pending: whoever takes it next checks the marketplace first.
    "write_backs": RowLease(_table(WriteBack), RowState.PENDING, "lease_until", {}),
}


def _held_by(lease: RowLease, owners: Sequence[str]) -> Any:
    table = lease.table
    return (table.c.state == lease.held) & table.c.lease_owner.in_(list(owners))


def renew(connection: Connection, owner: str, busy: Mapping[str, Collection[int]], *,
          until: datetime) -> int:  # fmt: skip
    """Extend the leases of the rows (ids per table) *owner*'s workers are busy with."""
    renewed = 0
    for name, ids in busy.items():
        if not ids:
            continue
        lease = ROW_LEASES[name]
        # Never earlier than the claimer set it (its clock may run ahead: the demo's does).
        later = case((lease.expiry_column < until, until), else_=lease.expiry_column)
        result = connection.execute(
            update(lease.table)
            .where(_held_by(lease, [owner]), lease.table.c.id.in_(sorted(ids)))
            .values({lease.expiry: later})
        )
        renewed += int(result.rowcount or 0)
    return renewed


def release(connection: Connection, owner: str, *, now: datetime) -> int:
    """Hand back every row *owner* holds, due now (a clean shutdown)."""
    released = 0
    for lease in ROW_LEASES.values():
        values = {**lease.released, lease.expiry: now, "lease_owner": None}
        result = connection.execute(
            update(lease.table).where(_held_by(lease, [owner])).values(values)
        )
        released += int(result.rowcount or 0)
    return released


def expire(connection: Connection, owners: Sequence[str], *, now: datetime) -> int:
    """Let the rows of processes known to be gone be taken again now."""
    if not owners:
        return 0
    expired = 0
    for lease in ROW_LEASES.values():
        result = connection.execute(
            update(lease.table)
            .where(_held_by(lease, owners), lease.expiry_column > now)
            .values({lease.expiry: now})
        )
        expired += int(result.rowcount or 0)
    return expired
