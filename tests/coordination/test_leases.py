"""Leases on units of work: one holder at a time, takeover after expiry, fencing, reaping.

Runs on SQLite and PostgreSQL (``store`` fixture); time is injected, nothing sleeps.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from mpsync.coordination import Coordinator, Held, Identity, Lease, LeaseLost, next_due
from mpsync.coordination.processes import PROCESSES, STALE
from mpsync.sync import state

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def coordinator(store: Engine, clock: Clock, identity: Identity | None = None) -> Coordinator:
    return Coordinator(store, ttl=TTL, clock=clock, identity=identity)


def test_one_holder_at_a_time_and_the_other_sees_who_and_since(store: Engine) -> None:
    clock = Clock()
    first, second = coordinator(store, clock), coordinator(store, clock)
    lease = first.try_acquire("sync:oz:orders")
    assert isinstance(lease, Lease) and lease.taken_over_from is None
    clock.now += timedelta(seconds=10)
    held = second.try_acquire("sync:oz:orders")
    assert isinstance(held, Held)
    assert str(held) == f"held by {first.me.label} since 2026-11-01T12:00:00Z"
    # The holder itself does not get it twice either.
    assert isinstance(first.try_acquire("sync:oz:orders"), Held)
    # Another unit is free.
    assert isinstance(second.try_acquire("sync:oz:stock"), Lease)
    first.release(lease)
    assert isinstance(second.try_acquire("sync:oz:orders"), Lease)


def test_an_expired_lease_is_taken_over_and_fences_out_its_old_holder(store: Engine) -> None:
    clock = Clock()
    first, second = coordinator(store, clock), coordinator(store, clock)
    old = first.try_acquire("sync:oz:orders")
    assert isinstance(old, Lease)
    clock.now += TTL - timedelta(seconds=1)
    assert isinstance(second.try_acquire("sync:oz:orders"), Held)
    clock.now += timedelta(seconds=2)  # one second past the lease
    new = second.try_acquire("sync:oz:orders")
    assert isinstance(new, Lease)
    assert new.taken_over_from == first.owner
    with store.begin() as connection, pytest.raises(LeaseLost):
        first.fence(connection, old)
    with store.begin() as connection:
        second.fence(connection, new)  # the new holder renews
    clock.now += TTL - timedelta(seconds=1)
    assert isinstance(first.try_acquire("sync:oz:orders"), Held)


def test_heartbeat_keeps_a_lease_and_notices_one_lost(store: Engine) -> None:
    clock = Clock()
    first, second = coordinator(store, clock), coordinator(store, clock)
    lease = first.try_acquire("workflow:invoices")
    assert isinstance(lease, Lease)
    for _ in range(5):  # five minutes of heartbeats a third of the lease apart
        clock.now += TTL / 3
        first.heartbeat()
        second.heartbeat()
        assert isinstance(second.try_acquire("workflow:invoices"), Held)
    assert first.holds("workflow:invoices")
    clock.now += TTL * 2  # the holder stalled past its lease
    assert isinstance(second.try_acquire("workflow:invoices"), Lease)
    first.heartbeat()
    assert not first.holds("workflow:invoices")


def test_a_scheduled_unit_stays_with_its_runner_until_that_one_misses_a_tick(
    store: Engine,
) -> None:
    clock, interval, jitter = Clock(), timedelta(minutes=1), timedelta(seconds=5)
    first, second = coordinator(store, clock), coordinator(store, clock)

    async def tick(who: Coordinator) -> bool:
        async with who.hold("sync:oz:orders", every=interval, jitter=jitter) as lease:
            return isinstance(lease, Lease)

    assert asyncio.run(tick(first))
    clock.now += timedelta(seconds=20)  # another replica's tick in the same interval
    assert not asyncio.run(tick(second))
    clock.now = T0 + interval - jitter  # the runner's next tick, as early as jitter allows
    assert not asyncio.run(tick(second))
    assert asyncio.run(tick(first))
    started = clock.now
    assert next_due(started, interval, jitter) == started + timedelta(seconds=71)
    clock.now = started + timedelta(seconds=70)  # the runner missed its tick (dead, busy)...
    assert not asyncio.run(tick(second))
    clock.now = started + timedelta(seconds=71)  # ...and the others take the unit
    assert asyncio.run(tick(second))


def test_retention_waits_its_interval_whoever_ran_it(store: Engine) -> None:
    clock, hour = Clock(), timedelta(hours=1)
    first, second = coordinator(store, clock), coordinator(store, clock)

    async def tick(who: Coordinator) -> bool:
        async with who.hold("retention", every=hour, sticky=False) as lease:
            return isinstance(lease, Lease)

    assert asyncio.run(tick(first))
    clock.now += timedelta(minutes=59)
    assert not asyncio.run(tick(first)) and not asyncio.run(tick(second))
    clock.now = T0 + hour
    assert asyncio.run(tick(second))


def test_waiting_for_a_held_unit_gives_up_after_the_wait(store: Engine) -> None:
    clock = Clock()
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock.now += timedelta(seconds=seconds)

    first = coordinator(store, clock)
    second = Coordinator(store, ttl=TTL, clock=clock, sleep=sleep)
    assert isinstance(first.try_acquire("resync:oz:orders"), Lease)
    held = asyncio.run(second.acquire("resync:oz:orders", wait=timedelta(seconds=5)))
    assert isinstance(held, Held)
    assert sum(waited) == pytest.approx(5.0)


def test_runs_keep_their_outcome_until_their_process_is_gone(store: Engine) -> None:
    clock = Clock()
    daemon, cli = coordinator(store, clock), coordinator(store, clock)
    daemon.register()
    cli.register()
    synced = state.start_run(store, "oz", "orders", "sync", T0, owner=daemon.owner)
    resynced = state.start_run(store, "oz", "orders", "resync", T0, owner=cli.owner)
    assert _outcomes(store) == {synced: "running", resynced: "running"}
    # The CLI keeps beating, the daemon is silent: a lease later it may just be slow...
    clock.now += TTL + timedelta(seconds=1)
    cli.heartbeat()
    assert _outcomes(store) == {synced: "running", resynced: "running"}
    # ...ten leases later it is gone, and its run is over.
    clock.now += STALE * TTL
    cli.heartbeat()
    assert _outcomes(store) == {synced: "interrupted", resynced: "running"}


def test_a_dead_process_on_this_machine_is_reaped_without_waiting(store: Engine) -> None:
    clock = Clock()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    here = Identity.of_this_process()
    dead = Identity(here.host, child.pid, "deadbeef", here.node)
    gone = coordinator(store, clock, dead)
    lease = gone.try_acquire("sync:oz:orders")
    assert isinstance(lease, Lease)
    survivor = coordinator(store, clock)
    assert survivor.register() == [dead.owner]
    taken = survivor.try_acquire("sync:oz:orders")
    assert isinstance(taken, Lease) and taken.taken_over_from == dead.owner
    with store.connect() as connection:
        owners = set(connection.execute(select(PROCESSES.c.owner)).scalars())
    assert owners == {survivor.owner}


def test_a_process_elsewhere_is_trusted_until_its_lease_runs_out(store: Engine) -> None:
    clock = Clock()
    remote = Identity("other-host", 1, "0badc0de", "other-host|pid:[1]")
    coordinator(store, clock, remote).try_acquire("sync:oz:orders")
    local = coordinator(store, clock)
    assert local.register() == []
    assert isinstance(local.try_acquire("sync:oz:orders"), Held)
    clock.now += TTL
    assert isinstance(local.try_acquire("sync:oz:orders"), Lease)


def test_shutdown_hands_back_every_unit(store: Engine) -> None:
    clock = Clock()
    first, second = coordinator(store, clock), coordinator(store, clock)
    for unit in ("daemon", "sync:oz:orders", "workflow:invoices"):
        assert isinstance(first.try_acquire(unit), Lease)
    first.shutdown()
    for unit in ("daemon", "sync:oz:orders", "workflow:invoices"):
        assert isinstance(second.try_acquire(unit), Lease)


def test_postgres_advisory_keys_come_from_the_schema(store: Engine) -> None:
    """Two deployments in one database (or two test sessions) never share a lock key."""
    if store.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    from mpsync.coordination import try_xact_lock

    with store.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    key = text("SELECT hashtextextended(:name, 0)")
    with store.begin() as mine, store.connect() as other:
        assert try_xact_lock(mine, "retention")
        ours = other.execute(key, {"name": f"{schema}:retention"}).scalar_one()
        theirs = other.execute(key, {"name": "another_schema:retention"}).scalar_one()
        taken = other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ours}).scalar_one()
        assert taken is False  # held by the transaction above
        free = other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": theirs}).scalar_one()
        assert free is True
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": theirs})
        other.commit()


def _outcomes(store: Engine) -> dict[int, str]:
    with store.connect() as connection:
        rows = connection.execute(text("SELECT id, outcome FROM sync_runs")).all()
    return {int(row[0]): str(row[1]) for row in rows}


def test_rows_are_renewed_while_worked_on_and_handed_back_at_shutdown(store: Engine) -> None:
    clock = Clock()
    me = coordinator(store, clock)
    me.register()
    until = T0 + TTL
    with store.begin() as connection:
        connection.execute(text(
            "INSERT INTO pushes (account_id, dedupe_key, kind, state, attempts, next_attempt_at,"
            " received_at, lease_owner) VALUES ('oz', 'a', 'push', 'processing', 0, :until, :t,"
            " :me), ('oz', 'b', 'push', 'processing', 0, :until, :t, :me)"),
            {"until": until, "t": T0, "me": me.owner})  # fmt: skip
        ids = [
            int(i) for i in connection.execute(text("SELECT id FROM pushes ORDER BY id")).scalars()
        ]
    clock.now += TTL / 2
    with me.working_on("pushes", ids[:1]):
        me.heartbeat()  # renews the row being worked on, not the one dropped
    with store.connect() as connection:
        rows = connection.execute(text("SELECT dedupe_key, next_attempt_at FROM pushes "
                                       "ORDER BY id")).all()  # fmt: skip
    expiry = {key: datetime.fromisoformat(str(at)).replace(tzinfo=UTC) for key, at in rows}
    assert expiry == {"a": clock.now + TTL, "b": until}
    me.shutdown()
    with store.connect() as connection:
        states = connection.execute(text("SELECT state, lease_owner FROM pushes")).all()
    assert [tuple(row) for row in states] == [("pending", None), ("pending", None)]
