"""Wildberries money after the sale: the realization report, read as the ``finance`` stream.

Source: ``eslazarev/wildberries-sdk:specs/13-finances.yaml``,
``GET /api/v5/supplier/reportDetailByPeriod`` on ``statistics-api.wildberries.ru``:
``dateFrom``/``dateTo`` (RFC 3339, Moscow time; a date will do), ``limit`` ≤ 100,000 rows,
``rrdid`` — start at 0, then pass the ``rrd_id`` of the last row received — "until the
answer is 204". One request a minute per seller account (burst 1). Data from 2024-01-29.

The whole window is one report read: a 90-day history costs ⌈rows / 100,000⌉ + 1 requests
(the last one answers 204), each at least a minute after the one before it — paced by the
connector's own clock, so a test can inject it. Weekly reports are formed after the week,
so every read re-reads the last ``reread`` days: a row only appears once its report exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paginate import CursorPaginator
from mpsync.connector.paging import reread_start

HOST = "statistics"
GROUP = "finance_report"
PATH = "/api/v5/supplier/reportDetailByPeriod"
HOSTS: Mapping[str, str] = MappingProxyType({HOST: "https://statistics-api.wildberries.ru"})
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: TokenBucket.per_minute(1, burst=1)})
MOSCOW = ZoneInfo("Europe/Moscow")
FIRST_DAY = datetime(2024, 1, 29, tzinfo=MOSCOW)  # "Данные доступны с 29 января 2024 года"


class WildberriesFinance:
    """The ``finance`` stream of ``WildberriesConnector`` (a ``RestConnector``)."""

    report_limit: ClassVar[int] = 100_000  # limit: "maximum: 100000"
    report_interval: ClassVar[timedelta] = timedelta(minutes=1)  # 1 request per minute
    reread: ClassVar[timedelta] = timedelta(days=14)
    # A resync reads the report in one window: ⌈rows / limit⌉ requests, not one a day.
    resync_chunks: ClassVar[Mapping[str, timedelta]] = MappingProxyType(
        {"finance": timedelta(days=366), "returns": timedelta(days=30)}
    )
    call: Any
    now: Callable[[], datetime]
    _finance_sleep: Callable[[float], Any] = staticmethod(asyncio.sleep)
    _last_report_call: datetime | None = None

    async def _finance(self, window: FetchWindow) -> AsyncIterator[Page]:
        until = window.until.astimezone(MOSCOW)
        since = reread_start(window.since, until, self.reread, backfill=window.backfill)
        start = max(since.astimezone(MOSCOW), FIRST_DAY)
        params = {"dateFrom": start.date().isoformat(), "dateTo": until.date().isoformat(),
                  "limit": self.report_limit}  # fmt: skip

        async def page(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
            rrdid = int(cursor or 0)
            rows = await self._report_page({**params, "rrdid": rrdid})
            last = rows[-1].get("rrd_id") if rows else None
            if rows and (not isinstance(last, int) or last <= rrdid):
                raise FatalError(f"wildberries {PATH}: rrd_id {last!r} does not move past "
                                 f"{rrdid}; refusing to loop")  # fmt: skip
            # A short page is the report's last: the next call could only answer 204.
            return rows, str(last) if len(rows) == self.report_limit else None

        listing = CursorPaginator(page, stream="finance", what=f"wildberries GET {PATH}")
        async for rows, following in listing.pages(window.resume or None):
            if rows:
                yield Page("finance", rows, following)

    async def _report_page(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One report request, at least ``report_interval`` after the previous one."""
        if self._last_report_call is not None:
            wait = (self._last_report_call + self.report_interval - self.now()).total_seconds()
            if wait > 0:
                await self._finance_sleep(wait)
        self._last_report_call = self.now()
        body = await self.call("GET", HOST, PATH, group=GROUP, params=params)
        if body is None:  # 204: nothing (more) in the report
            return []
        if not isinstance(body, list):
            raise FatalError(f"wildberries {PATH}: expected a list of rows, got "
                             f"{type(body).__name__}")  # fmt: skip
        return [row for row in body if isinstance(row, dict)]
