"""Yandex Market offer reads: stock per store, prices and the catalogue per business.

Snapshot streams (a ``PhasedPaginator`` of ``PageTokenPaginator``s, by ``page_token``),
paced by the methods' item quotas. A mixin of ``YandexMarketConnector``, which holds the quotas
(``_quotas``), the page sizes and the HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import FetchWindow, HttpObserver, Page, RecordType
from mpsync.connector.declared import DeclaredStream, StreamSpec
from mpsync.connector.limits import Limiters
from mpsync.connector.paginate import Paginator, PhasedPaginator
from mpsync.connector.records import Records, as_dicts
from mpsync.connector.rest import RestConnector


def _offers(kind: RecordType, path: str, key: str, group: str, phase: str) -> StreamSpec:
    """An offers method (``ApiResponse``: the list under ``result``), by ``page_token``."""
    return StreamSpec(
        record_type=kind, method="POST", path=path, group=group, body={}, place="query",
        records=[f"result.{key}", key], paginator="page_token", cursor_param="page_token",
        next=["result.paging.nextPageToken", "paging.nextPageToken"], phase=phase,
    )  # fmt: skip


# The offer reads, declared (``mpsync.connector.declared``); ``{campaignId}`` and
# ``{businessId}`` are the account's. The stock read walks the stores, a listing each.
OFFERS: Mapping[str, StreamSpec] = MappingProxyType({
    "stock": _offers("stock", "/v2/campaigns/{campaignId}/offers/stocks", "warehouses",
                     "campaign:{campaignId}", "stock"),
    "prices": _offers("price", "/v2/businesses/{businessId}/offer-prices", "offers",
                      "business:{businessId}", "prices"),
    "products": _offers("product", "/v2/businesses/{businessId}/offer-mappings",
                        "offerMappings", "business:{businessId}", "products"),
})  # fmt: skip


class OfferReads(RestConnector):
    """``stock``, ``prices`` and ``products`` streams of the Yandex Market connector."""

    # Set by ``YandexMarketConnector``: page sizes, item quotas, the stores' warehouses.
    offers_page_size: ClassVar[int]
    mappings_page_size: ClassVar[int]
    _quotas: Limiters
    _metrics: HttpObserver | None
    _warehouse_campaigns: dict[str, int]

    async def _quota_call(
        self, quota: str, method: str, host: str, path: str, **options: Any
    ) -> Any:
        """A call within its item quota (one full page's share a call)."""
        async with self._quotas.get(quota).slot() as waited:
            if waited > 0 and self._metrics is not None:
                self._metrics.rate_limited(self.name, quota, waited)
            return await self.call(method, host, path, **options)

    def _offers(self, stream: str, quota: str, *, campaign: int | None = None,
                **changes: Any) -> DeclaredStream:  # fmt: skip
        """A declared offers listing (``OFFERS``) of this account, paced by *quota*."""
        size = self.mappings_page_size if stream == "products" else self.offers_page_size
        spec = OFFERS[stream].model_copy(update={"page_size": size, **changes})
        values = {"businessId": self.credentials.business_id, "campaignId": campaign}
        paced = partial(self._quota_call, quota)
        return DeclaredStream(stream, spec, connector=self.name, call=paced, path_values=values,
                              extra={"campaignId": campaign} if campaign else None)  # fmt: skip

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every offer's stock at every warehouse of every store, store after store."""
        phases: list[tuple[str, Paginator]] = [
            (f"campaign:{c}", self._offers("stock", f"stocks:{c}", campaign=c).listing())
            for c in self.credentials.campaign_ids
        ]
        what = f"yandex_market POST {OFFERS['stock'].path}"
        pages = PhasedPaginator(phases, stream="stock", what=what)
        async for warehouses, following in pages.pages(window.resume):
            yield Page("stock", self._stock_rows(warehouses), following)

    def _stock_rows(self, warehouses: Records) -> Records:
        """``warehouses[].offers[]`` flattened: each offer with its ``warehouseId`` and
        ``campaignId``. A warehouse without an ``offers`` list is passed on as it is (the
        mapping dead-letters it)."""
        rows: Records = []
        for warehouse in warehouses:
            wid, campaign = warehouse.get("warehouseId"), warehouse["campaignId"]
            if wid is not None:
                self._warehouse_campaigns[str(wid)] = campaign
            offers = warehouse.get("offers")
            if not isinstance(offers, list):
                rows.append(warehouse)
                continue
            rows += [
                {**offer, "warehouseId": wid, "campaignId": campaign} for offer in as_dicts(offers)
            ]
        return rows

    async def _prices(self, window: FetchWindow) -> AsyncIterator[Page]:
        """The prices set for all stores (``getDefaultPrices``), one row per offer."""
        quota = f"prices:{self.credentials.business_id}"
        async for offers, following in self._offers("prices", quota).pages(window):
            yield Page("price", offers, following)

    async def current_prices(self, offer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``price`` of each named offer as Market has it now (``getDefaultPrices``,
        ``offerIds`` 200 a request)."""
        quota = f"prices:{self.credentials.business_id}"
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(offer_ids))
        for start in range(0, len(wanted), self.offers_page_size):
            chunk = wanted[start : start + self.offers_page_size]
            listing = self._offers("prices", quota, body={"offerIds": chunk}).listing()
            for offer in await listing.records():
                if isinstance(offer.get("price"), dict):
                    found[str(offer.get("offerId"))] = offer["price"]
        return found

    async def _products(self, window: FetchWindow) -> AsyncIterator[Page]:
        """The catalogue (``getOfferMappings``): each offer with its Market card
        (``mapping.marketSku``), name and barcodes, for the product binding."""
        async for rows, following in self._offers("products", "mappings").pages(window):
            yield Page("product", rows, following)
