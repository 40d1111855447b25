"""Wildberries returns, read as the ``returns`` stream: the goods-return report.

Source: ``eslazarev/wildberries-sdk:specs/12-reports.yaml``,
``GET /api/v1/analytics/goods-return`` on seller-analytics-api: ``dateFrom``/``dateTo``
(dates, "максимум за 31 день"), one request a minute, bursts of 10; ``report[]`` rows with
the assembly task (``orderId``), ``srid``, ``nmId``, ``reason``, ``returnType``, ``status``
and dates. (The buyers' claims of ``/api/v1/claims`` cover only the last 14 days and are
requests, not returns: not read.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paginate import CursorPaginator, WindowedPaginator
from mpsync.connector.paging import reread_start

HOST = "analytics"
GROUP = "goods_return"
PATH = "/api/v1/analytics/goods-return"
HOSTS: Mapping[str, str] = MappingProxyType({HOST: "https://seller-analytics-api.wildberries.ru"})
LIMITS: Mapping[str, LimitSpec] = MappingProxyType(
    {GROUP: TokenBucket.per_minute(1, burst=10)}
)  # fmt: skip
MOSCOW = ZoneInfo("Europe/Moscow")


class WildberriesReturns:
    """The ``returns`` stream of ``WildberriesConnector`` (a ``RestConnector``)."""

    returns_span: ClassVar[timedelta] = timedelta(days=30)  # 31 days, both ends included
    returns_reread: ClassVar[timedelta] = timedelta(days=14)  # statuses move on for days
    call: Any

    async def _returns(self, window: FetchWindow) -> AsyncIterator[Page]:
        since = reread_start(window.since, window.until, self.returns_reread,
                             backfill=window.backfill)  # fmt: skip

        def listing(low: datetime, high: datetime) -> CursorPaginator:
            async def page(_cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
                params = {"dateFrom": low.astimezone(MOSCOW).date().isoformat(),
                          "dateTo": high.astimezone(MOSCOW).date().isoformat()}  # fmt: skip
                body = await self.call("GET", HOST, PATH, group=GROUP, params=params)
                rows = (body or {}).get("report") if isinstance(body, dict) else None
                return [row for row in rows or [] if isinstance(row, dict)], None

            return CursorPaginator(page, stream="returns", what=f"wildberries GET {PATH}")

        what = f"wildberries GET {PATH}"
        pages = WindowedPaginator.until_end(listing, since, window.until, self.returns_span,
                                            stream="returns", what=what)  # fmt: skip
        async for rows, following in pages.pages(window.resume):
            yield Page("return", rows, following)
