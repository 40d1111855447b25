"""Wildberries money after the sale: the realization report, read as the ``finance`` stream.

Source: ``eslazarev/wildberries-sdk:specs/13-finances.yaml``,
``GET /api/v5/supplier/reportDetailByPeriod`` on ``statistics-api.wildberries.ru``:
``dateFrom``/``dateTo`` (RFC 3339, Moscow time; a date will do), ``limit`` ≤ 100,000 rows,
``rrdid`` — start at 0, then pass the ``rrd_id`` of the last row received — "until the
answer is 204". One request a minute per seller account (burst 1). Data from 2024-01-29.

The whole window is one report read: a 90-day history costs ⌈(rows + 1) / 100,000⌉
requests (a short page or a 204 ends it), each at least a minute after the one before it —
paced by the connector's own clock, so a test can inject it. Weekly reports are formed
after the week, so every read re-reads the last 14 days: a row only appears once its
report exists. The read is declared in ``streams.STREAMS["finance"]``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import ClassVar

from mpsync.connector.limits import LimitSpec, TokenBucket

HOST = "statistics"
GROUP = "finance_report"
HOSTS: Mapping[str, str] = MappingProxyType({HOST: "https://statistics-api.wildberries.ru"})
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: TokenBucket.per_minute(1, burst=1)})


class WildberriesFinance:
    """The ``finance`` stream of ``WildberriesConnector``: its read is declared
    (``streams.STREAMS["finance"]``, ``pace="report"``); this paces it."""

    report_limit: ClassVar[int] = 100_000  # limit: "maximum: 100000"
    report_interval: ClassVar[timedelta] = timedelta(minutes=1)  # 1 request per minute
    # A resync reads the report in one window: ⌈rows / limit⌉ requests, not one a day.
    resync_chunks: ClassVar[Mapping[str, timedelta]] = MappingProxyType(
        {"finance": timedelta(days=366), "returns": timedelta(days=30)}
    )
    now: Callable[[], datetime]
    report_sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)
    _last_report_call: datetime | None = None

    async def report_pace(self) -> None:
        """Wait until ``report_interval`` has passed since the previous report request."""
        if self._last_report_call is not None:
            wait = (self._last_report_call + self.report_interval - self.now()).total_seconds()
            if wait > 0:
                await self.report_sleep(wait)
        self._last_report_call = self.now()
