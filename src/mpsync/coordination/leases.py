"""Units of work held under a lease in the ``leases`` table, on SQLite and PostgreSQL alike.

A unit (``sync:ACCOUNT:STREAM``, ``workflow:RULE``, ``retention``, ``daemon``) has one
holder until its lease expires; the holder renews it (heartbeat, and every page it
commits, which fences out a holder that lost it). Acquiring is serialised per unit: on
PostgreSQL by ``pg_try_advisory_xact_lock`` on a key derived from the store's schema and
the unit (so deployments and test sessions sharing a database never collide), on SQLite
by the write lock every transaction takes first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, func, literal, select, text, update

from mpsync.coordination.identity import label_of
from mpsync.store.tables import Lease as LeaseRow

LEASES: Table = cast(Table, LeaseRow.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Lease:
    """A unit this process holds; ``taken_over_from`` names a holder whose lease ran out."""

    unit: str
    owner: str
    acquired_at: datetime
    taken_over_from: str | None = None


@dataclass(frozen=True)
class Held:
    """A unit another process holds (or that is not due yet): the work is skipped."""

    unit: str
    owner: str | None
    since: datetime | None
    due_at: datetime | None = None

    @property
    def not_due(self) -> bool:
        return self.owner is None

    def __str__(self) -> str:
        if self.owner is None:
            return f"{self.unit} is not due before {_stamp(self.due_at)}"
        return f"held by {label_of(self.owner)} since {_stamp(self.since)}"


class LeaseLost(RuntimeError):
    """The lease of *unit* ran out and another process took the unit over."""

    def __init__(self, unit: str) -> None:
        super().__init__(f"lease on {unit} was lost (another process took it over)")
        self.unit = unit


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "?"


def try_xact_lock(connection: Connection, unit: str) -> bool:
    """Take *unit*'s advisory lock for the rest of this transaction (PostgreSQL); False if
    another transaction holds it. SQLite transactions already exclude each other."""
    if connection.dialect.name != "postgresql":
        return True
    key = func.hashtextextended(func.current_schema() + literal(":") + literal(unit), 0)
    return bool(connection.execute(select(func.pg_try_advisory_xact_lock(key))).scalar_one())


_LOCK_KEYS = text(
    "SELECT COUNT(pg_advisory_xact_lock(key)) FROM ("
    " SELECT hashtextextended(current_schema() || ':' || :space || ':' || name, 0) AS key"
    " FROM unnest(CAST(:names AS text[])) AS name ORDER BY 1) AS ordered"
)


def lock_keys(connection: Connection, space: str, names: Iterable[str]) -> None:
    """Wait for the advisory locks of *names* for the rest of this transaction, in one
    order every writer shares (no deadlock among them). PostgreSQL only: there a page
    read-then-written by a push on one replica and a poll on another would both plan the
    same new order; SQLite transactions already run one at a time."""
    keys = sorted(set(names))
    if connection.dialect.name == "postgresql" and keys:
        connection.execute(_LOCK_KEYS, {"space": space, "names": keys})


def acquire(connection: Connection, unit: str, owner: str, *, now: datetime, ttl: timedelta,
            respect_due: bool = False, sticky: bool = False) -> Lease | Held:  # fmt: skip
    """Take *unit* for *owner* unless a live lease holds it, or (*respect_due*) it is not due
    yet; a *sticky* unit is due at any time for the process that ran it last."""
    if not try_xact_lock(connection, unit):
        return Held(unit, "another process (acquiring)", now)
    query = select(LEASES).where(LEASES.c.unit == unit)
    if connection.dialect.name == "postgresql":
        # Locked: its holder is committing a page under it right now; never wait for that.
        row = connection.execute(query.with_for_update(skip_locked=True)).first()
        if row is None and (busy := connection.execute(query).first()) is not None:
            return Held(unit, busy.owner or "another process", busy.acquired_at or now)
    else:
        row = connection.execute(query).first()
    if row is None:
        values = {"unit": unit, "owner": owner, "acquired_at": now, "expires_at": now + ttl}
        connection.execute(LEASES.insert().values(values))
        return Lease(unit, owner, now)
    if row.owner is not None and (row.owner == owner or row.expires_at > now):
        return Held(unit, row.owner, row.acquired_at)
    mine = sticky and row.last_owner == owner
    if respect_due and not mine and row.due_at is not None and row.due_at > now:
        return Held(unit, None, None, row.due_at)
    connection.execute(
        update(LEASES).where(LEASES.c.unit == unit)
        .values(owner=owner, acquired_at=now, expires_at=now + ttl, released_at=None)
    )  # fmt: skip
    return Lease(unit, owner, now, taken_over_from=row.owner)


def release(connection: Connection, lease: Lease, *, now: datetime,
            due_at: datetime | None = None) -> bool:  # fmt: skip
    """Give *lease* back; *due_at* is when the unit should run next (None: any time)."""
    result = connection.execute(
        update(LEASES)
        .where(LEASES.c.unit == lease.unit, LEASES.c.owner == lease.owner)
        .values(owner=None, expires_at=None, last_owner=lease.owner, released_at=now,
                due_at=due_at)
    )  # fmt: skip
    return result.rowcount == 1


def fence(connection: Connection, lease: Lease, *, now: datetime, ttl: timedelta) -> None:
    """Renew *lease* inside the caller's transaction, or raise ``LeaseLost``.

    The row stays locked until the caller commits, so nobody takes the unit over
    between this check and the work it guards.
    """
    result = connection.execute(
        update(LEASES)
        .where(LEASES.c.unit == lease.unit, LEASES.c.owner == lease.owner)
        .values(expires_at=now + ttl)
    )
    if result.rowcount != 1:
        raise LeaseLost(lease.unit)


def renew_all(connection: Connection, owner: str, *, now: datetime, ttl: timedelta) -> set[str]:
    """Extend every lease *owner* holds; returns the units it still holds.

    A lease locked by the holder's own page in flight is skipped: that page renews it.
    """
    mine = select(LEASES.c.unit).where(LEASES.c.owner == owner)
    if connection.dialect.name == "postgresql":
        free = mine.with_for_update(skip_locked=True).scalar_subquery()
        connection.execute(
            update(LEASES).where(LEASES.c.unit.in_(free)).values(expires_at=now + ttl)
        )
    else:
        connection.execute(
            update(LEASES).where(LEASES.c.owner == owner).values(expires_at=now + ttl)
        )
    return set(connection.execute(mine).scalars())


def release_all(connection: Connection, owner: str, *, now: datetime) -> int:
    """Give back everything *owner* holds (a clean shutdown): due at once for whoever is next."""
    result = connection.execute(
        update(LEASES).where(LEASES.c.owner == owner)
        .values(owner=None, expires_at=None, last_owner=owner, released_at=now, due_at=None)
    )  # fmt: skip
    return int(result.rowcount or 0)


def expire(connection: Connection, owners: list[str], *, now: datetime) -> int:
    """End the leases of processes known to be gone, so others may take their units now."""
    if not owners:
        return 0
    result = connection.execute(
        update(LEASES).where(LEASES.c.owner.in_(owners), LEASES.c.expires_at > now)
        .values(expires_at=now)
    )  # fmt: skip
    return int(result.rowcount or 0)


def holders(connection: Connection, *, now: datetime) -> list[dict[str, Any]]:
    """Units held right now: unit, holder (HOST:PID), since, expires (for ``mpsync status``)."""
    query = (
        select(LEASES.c.unit, LEASES.c.owner, LEASES.c.acquired_at, LEASES.c.expires_at)
        .where(LEASES.c.owner.is_not(None))
        .order_by(LEASES.c.unit)
    )
    return [
        {"unit": row.unit, "holder": label_of(row.owner), "since": row.acquired_at.isoformat(),
         "expires": row.expires_at.isoformat(), "expired": row.expires_at <= now}
        for row in connection.execute(query)
    ]  # fmt: skip
