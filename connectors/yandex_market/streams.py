"""Every read of the Yandex Market connector, declared (``mpsync.connector.declared``).

``STREAMS`` holds the data: method, path, rate-limit group, paging, where the records and
the page token are, the window rule and the request template. ``{businessId}`` and
``{campaign_ids}`` are the account's; ``each`` campaign reads a listing per store. One
engine runs them (``RestConnector.declared_streams``). Code is left where data cannot say it:
the hooks the specs name (``slices``: the orders' creation-date slices, ``dates``;
``enrich``: a question's wait for an answer and a review's comment, ``buyers``; the stock
flattening, ``offers``) and the item quotas calls are paced by (``pace``).

Sources: yandex-market/yandex-market-partner-api ``openapi/paths/`` (getBusinessOrders,
getStocks, getDefaultPrices, getOfferMappings, getOrdersStats, getReturns, getGoodsQuestions,
getGoodsFeedbacks); the module docstrings of ``dates``, ``finance``, ``returns``, ``buyers``
cite the limits these specs encode.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import HttpObserver
from mpsync.connector.declared import (
    Answer,
    DeclaredStream,
    EachRule,
    Ends,
    Hooks,
    Paging,
    StreamSpec,
    WindowRule,
)
from mpsync.connector.limits import Limiters
from mpsync.connector.rest import RestConnector

RESULT = "result.paging.nextPageToken"
CAMPAIGNS = EachRule(values="campaign_ids", key="campaignId")
MOSCOW = "Europe/Moscow"
DAY = timedelta(days=1)


def _page_token(next_token: str, page_size: int | None = None) -> Paging:
    """Yandex Market's paging: ``pageToken`` in the query, the next one at *next_token*."""
    return Paging(kind="page_token", param="pageToken", next=next_token, page_size=page_size)


def _offers(kind: Any, path: str, key: str, group: str, pace: str, phase: str,
            **more: Any) -> StreamSpec:  # fmt: skip
    """An offers method (``ApiResponse``: the list under ``result``), by ``page_token``."""
    return StreamSpec(
        record_type=kind, method="POST", path=path, group=group, body={}, place="query",
        answer=Answer(records=[f"result.{key}", key]),
        paging=Paging(kind="page_token", param="page_token",
                      next=["result.paging.nextPageToken", "paging.nextPageToken"]),
        phase=phase, pace=pace, **more,
    )  # fmt: skip


def _per_store(kind: Any, method: Any, path: str, key: str, window: WindowRule,
               required: bool = False) -> StreamSpec:  # fmt: skip
    """A store's listing of one window, store after store; an empty page is the last."""
    return StreamSpec(record_type=kind, method=method, path=path, group="campaign:{campaignId}",
                      answer=Answer(records=f"result.{key}", required=required),
                      ends=Ends(empty=True), each=CAMPAIGNS, window=window,
                      paging=_page_token(RESULT), place="query")  # fmt: skip


# Calendar days in Moscow, the whole window in one request set.
DAYS: Mapping[str, Any] = MappingProxyType({"format": "date", "zone": MOSCOW, "split": False})


