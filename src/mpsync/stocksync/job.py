"""The daemon's stock task: a propagation every ``[stock] propagation`` and at once after
a marketplace push was applied (a new order reserves before the next poll), and the feed
polled every ``every`` when the source is one. Replicas sharing a store take turns under
the ``stock-sync`` lease, so a figure is never pushed twice at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import Engine

from mpsync.config import Settings
from mpsync.config.model import AccountConfig
from mpsync.config.stock import StockFeedConfig
from mpsync.connector.base import Connector
from mpsync.coordination import Coordinator, Held
from mpsync.stocksync.ledger import LedgerError
from mpsync.stocksync.plan import stock_config, sync_accounts
from mpsync.stocksync.propagate import Propagation, propagate
from mpsync.stocksync.service import feed_origin, poll_feed

log = structlog.get_logger("mpsync.stocksync")
UNIT = "stock-sync"
SETTLE = 0.5  # seconds to gather a burst of pushes into one propagation


class StockJob:
    """Propagation on a timer and on demand (``poke``)."""

    def __init__(self, engine: Engine, settings: Settings,
                 connector: Callable[[AccountConfig], Connector],
                 clock: Callable[[], datetime],
                 coordinator: Coordinator | None = None) -> None:  # fmt: skip
        self.engine, self.settings, self.connector, self.clock = engine, settings, connector, clock
        self.config = stock_config(settings)
        self.wake = asyncio.Event()
        self.ran = asyncio.Event()  # set after each propagation (tests and status wait on it)
        self.runs = 0
        self.last: Propagation | None = None
        self._feed_due: datetime | None = None
        self.coordinator = coordinator  # replicas: one propagation at a time (lease)

    def poke(self) -> None:
        """Propagate now (a push from a marketplace was applied)."""
        self.wake.set()

    async def serve(self, stop: asyncio.Event) -> None:
        interval = self.config.propagation.total_seconds() or 60.0
        while not stop.is_set():
            await self.run_once()
            self.wake.clear()
            waiters = {asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())}
            try:
                await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            if self.wake.is_set() and not stop.is_set():
                await asyncio.sleep(SETTLE)

    async def run_once(self) -> Propagation | None:
        """One propagation (None: another process sharing the store holds it now)."""
        if self.coordinator is None:
            return await self._propagate()
        async with self.coordinator.hold(UNIT) as lease:
            if isinstance(lease, Held):
                return None
            return await self._propagate()

    async def _propagate(self) -> Propagation:
        now = self.clock()
        await self._feed(now)
        connectors = {a.id: self.connector(a) for a in sync_accounts(self.settings)}
        result = await propagate(self.engine, self.settings, connectors, now=now)
        self.runs += 1
        self.last = result
        self.ran.set()
        if result.sent or result.failed or result.plan.refused:
            log.info("stock propagated", **result.summary())
        return result

    async def _feed(self, now: datetime) -> None:
        feed = self.config.source
        if not isinstance(feed, StockFeedConfig):
            return
        if self._feed_due is not None and now < self._feed_due:
            return
        self._feed_due = now + (feed.every or timedelta(minutes=15))
        try:
            changes = await poll_feed(self.engine, self.settings, feed, now=now)
        except (OSError, ValueError, httpx.HTTPError) as exc:
            # The URL may carry a key in its query: name the error, never the address.
            status = getattr(getattr(exc, "response", None), "status_code", None)
            detail = str(exc) if isinstance(exc, LedgerError) else type(exc).__name__
            log.warning("stock feed unreadable", error=detail, status=status,
                        feed=feed_origin(feed.url))  # fmt: skip
            return
        if changes:
            log.info("stock feed read", changed=len(changes))
