"""Yandex Market offer reads: stock per store, prices and the catalogue per business.

Snapshot streams (``mpsync_connectors.snapshot``), paged by ``page_token`` and paced by the
methods' item quotas. A mixin of ``YandexMarketConnector``, which holds the quotas
(``_quotas``), the page sizes and the HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from mpsync_connectors.snapshot import PageCall, Records, as_dicts, json_object, phased_pages

from mpsync.connector.base import FetchWindow, Page


def _result(body: Any) -> dict[str, Any]:
    """The ``result`` of an ``ApiResponse`` envelope (the body itself if it has none)."""
    body = json_object(body, "yandex_market")
    result = body.get("result")
    return result if isinstance(result, dict) else body


def _next_token(data: Mapping[str, Any]) -> str | None:
    paging = data.get("paging")
    token = paging.get("nextPageToken") if isinstance(paging, dict) else None
    return str(token) if token else None


class OfferReads:
    """``stock``, ``prices`` and ``products`` streams of the Yandex Market connector."""

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

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every offer's stock at every warehouse of every store, store after store."""
        phases = [(f"campaign:{c}", self._stock_fetch(c)) for c in self.credentials.campaign_ids]
        what = "yandex_market POST /v2/campaigns/{campaignId}/offers/stocks"
        pages = phased_pages(phases, window.resume, what=what)
        async for rows, following in pages:
            yield Page("stock", rows, following)

    def _stock_fetch(self, campaign: int) -> PageCall:
        async def fetch(cursor: str | None) -> tuple[Records, str | None]:
            data = await self._offers_page(
                f"/v2/campaigns/{campaign}/offers/stocks",
                f"campaign:{campaign}",
                f"stocks:{campaign}",
                cursor,
            )
            return self._stock_rows(campaign, data), _next_token(data)

        return fetch

    def _stock_rows(self, campaign: int, data: Mapping[str, Any]) -> Records:
        """``warehouses[].offers[]`` flattened: each offer with its ``warehouseId`` and
        ``campaignId``. A warehouse without an ``offers`` list is passed on as it is (the
        mapping dead-letters it)."""
        rows: Records = []
        for warehouse in as_dicts(data.get("warehouses")):
            wid = warehouse.get("warehouseId")
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

        async def fetch(cursor: str | None) -> tuple[Records, str | None]:
            data = await self._offers_page(
                f"/v2/businesses/{business}/offer-prices",
                f"business:{business}",
                f"prices:{business}",
                cursor,
            )
            return as_dicts(data.get("offers")), _next_token(data)

        pages = phased_pages(
            [("prices", fetch)],
            window.resume,
            what="yandex_market POST /v2/businesses/{businessId}/offer-prices",
        )
        async for offers, following in pages:
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

        async def fetch(cursor: str | None) -> tuple[Records, str | None]:
            data = await self._offers_page(
                f"/v2/businesses/{business}/offer-mappings",
                f"business:{business}",
                "mappings",
                cursor,
                self.mappings_page_size,
            )
            return as_dicts(data.get("offerMappings")), _next_token(data)

        what = "yandex_market POST /v2/businesses/{businessId}/offer-mappings"
        async for rows, following in phased_pages([("products", fetch)], window.resume, what=what):
            yield Page("product", rows, following)
