"""Yandex Market offer reads: the hook of the stock stream and the read of current prices.

The streams themselves (``stock`` per store, ``prices`` and ``products`` per business) are
declared in ``streams.STREAMS`` and paced by the methods' item quotas. A mixin of
``YandexMarketConnector``, which holds the page sizes and the stores' warehouses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from mpsync_connectors.yandex_market.streams import YandexMarketReads

from mpsync.connector.records import Records, as_dicts


class OfferReads(YandexMarketReads):
    """The offer hooks and lookups of the Yandex Market connector."""

    offers_page_size: ClassVar[int]
    _warehouse_campaigns: dict[str, int]

    def stock_rows(self, warehouses: Records) -> Records:
        """Bespoke: a page of getStocks is a page of warehouses, each listing its offers,
        and a stock write-back addresses the store a warehouse is of (remembered here). The
        ``stock`` hook: ``warehouses[].offers[]`` flattened, each offer with its
        ``warehouseId`` and ``campaignId``; a warehouse without an ``offers`` list is passed
        on as it is (the mapping dead-letters it)."""
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

    async def current_prices(self, offer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``price`` of each named offer as Market has it now (``getDefaultPrices``,
        ``offerIds`` 200 a request, the ``prices`` stream's listing)."""
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(offer_ids))
        for start in range(0, len(wanted), self.offers_page_size):
            chunk = wanted[start : start + self.offers_page_size]
            listing = self.declared("prices", body={"offerIds": chunk}).listing()
            for offer in await listing.records():
                if isinstance(offer.get("price"), dict):
                    found[str(offer.get("offerId"))] = offer["price"]
        return found
