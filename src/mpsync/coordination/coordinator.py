"""``Coordinator``: one process's side of sharing a store — its leases, rows and heartbeat.

Every process that runs units of work (the daemon, ``mpsync sync``/``resync``/``db prune``)
has one. It takes and gives back unit leases, renews them and its row leases every third
of the lease, reaps what dead processes left, and hands everything back on a clean exit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection, Engine

from mpsync.coordination import leases, processes, rows
from mpsync.coordination.identity import Identity, label_of
from mpsync.coordination.leases import Held, Lease

log = structlog.get_logger("mpsync.coordination")
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
DEFAULT_TTL = timedelta(seconds=60)
WAIT_STEP = 0.5


def utcnow() -> datetime:
    return datetime.now(UTC)


class CoordinationObserver(Protocol):
    """What the metrics count: work done and skipped per kind, leases taken over."""

    def work_done(self, kind: str) -> None: ...
    def work_skipped(self, kind: str) -> None: ...
    def lease_taken_over(self, kind: str) -> None: ...


def unit_kind(unit: str) -> str:
    """``sync:oz:orders`` → ``sync``; the metrics' label (accounts would multiply series)."""
    return unit.split(":", 1)[0]


def next_due(started: datetime, interval: timedelta, jitter: timedelta = timedelta(0)) -> datetime:
    """When a scheduled unit is due again for the other replicas: once its runner's next
    tick (up to *jitter* late) plus a tenth of the interval has passed without it. Its
    runner keeps its own cadence (the unit sticks to it), so replicas poll no more often
    than one process would, and a dead or busy runner's units go to the others."""
    return started + interval + jitter + interval / 10


