"""systemd ``Type=notify``: READY=1 once the daemon serves, WATCHDOG=1 while it is alive.

The protocol is spoken by ``systemd-watchdog`` (pure Python, no libsystemd to build):
it finds ``$NOTIFY_SOCKET`` and the ``WatchdogSec=`` interval (``$WATCHDOG_USEC``) and
does nothing when the process was not started by systemd.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog
from systemd_watchdog.systemd_watchdog import WatchDog

log = structlog.get_logger("mpsync.systemd")

Sleep = Callable[[float], Awaitable[None]]


class Notifier(Protocol):
    @property
    def is_enabled(self) -> bool: ...

    def ready(self) -> None: ...

    def status(self, msg: str) -> None: ...

    def ping(self) -> bool: ...


async def notify_systemd(
    is_ready: Callable[[], bool],
    stop: asyncio.Event,
    *,
    status: str = "running",
    notifier: Notifier | None = None,
    poll: float = 0.5,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Tell systemd when the daemon is ready, then keep its watchdog fed until *stop*.

    The watchdog is fed from the event loop and only while ``is_ready()``: a loop that
    hangs, or a daemon that lost its store, stops the pings and systemd restarts it.
    """
    watchdog = notifier if notifier is not None else _watchdog()
    if not watchdog.is_enabled:
        return
    while not is_ready():
        if stop.is_set():
            return
        await sleep(poll)
    _tell(watchdog.ready)
    _tell(lambda: watchdog.status(status))
    while not stop.is_set():
        if is_ready():
            _tell(watchdog.ping)  # sends WATCHDOG=1 once half the interval has passed
        await sleep(poll)


def _watchdog() -> WatchDog:
    """A notifier whose socket never blocks the event loop (a full queue drops a ping)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setblocking(False)
    return WatchDog(sock=sock)


def _tell(send: Callable[[], object]) -> None:
    try:
        send()
    except OSError as exc:  # systemd gone or busy: the next ping tries again
        log.warning("systemd notification not sent", error=f"{type(exc).__name__}: {exc}")
