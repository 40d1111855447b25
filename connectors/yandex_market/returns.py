"""Yandex Market returns and unredeemed orders, read as the ``returns`` stream.

Source: ``yandex-market/yandex-market-partner-api:openapi/paths/
v2_campaigns_campaignId_returns.yaml`` (getReturns): ``GET`` per store with ``fromDate``/
``toDate`` (update dates, ``ГГГГ-ММ-ДД``), ``pageToken``, ``limit`` ≤ 100; ``ReturnDTO``:
``returnType`` (UNREDEEMED | RETURN), ``refundStatus``, ``amount``, ``items[]`` (shopSku,
count, decisions with ``reasonType``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.paginate import PhasedPaginator

PATH = "/v2/campaigns/{campaign}/returns"
MOSCOW = ZoneInfo("Europe/Moscow")


class YandexMarketReturns:
    """The ``returns`` stream of ``YandexMarketConnector`` (a ``RestConnector``)."""

    returns_page_size: ClassVar[int] = 100
    call: Any
    credentials: Any

    async def _returns(self, window: FetchWindow) -> AsyncIterator[Page]:
        until = window.until.astimezone(MOSCOW).date()
        since = window.since.astimezone(MOSCOW).date() if window.since else until
        dates = {"fromDate": since.isoformat(), "toDate": until.isoformat()}
        what = f"yandex_market GET {PATH}"

        def page(campaign: int, token: str | None) -> Any:
            return self._returns_page(campaign, dates, token)

        listing = PhasedPaginator.page_token_each(self.credentials.campaign_ids, page,
                                                  stream="returns", what=what)  # fmt: skip
        async for rows, following in listing.pages(window.resume):
            yield Page("return", rows, following)

    async def _returns_page(
        self, campaign: int, dates: dict[str, str], token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        params: dict[str, Any] = {**dates, "limit": self.returns_page_size}
        if token:
            params["pageToken"] = token
        answer = await self.call("GET", "api", PATH.format(campaign=campaign),
                                 group=f"campaign:{campaign}", params=params)  # fmt: skip
        result = answer.get("result") if isinstance(answer, dict) else None
        rows = [r for r in (result or {}).get("returns") or [] if isinstance(r, dict)]
        paging = (result or {}).get("paging") or {}
        following = paging.get("nextPageToken") if isinstance(paging, dict) else None
        return rows, (str(following) if following and rows else None)
