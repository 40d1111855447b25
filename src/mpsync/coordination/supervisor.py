"""Supervised background work: a task that raises is logged once, counted, restarted.

Long-running tasks (the push loop, each dispatcher, the HTTP server, the heartbeat) are
restarted with capped exponential back-off; scheduler jobs are skipped during theirs.
While any is down the daemon is not ready (``/readyz`` answers 503), and the process's
row in the store carries each task's state for ``mpsync status``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

log = structlog.get_logger("mpsync.supervisor")
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


async def sleep_or_stop(sleep: Sleep, stop: asyncio.Event, seconds: float) -> None:
    """``sleep`` (injected) for *seconds*, or until *stop* is set, whichever comes first."""
    sleeping = asyncio.ensure_future(sleep(seconds))
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({sleeping, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for task in (sleeping, stopped):
        task.cancel()


class TaskObserver(Protocol):
    def task_crashed(self, task: str) -> None: ...
    def task_up(self, task: str, up: bool) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Wait ``first`` after a crash, doubling per crash in a row, at most ``cap``."""

    first: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=1)

    def delay(self, crashes: int) -> timedelta:
        return min(self.cap, self.first * (1 << min(max(0, crashes - 1), 20)))


@dataclass
class TaskState:
    state: str = "running"  # running | down | stopped
    crashes: int = 0  # in a row; a success or a long healthy run resets it
    total_crashes: int = 0
    last_error: str | None = None
    since: datetime | None = None
    retry_at: datetime | None = None
    seen: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "crashes": self.total_crashes, "last_error": self.last_error,
                "since": _iso(self.since), "retry_at": _iso(self.retry_at)}  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class Supervisor:
    """Keeps named tasks running; time and waiting are injected."""

    def __init__(self, *, clock: Clock, sleep: Sleep = asyncio.sleep,
                 observer: TaskObserver | None = None,
                 backoff: Backoff | None = None) -> None:  # fmt: skip
        self.clock, self.sleep, self.observer = clock, sleep, observer
        self.backoff = backoff or Backoff()
        self.tasks: dict[str, TaskState] = {}

    # -- state ------------------------------------------------------------------------------
    def healthy(self) -> bool:
        return not self.down()

    def down(self) -> list[str]:
        return sorted(name for name, task in self.tasks.items() if task.state == "down")

    def snapshot(self) -> dict[str, Any]:
        return {name: task.as_dict() for name, task in sorted(self.tasks.items())}

    def _up(self, name: str) -> TaskState:
        task = self.tasks.setdefault(name, TaskState(since=self.clock()))
        if task.state != "running":
            task.state, task.since, task.retry_at = "running", self.clock(), None
            self._tell_up(name, True)
        return task

    def _crashed(self, name: str, error: BaseException) -> timedelta:
        task = self.tasks.setdefault(name, TaskState())
        healthy_for = self.clock() - (task.since or self.clock())
        task.crashes = 1 if healthy_for > self.backoff.cap else task.crashes + 1
        task.total_crashes += 1
        wait = self.backoff.delay(task.crashes)
        task.state, task.since, task.retry_at = "down", self.clock(), self.clock() + wait
        message = f"{type(error).__name__}: {error}"
        task.last_error = message[:500]
        first_time = message not in task.seen
        task.seen.add(message)
        log.error("task crashed; restarting after a pause", task=name, error=message,
                  crashes=task.total_crashes, restart_in=wait.total_seconds(),
                  exc_info=error if first_time else None)  # fmt: skip
        if self.observer is not None:
            self.observer.task_crashed(name)
        self._tell_up(name, False)
        return wait

    def _tell_up(self, name: str, up: bool) -> None:
        if self.observer is not None:
            self.observer.task_up(name, up)

    # -- long-running tasks -----------------------------------------------------------------
    def spawn(self, name: str, work: Callable[[], Awaitable[None]],
              stop: asyncio.Event) -> asyncio.Task[None]:  # fmt: skip
        """Run ``work()`` until *stop* is set, restarting it after a crash or an early exit."""
        self._up(name)
        return asyncio.create_task(self._keep(name, work, stop), name=name)

    async def _keep(self, name: str, work: Callable[[], Awaitable[None]],
                    stop: asyncio.Event) -> None:  # fmt: skip
        while True:
            self._up(name)
            try:
                await work()
                error: BaseException = RuntimeError("exited while the daemon was running")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - logged, counted, shown, restarted
                error = exc
            if stop.is_set():
                self.tasks[name].state = "stopped"
                return
            wait = self._crashed(name, error)
            await self._pause(wait, stop)
            if stop.is_set():
                self.tasks[name].state = "stopped"
                return

    async def _pause(self, wait: timedelta, stop: asyncio.Event) -> None:
        pause = asyncio.ensure_future(self.sleep(wait.total_seconds()))
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait([pause, stopped], return_when=asyncio.FIRST_COMPLETED)
        for waiter in (pause, stopped):
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter

    # -- scheduler jobs ---------------------------------------------------------------------
    def job(self, name: str,
            work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:  # fmt: skip
        """*work* as a scheduler job: a crash marks it down until a later tick succeeds;
        ticks during its back-off are skipped."""
        self._up(name)

        async def supervised() -> None:
            task = self.tasks.get(name)
            if task is not None and task.retry_at is not None and self.clock() < task.retry_at:
                return
            try:
                await work()
            except Exception as exc:  # noqa: BLE001 - logged, counted, shown, retried later
                self._crashed(name, exc)
                return
            self._up(name).crashes = 0

        return supervised