class Coordinator:
    """Leases of one process on one store; time is injected, blocking calls run in threads."""

    def __init__(self, engine: Engine, *, ttl: timedelta = DEFAULT_TTL, clock: Clock = utcnow,
                 role: str = "cli", identity: Identity | None = None,
                 observer: CoordinationObserver | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:  # fmt: skip
        self.engine, self.ttl, self.clock, self.role = engine, ttl, clock, role
        self.me = identity or Identity.of_this_process()
        self.observer = observer
        self.sleep = sleep
        self.tasks: Callable[[], dict[str, Any]] | None = None
        self.managed = False  # the daemon runs keep_alive itself, supervised
        self._started_at: datetime | None = None
        self._held: dict[str, Lease] = {}
        self._busy: dict[str, Counter[int]] = {}
        self._beat: asyncio.Task[None] | None = None
        self._beater = ThreadPoolExecutor(1, thread_name_prefix="mpsync-heartbeat")

    @property
    def owner(self) -> str:
        return self.me.owner

    @property
    def every(self) -> float:
        """Seconds between heartbeats: a third of the lease, well inside it."""
        return self.ttl.total_seconds() / 3

    # -- registration and heartbeat ---------------------------------------------------------
    def register(self) -> list[str]:
        """Write this process's row and free what dead processes left; returns the dead."""
        now = self.clock()
        self._started_at = self._started_at or now
        with self.engine.begin() as connection:
            dead = processes.reap(connection, self.me, now=now, ttl=self.ttl)
            processes.beat(connection, self.me, role=self.role, now=now, ttl=self.ttl,
                           tasks=self._tasks(), started_at=self._started_at)  # fmt: skip
        if dead:
            log.warning("freed the work of stopped processes",
                        processes=sorted({label_of(owner) for owner in dead}))  # fmt: skip
        return dead

    def heartbeat(self) -> None:
        """Renew this process's row, its unit leases and its row leases; reap the dead.

        Each step commits on its own: short transactions that never wait on each other
        across replicas (a renewal may wait for this process's own page in flight).
        """
        now = self.clock()
        if self._started_at is None:
            self.register()
            return
        with self.engine.begin() as connection:
            processes.beat(connection, self.me, role=self.role, now=now, ttl=self.ttl,
                           tasks=self._tasks(), started_at=self._started_at)  # fmt: skip
        held = dict(self._held)  # units taken or given back meanwhile are not "lost"
        with self.engine.begin() as connection:
            still = leases.renew_all(connection, self.owner, now=now, ttl=self.ttl)
        busy = {table: set(ids) for table, ids in self._busy.items()}
        with self.engine.begin() as connection:
            rows.renew(connection, self.owner, busy, until=now + self.ttl)
        with self.engine.begin() as connection:
            dead = processes.reap(connection, self.me, now=now, ttl=self.ttl)
        for unit in sorted(set(held) - still):
            if self._held.get(unit) is not held[unit]:
                continue
            self._held.pop(unit, None)
            log.error("lease lost: another process took the unit over; the work stops at "
                      "its next page", unit=unit)  # fmt: skip
        if dead:
            log.warning("freed the work of stopped processes",
                        processes=sorted({label_of(owner) for owner in dead}))  # fmt: skip

    async def keep_alive(self, stop: asyncio.Event) -> None:
        """Heartbeat every third of the lease until *stop* is set.

        On a thread of its own: a busy shared pool (pages waiting on locks) must not
        delay the heartbeat past the lease.
        """
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            await loop.run_in_executor(self._beater, self.heartbeat)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every)

    def _tasks(self) -> dict[str, Any] | None:
        return self.tasks() if self.tasks is not None else None

    def _ensure_beating(self) -> None:
        beat = self._beat
        here = beat is not None and beat.get_loop() is asyncio.get_running_loop()
        if self.managed or (beat is not None and here and not beat.done()):
            return
        stop = asyncio.Event()
        self._beat = asyncio.create_task(self.keep_alive(stop), name="heartbeat")

    # -- units ------------------------------------------------------------------------------
    def try_acquire(self, unit: str, *, respect_due: bool = False,
                    sticky: bool = False) -> Lease | Held:  # fmt: skip
        if self._started_at is None:
            self.register()
        with self.engine.begin() as connection:
            got = leases.acquire(connection, unit, self.owner, now=self.clock(), ttl=self.ttl,
                                 respect_due=respect_due, sticky=sticky)  # fmt: skip
        if isinstance(got, Lease):
            self._held[unit] = got
            if got.taken_over_from is not None:
                log.warning("lease taken over", unit=unit, previous=label_of(got.taken_over_from))
                if self.observer is not None:
                    self.observer.lease_taken_over(unit_kind(unit))
        elif self.observer is not None and not got.not_due:
            self.observer.work_skipped(unit_kind(unit))
        return got

    async def acquire(self, unit: str, *, wait: timedelta | None = None,
                      respect_due: bool = False, sticky: bool = False) -> Lease | Held:  # fmt: skip
        """Take *unit*; if held, retry for up to *wait* (None: answer at once)."""
        deadline = self.clock() + (wait or timedelta(0))
        while True:
            got = await asyncio.to_thread(self.try_acquire, unit, respect_due=respect_due,
                                          sticky=sticky)  # fmt: skip
            if isinstance(got, Lease) or got.not_due or self.clock() >= deadline:
                break
            await self.sleep(WAIT_STEP)
        if isinstance(got, Lease):
            self._ensure_beating()
        return got

    def release(self, lease: Lease, *, due_at: datetime | None = None) -> None:
        self._held.pop(lease.unit, None)
        with self.engine.begin() as connection:
            leases.release(connection, lease, now=self.clock(), due_at=due_at)
        if self.observer is not None:
            self.observer.work_done(unit_kind(lease.unit))

    @contextlib.asynccontextmanager
    async def hold(self, unit: str, *, wait: timedelta | None = None,
                   every: timedelta | None = None, jitter: timedelta = timedelta(0),
                   sticky: bool = True) -> AsyncIterator[Lease | Held]:  # fmt: skip
        """Hold *unit* for the block (yields ``Held`` when another process has it).

        With *every*, the unit runs on a schedule (ticks *every*, up to *jitter* late):
        *sticky*, it stays with the process that ran it while that one keeps its ticks
        (``next_due``); otherwise nobody runs it again before *every* has passed.
        """
        got = await self.acquire(unit, wait=wait, respect_due=every is not None, sticky=sticky)
        if isinstance(got, Held):
            yield got
            return
        try:
            yield got
        finally:
            due = None
            if every is not None:
                due = (
                    next_due(got.acquired_at, every, jitter) if sticky else got.acquired_at + every
                )
            await asyncio.to_thread(self.release, got, due_at=due)

    def fence(self, connection: Connection, lease: Lease) -> None:
        """Inside a transaction doing *lease*'s work: renew it or raise ``LeaseLost``."""
        leases.fence(connection, lease, now=self.clock(), ttl=self.ttl)

    def holds(self, unit: str) -> bool:
        return unit in self._held

    @contextlib.contextmanager
    def working_on(self, table: str, ids: Iterable[int]) -> Iterator[None]:
        """Keep the leases of *ids* (rows of *table* this process claimed) renewed for the
        block; a row dropped by a crash inside the process then expires and is retaken."""
        taken = list(ids)
        busy = self._busy.setdefault(table, Counter())
        busy.update(taken)
        try:
            yield
        finally:
            busy.subtract(taken)
            for row_id in taken:
                if busy[row_id] <= 0:
                    del busy[row_id]

    # -- shutdown ---------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Hand back every unit and row this process holds, and leave the process table."""
        now = self.clock()
        with self.engine.begin() as connection:
            units = leases.release_all(connection, self.owner, now=now)
            handed = rows.release(connection, self.owner, now=now)
            processes.leave(connection, self.me)
        self._held.clear()
        if units or handed:
            log.info("handed back held work", units=units, rows=handed)

    async def aclose(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
            self._beat = None
        if self._started_at is not None:
            await asyncio.to_thread(self.shutdown)
            self._started_at = None
