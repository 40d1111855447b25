"""Yandex Market offer reads: stock per store, prices and the catalogue per business.

Snapshot streams (a ``PhasedPaginator`` of ``PageTokenPaginator``s, by ``page_token``),
paced by the methods' item quotas. A mixin of ``YandexMarketConnector``, which holds the quotas
(``_quotas``), the page sizes and the HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from mpsync.connector.base import FetchWindow, HttpObserver, Page
from mpsync.connector.limits import Limiters
from mpsync.connector.paginate import PageTokenPaginator, PhasedPaginator
from mpsync.connector.records import Records, as_dicts, json_object
from mpsync.connector.rest import RestConnector


def _result(body: Any) -> dict[str, Any]:
    """The ``result`` of an ``ApiResponse`` envelope (the body itself if it has none)."""
    body = json_object(body, "yandex_market")
    result = body.get("result")
    return result if isinstance(result, dict) else body


def _next_token(data: Mapping[str, Any]) -> str | None:
    paging = data.get("paging")
    token = paging.get("nextPageToken") if isinstance(paging, dict) else None
    return str(token) if token else None


class OfferReads(RestConnector):
    """``stock``, ``prices`` and ``products`` streams of the Yandex Market connector."""

    # Set by ``YandexMarketConnector``: page sizes, item quotas, the stores' warehouses.
    offers_page_size: ClassVar[int]
    mappings_page_size: ClassVar[int]
    _quotas: Limiters
    _metrics: HttpObserver | None
    _warehouse_campaigns: dict[str, int]

    async def _offers_page(
        self,
        path: str,
        group: str,
        quota: str,
        cursor: str | None,
        limit: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One page of an offers listing (``page_token`` paging); the ``result`` object."""
        params: dict[str, Any] = {"limit": limit or self.offers_page_size}
        if cursor:
            params["page_token"] = cursor  # the offers methods' name (orders: pageToken)
        async with self._quotas.get(quota).slot() as waited:
            if waited > 0 and self._metrics is not None:
                self._metrics.rate_limited(self.name, quota, waited)
            answer = await self.call(
                "POST", "api", path, group=group, json_body=body or {}, params=params
            )
        return _result(answer)

    def _listing(
        self, stream: str, path: str, what: str, key: str, *, group: str, quota: str,
        limit: int | None = None, tag: Mapping[str, Any] | None = None,
    ) -> PageTokenPaginator:  # fmt: skip
        """An offers listing: the ``key`` list of each page's ``result`` (each item with
        *tag*'s fields first), by ``page_token``."""

        async def fetch(cursor: str | None) -> tuple[Records, str | None]:
            data = await self._offers_page(path, group, quota, cursor, limit)
            return [{**(tag or {}), **item} for item in as_dicts(data.get(key))], _next_token(data)

        return PageTokenPaginator(fetch, stream=stream, what=f"yandex_market POST {what}")

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every offer's stock at every warehouse of every store, store after store."""
        what = "/v2/campaigns/{campaignId}/offers/stocks"
        phases = [
            (f"campaign:{c}", self._listing(
                "stock", f"/v2/campaigns/{c}/offers/stocks", what, "warehouses",
                group=f"campaign:{c}", quota=f"stocks:{c}", tag={"campaignId": c}))
            for c in self.credentials.campaign_ids
        ]  # fmt: skip
        pages = PhasedPaginator(phases, stream="stock", what=f"yandex_market POST {what}")
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
        business = self.credentials.business_id
        what = "/v2/businesses/{businessId}/offer-prices"
        listing = self._listing(
            "prices", f"/v2/businesses/{business}/offer-prices", what, "offers",
            group=f"business:{business}", quota=f"prices:{business}",
        )  # fmt: skip
        pages = PhasedPaginator([("prices", listing)], stream="prices", what=listing.what)
        async for offers, following in pages.pages(window.resume):
            yield Page("price", offers, following)

    async def current_prices(self, offer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``price`` of each named offer as Market has it now (``getDefaultPrices``,
        ``offerIds`` 200 a request)."""
        business = self.credentials.business_id
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(offer_ids))
        for start in range(0, len(wanted), self.offers_page_size):
            chunk = wanted[start : start + self.offers_page_size]
            data = await self._offers_page(
                f"/v2/businesses/{business}/offer-prices",
                f"business:{business}",
                f"prices:{business}",
                None,
                body={"offerIds": chunk},
            )
            for offer in as_dicts(data.get("offers")):
                if isinstance(offer.get("price"), dict):
                    found[str(offer.get("offerId"))] = offer["price"]
        return found

    async def _products(self, window: FetchWindow) -> AsyncIterator[Page]:
        """The catalogue (``getOfferMappings``): each offer with its Market card
        (``mapping.marketSku``), name and barcodes, for the product binding."""
        business = self.credentials.business_id
        what = "/v2/businesses/{businessId}/offer-mappings"
        listing = self._listing(
            "products", f"/v2/businesses/{business}/offer-mappings", what, "offerMappings",
            group=f"business:{business}", quota="mappings", limit=self.mappings_page_size,
        )  # fmt: skip
        pages = PhasedPaginator([("products", listing)], stream="products", what=listing.what)
        async for rows, following in pages.pages(window.resume):
            yield Page("product", rows, following)
