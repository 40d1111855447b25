"""What the daemon's parts report to the metrics: typed protocols, no ``getattr`` probes.

``mpsync.metrics.Metrics`` implements them all; every part takes only the one it needs.
A runtime (``mpsync.runtime``) carries a ``RuntimeObserver``; ``QUIET`` (a CLI command, a
test) reports nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

from mpsync.connector.base import HttpObserver
from mpsync.coordination.coordinator import CoordinationObserver
from mpsync.coordination.supervisor import TaskObserver


class SyncObserver(HttpObserver, Protocol):
    """Request timings and waits (the connectors), and every finished run (the service)."""

    def record_run(self, account: str, stream: str, counts: Any, *,
                   seconds: float | None = None, outcome: str = "ok") -> None: ...  # fmt: skip


class PushObserver(Protocol):
    """Pushes counted by the answer they got (the webhook server)."""

    def push_answered(self, account: str, status: int) -> None: ...


class ReplyObserver(Protocol):
    """Failed reads of a reply channel (a mailbox, a bot's updates), retried with backoff."""

    def reply_read_failed(self, channel: str) -> None: ...


class RuntimeObserver(SyncObserver, PushObserver, Protocol):
    """What the services built on a runtime report: requests, runs, pushes."""


class Quiet:
    """Reports nothing: the observer of a runtime nobody scrapes."""

    def request_done(self, marketplace: str, group: str, status: int, seconds: float) -> None:
        return None

    def rate_limited(self, marketplace: str, group: str, wait: float) -> None:
        return None

    def record_run(self, account: str, stream: str, counts: Any, *,
                   seconds: float | None = None, outcome: str = "ok") -> None:  # fmt: skip
        return None

    def push_answered(self, account: str, status: int) -> None:
        return None


QUIET: RuntimeObserver = Quiet()


class Observer(RuntimeObserver, CoordinationObserver, TaskObserver, ReplyObserver, Protocol):
    """Everything ``mpsync run`` reports, and its ``/metrics`` exposition."""

    def exposition(self) -> tuple[bytes, str]: ...
