"""The runtime context: what every long-lived part of mpsync runs with, built once.

``mpsync run`` and each CLI command build one ``Runtime`` — the store's engine, the
settings, the clock, a pool of connectors, the observer metrics plug into, the lease
coordinator and a shared stop signal — and hand it to the services they run: the sync
service, the workflow runner, the push processor, the buyer inbox's answer channel,
stock and price propagation. A service takes the runtime, never another service; one
that must run a stream takes a ``StreamRunner`` (``mpsync.sync.service``).

Building a runtime does no I/O: connectors and mappings are made on first use,
``register_accounts()`` (blocking, idempotent) makes the store know the configured
accounts, and ``aclose()`` closes what was opened; ``async with Runtime.build(...) as rt:``
does both around a command's work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from sqlalchemy import Engine

from mpsync.config import AccountConfig, Settings
from mpsync.connector.base import Connector, HttpObserver, Sleep
from mpsync.connector.registry import load_connector
from mpsync.coordination import Coordinator
from mpsync.mapping import MappingSchema
from mpsync.observe import QUIET, RuntimeObserver
from mpsync.sync import state

Clock = Callable[[], datetime]
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConnectorPool:
    """One connector and one mapping per account, made on first use (no I/O before)."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Sleep = asyncio.sleep,
                 observer: HttpObserver | None = None) -> None:  # fmt: skip
        self._transport, self._sleep, self._observer = transport, sleep, observer
        self._connectors: dict[str, Connector] = {}
        self._mappings: dict[str, MappingSchema] = {}

    def connector(self, account: AccountConfig) -> Connector:
        if account.id not in self._connectors:
            cls = load_connector(account.marketplace)
            self._connectors[account.id] = cls(
                account, transport=self._transport, sleep=self._sleep, metrics=self._observer
            )
        return self._connectors[account.id]

    def mapping(self, account: AccountConfig) -> MappingSchema:
        if account.id not in self._mappings:
            self._mappings[account.id] = load_connector(account.marketplace).load_mapping(account)
        return self._mappings[account.id]

    async def aclose(self) -> None:
        """Close every connector made so far; the next ``connector()`` makes a new one (a CLI
        command runs several event loops, one after another, over one pool)."""
        connectors, self._connectors = list(self._connectors.values()), {}
        for connector in connectors:
            await connector.aclose()


class Flag:
    """A one-way switch, set once and read anywhere (no event loop needed)."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


@dataclass(frozen=True, eq=False)
class Runtime:
    """The engine, settings, clock, connectors, observer and coordinator of one process.

    ``stop`` is set by the daemon late in its shutdown grace: a sync run stops after the
    page it is writing, a workflow pass after the rule it runs. ``owns_coordinator``: the
    runtime built its coordinator, so ``aclose()`` hands back what it holds.
    """

    engine: Engine
    settings: Settings
    connectors: ConnectorPool
    coordinator: Coordinator
    clock: Clock = utcnow
    observer: RuntimeObserver = QUIET
    stop: Flag = field(default_factory=Flag)
    owns_coordinator: bool = False
    _registered: Flag = field(default_factory=Flag, repr=False)

    @classmethod
    def build(cls, engine: Engine, settings: Settings, *, clock: Clock = utcnow,
              transport: httpx.AsyncBaseTransport | None = None, sleep: Sleep = asyncio.sleep,
              observer: RuntimeObserver = QUIET,
              coordinator: Coordinator | None = None) -> Runtime:  # fmt: skip
        """A runtime over *engine*: a fresh connector pool and, unless given, a coordinator
        of its own (the daemon passes the one it registers and keeps alive). No I/O."""
        pool = ConnectorPool(transport=transport, sleep=sleep, observer=observer)
        own = coordinator is None
        coordinator = coordinator or Coordinator(engine, ttl=settings.coordination.lease,
                                                 clock=clock, sleep=sleep)  # fmt: skip
        return cls(engine, settings, pool, coordinator, clock=clock, observer=observer,
                   owns_coordinator=own)  # fmt: skip

    def register_accounts(self) -> None:
        """Make the store know every configured account (the row other rows refer to).

        Blocking and idempotent: whoever opens the runtime calls it once before reading or
        writing (the daemon at start, the CLI commands); page writes call it too, so a
        write never depends on that order."""
        if not self._registered.is_set():
            state.ensure_accounts(self.engine, self.settings, self.clock())
            self._registered.set()

    async def aclose(self) -> None:
        """Close the connectors, and hand back the leases of a coordinator of its own."""
        await self.connectors.aclose()
        if self.owns_coordinator:
            await self.coordinator.aclose()

    async def __aenter__(self) -> Runtime:
        """``async with runtime:`` registers the accounts (in a thread), then closes it."""
        await asyncio.to_thread(self.register_accounts)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """``asyncio.run`` *work*, then close what it opened: a CLI command's one call."""

        async def main() -> T:
            try:
                return await work()
            finally:
                await self.aclose()

        return asyncio.run(main())
