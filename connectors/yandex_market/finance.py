"""Yandex Market money per order: order stats, read as the ``finance`` stream.

Source: ``yandex-market/yandex-market-partner-api:openapi/paths/
v2_campaigns_campaignId_stats_orders.yaml`` (getOrdersStats): ``POST
/v2/campaigns/{campaignId}/stats/orders`` with ``updateFrom``/``updateTo`` (dates, not to be
mixed with ``dateFrom``/``dateTo``), ``pageToken`` and ``limit`` ≤ 200 ("не более чем по 200
заказам"); answered with ``result.orders`` and ``result.paging.nextPageToken``. Data may lag
up to 40 minutes, so each read re-reads the day before its window. One store at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.errors import FatalError
from mpsync.connector.paginate import PhasedPaginator
from mpsync.connector.paging import reread_start

PATH = "/v2/campaigns/{campaign}/stats/orders"
MOSCOW = ZoneInfo("Europe/Moscow")


class YandexMarketFinance:
    """The ``finance`` stream of ``YandexMarketConnector`` (a ``RestConnector``)."""

    stats_page_size: ClassVar[int] = 200
    reread: ClassVar[timedelta] = timedelta(days=1)
    resync_chunks: ClassVar[Mapping[str, timedelta]] = MappingProxyType(
        {"finance": timedelta(days=30), "returns": timedelta(days=30)}
    )
    call: Any
    credentials: Any

    async def _finance(self, window: FetchWindow) -> AsyncIterator[Page]:
        since = reread_start(window.since, window.until, self.reread, backfill=window.backfill)
        body = {"updateFrom": since.astimezone(MOSCOW).date().isoformat(),
                "updateTo": window.until.astimezone(MOSCOW).date().isoformat()}  # fmt: skip
        what = f"yandex_market POST {PATH}"
        listing = PhasedPaginator.page_token_each(
            self.credentials.campaign_ids, lambda campaign, token: self._stats_page(
                campaign, body, token), stream="finance", what=what)  # fmt: skip
        async for orders, following in listing.pages(window.resume):
            yield Page("finance", orders, following)

    async def _stats_page(
        self, campaign: int, body: dict[str, Any], token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        params: dict[str, Any] = {"limit": self.stats_page_size}
        if token:
            params["pageToken"] = token
        path, group = PATH.format(campaign=campaign), f"campaign:{campaign}"
        answer = await self.call("POST", "api", path, group=group, json_body=body, params=params)
        result = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(result, dict):
            raise FatalError("yandex_market stats/orders: the answer has no result object")
        orders = [o for o in result.get("orders") or [] if isinstance(o, dict)]
        paging = result.get("paging") or {}
        following = paging.get("nextPageToken") if isinstance(paging, dict) else None
        return orders, (str(following) if following and orders else None)