STREAMS: Mapping[str, StreamSpec] = MappingProxyType({
    # getBusinessOrders: the stores' orders updated in the window (30 days a request),
    # each window read creation slice by creation slice (``dates``).
    "orders": StreamSpec(
        record_type="order", method="POST", path="/v1/businesses/{businessId}/orders",
        group="business:{businessId}", answer=Answer(records="orders"),
        paging=_page_token("paging.nextPageToken"),
        body={"campaignIds": "{campaign_ids}"}, hooks=Hooks(slices="order_slices"),
        phase="orders", place="query",
        window=WindowRule(since="dates.updateDateFrom", until="dates.updateDateTo",
                          span=timedelta(days=30), history=timedelta(days=30), place="body"),
    ),
    # getStocks per store, getDefaultPrices and getOfferMappings per business: snapshots,
    # paced by the methods' item quotas (``pace``).
    "stock": _offers("stock", "/v2/campaigns/{campaignId}/offers/stocks", "warehouses",
                     "campaign:{campaignId}", "stocks:{campaignId}", "campaign:{campaignId}",
                     each=EachRule(values="campaign_ids", key="campaignId", field="campaignId"),
                     hooks=Hooks(enrich="stock_rows")),
    "prices": _offers("price", "/v2/businesses/{businessId}/offer-prices", "offers",
                      "business:{businessId}", "prices:{businessId}", "prices"),
    "products": _offers("product", "/v2/businesses/{businessId}/offer-mappings",
                        "offerMappings", "business:{businessId}", "mappings", "products"),
    # getOrdersStats (openapi/paths/v2_campaigns_campaignId_stats_orders.yaml): update
    # dates (never mixed with dateFrom/dateTo), ≤ 200 a page, re-read a day back (data lags
    # up to 40 minutes); an answer without ``result`` is an error.
    "finance": _per_store("finance", "POST", "/v2/campaigns/{campaignId}/stats/orders",
                          "orders", WindowRule(since="updateFrom", until="updateTo", history=DAY,
                                               reread=DAY, place="body", **DAYS),
                          required=True),
    # getReturns (openapi/paths/v2_campaigns_campaignId_returns.yaml): update dates
    # (ГГГГ-ММ-ДД), ≤ 100 a page, from the last read (or today) on.
    "returns": _per_store("return", "GET", "/v2/campaigns/{campaignId}/returns", "returns",
                          WindowRule(since="fromDate", until="toDate", history=timedelta(0),
                                     **DAYS)),
    # getGoodsQuestions (dates, a month a request) and getGoodsFeedbacks (date-times, six
    # months), 50 a page, a first read four weeks back.
    "questions": StreamSpec(
        record_type="question", method="POST", group="question_reads",
        hooks=Hooks(enrich="waiting"), path="/v1/businesses/{businessId}/goods-questions",
        answer=Answer(records="result.questions"), body={"sort": "CREATED_AT_ASC"},
        paging=_page_token(RESULT, page_size=50), phase="list", place="query",
        window=WindowRule(since="dateFrom", until="dateTo", format="date", place="body",
                          span=timedelta(days=28), history=timedelta(days=28)),
    ),
    "reviews": StreamSpec(
        record_type="review", method="POST", group="feedback_reads",
        hooks=Hooks(enrich="with_comments"), path="/v2/businesses/{businessId}/goods-feedback",
        answer=Answer(records="result.feedbacks"),
        paging=_page_token(RESULT, page_size=50), phase="list", place="query",
        window=WindowRule(since="dateTimeFrom", until="dateTimeTo", place="body",
                          span=timedelta(days=180), history=timedelta(days=28)),
    ),
})  # fmt: skip
# The connector's page size of each stream (the tests and the sandbox change them).
PAGE_SIZES: Mapping[str, str] = MappingProxyType({
    "orders": "page_size", "stock": "offers_page_size", "prices": "offers_page_size",
    "products": "mappings_page_size", "finance": "stats_page_size",
    "returns": "returns_page_size",
})  # fmt: skip


class YandexMarketReads(RestConnector):
    """Runs ``STREAMS`` (``RestConnector.declared_streams``) for ``YandexMarketConnector``,
    which holds the item quotas (``_quotas``) and the page sizes, and implements the hooks."""

    _quotas: Limiters
    _metrics: HttpObserver | None
    declared_streams: ClassVar[Mapping[str, StreamSpec]] = STREAMS

    def declared(self, name: str, **changes: Any) -> DeclaredStream:
        """The declared read *name* of this account: its page size the connector's, the
        account's business and stores in its path and body, paced by its item quota."""
        size = getattr(self, PAGE_SIZES[name]) if name in PAGE_SIZES else None
        spec = self.declared_streams[name]
        if size:
            spec = spec.changed(paging={"page_size": size})
        spec = spec.changed(**changes)
        values = {"businessId": self.credentials.business_id,
                  "campaign_ids": list(self.credentials.campaign_ids)}  # fmt: skip
        return DeclaredStream(name, spec, connector=self.name, call=self.paced_call,
                              path_values=values, hooks=self)  # fmt: skip

    async def paced_call(
        self, method: str, host: str, path: str, *, pace: str | None = None, **options: Any
    ) -> Any:
        """A call within its item quota *pace* (one full page's or batch's share a call)."""
        if pace is None:
            return await self.call(method, host, path, **options)
        async with self._quotas.get(pace).slot() as waited:
            if waited > 0 and self._metrics is not None:
                self._metrics.rate_limited(self.name, pace, waited)
            return await self.call(method, host, path, **options)
