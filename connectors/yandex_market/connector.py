"""Yandex Market Partner API connector: business orders, status write-back, stock and
price write-backs, and API notifications (the offer reads are in ``offers``). HTTP 420 is
rate limiting; limits are parallel-request caps, plus the item quotas of the offer methods.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from mpsync_connectors.yandex_market import push
from mpsync_connectors.yandex_market.buyers import LIMITS as BUYER_LIMITS
from mpsync_connectors.yandex_market.buyers import YandexMarketBuyers
from mpsync_connectors.yandex_market.dates import SliceCodec, creation_slices
from mpsync_connectors.yandex_market.finance import YandexMarketFinance
from mpsync_connectors.yandex_market.offers import OfferReads
from mpsync_connectors.yandex_market.prices import price_offer
from mpsync_connectors.yandex_market.returns import YandexMarketReturns
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from mpsync.connector.base import (
    Capabilities,
    FetchWindow,
    HttpObserver,
    OrderRef,
    Page,
    PriceUpdate,
    PushParseResult,
    Sleep,
    StockUpdate,
    WriteResult,
)
from mpsync.connector.errors import ApiError
from mpsync.connector.limits import Limiters, LimitSpec, Parallel, TokenBucket
from mpsync.connector.paginate import PageTokenPaginator, PhasedPaginator, WindowedPaginator
from mpsync.connector.paging import iso_z, utc
from mpsync.connector.records import Records
from mpsync.connector.rest import Now, RestConnector, utc_now
from mpsync.domain.streams import STREAM_NAMES

if TYPE_CHECKING:
    from mpsync.config.model import AccountConfig


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class YandexMarketCredentials(BaseModel):
    """``api_key``, ``business_id`` and the stores' ``campaign_ids`` (or one ``campaign_id``)."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr
    business_id: int
    campaign_ids: list[int] = Field(default_factory=list)
    campaign_id: int | None = None

    @model_validator(mode="after")
    def _some_campaign(self) -> YandexMarketCredentials:
        if self.campaign_id is not None and self.campaign_id not in self.campaign_ids:
            self.campaign_ids = [*self.campaign_ids, self.campaign_id]
        if not self.campaign_ids:
            raise ValueError("campaign_ids is empty; list the store ids, e.g. [21000000]")
        return self


ORDERS = "yandex_market POST /v1/businesses/{businessId}/orders"


class YandexMarketConnector(
    YandexMarketBuyers, YandexMarketFinance, YandexMarketReturns, OfferReads, RestConnector
):
    """Yandex Market Partner API (``api.partner.market.yandex.ru``)."""

    name = "yandex_market"
    credentials_model = YandexMarketCredentials
    capabilities = Capabilities.of(
        STREAM_NAMES, push=True, actions="ship cancel push_stock push_prices"
    )
    # OrderStatusType of the partner API (tests/contracts/yandex_market_enums.py).
    documented_statuses = frozenset({
        "PLACING", "RESERVED", "UNPAID", "PROCESSING", "DELIVERY", "PICKUP", "DELIVERED",
        "CANCELLED", "PENDING", "PARTIALLY_RETURNED", "RETURNED", "UNKNOWN",
    })  # fmt: skip
    # Write-backs name the offer by the seller's SKU as the catalogue binds it (offerId).
    push_ids: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "push_stock": ("offerId",),
        "push_prices": ("offerId",),
    }
    hosts: ClassVar[Mapping[str, str]] = {"api": "https://api.partner.market.yandex.ru"}
    limits: ClassVar[Mapping[str, LimitSpec]] = {
        "business": Parallel(4),
        "campaign": Parallel(4),
        **BUYER_LIMITS,
    }
    page_size: ClassVar[int] = 50
    offers_page_size: ClassVar[int] = 200  # getStocks, getDefaultPrices pages
    # Item quotas of the lowest tier ("none" in x-resource-limit-config), items per minute:
    # getStocks 100,000 offers (per store), getDefaultPrices 5,000 offers (per business),
    # updateStocks 100,000 SKUs, updateBusinessPrices 10,000 offers. Paced per call as if
    # every call were full: ``batch_sizes`` items a call (else ``offers_page_size``).
    item_quotas: ClassVar[Mapping[str, int]] = {
        "stocks": 100_000,
        "prices": 5_000,
        "stock_updates": 100_000,
        "price_updates": 10_000,
    }
    batch_sizes: ClassVar[Mapping[str, int]] = {"stock_updates": 2000, "price_updates": 500}
    # getOfferMappings: 100 requests/min at the lowest tier, up to 100 offers a page.
    mappings_per_minute: ClassVar[int] = 100
    mappings_page_size: ClassVar[int] = 100
    window_span: ClassVar[timedelta] = timedelta(days=30)
    # How long after creation an order may still change (delivery, return, refund): every
    # read of updates also asks this far back in creation dates, 30 days per request.
    late_update_horizon: ClassVar[timedelta] = timedelta(days=120)
    # How far back a read of single orders (a push, ``resync --order``) looks for them.
    lookup_horizon: ClassVar[timedelta] = timedelta(days=365)

    def __init__(
        self,
        account: AccountConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        metrics: HttpObserver | None = None,
        now: Now = utc_now,
    ) -> None:
        super().__init__(account, transport=transport, sleep=sleep, metrics=metrics, now=now)
        pages = {
            name: max(1, items // self.batch_sizes.get(name, self.offers_page_size))
            for name, items in self.item_quotas.items()
        }
        pages["mappings"] = self.mappings_per_minute
        self._quotas = Limiters(
            {name: TokenBucket.per_minute(count, burst=count) for name, count in pages.items()},
            sleep=sleep,
        )
        self._metrics = metrics
        self._warehouse_campaigns: dict[str, int] = {}

    def auth_headers(self) -> dict[str, str]:
        return {
            "Api-Key": self.credentials.api_key.get_secret_value(),
            "X-Market-Integration": f"{self.integration_name}/{self.integration_version}",
        }

    @property
    def _business(self) -> str:
        return f"/v1/businesses/{self.credentials.business_id}"

    async def _orders(self, window: FetchWindow) -> AsyncIterator[Page]:
        until = utc(window.until)
        since = utc(window.since) if window.since else until - self.window_span
        pages = WindowedPaginator(
            self._updated, start=since, end=until, span=self.window_span, phase="orders",
            stream="orders", what=ORDERS,
        )  # fmt: skip
        async for orders, following in pages.pages(window.resume):
            yield Page("order", orders, following)

    def _updated(self, low: datetime, high: datetime) -> PhasedPaginator:
        """Orders updated in ``[low, high]``, creation slice after slice (``dates``)."""
        phases = []
        for index, (begin, end) in enumerate(creation_slices(low, high, self.late_update_horizon)):
            dates = {"creationDateFrom": begin.isoformat(), "creationDateTo": end.isoformat(),
                     "updateDateFrom": iso_z(low), "updateDateTo": iso_z(high)}  # fmt: skip
            request = {"campaignIds": self.credentials.campaign_ids, "dates": dates}
            phases.append((str(index), self._orders_listing(request)))
        return PhasedPaginator(phases, stream="orders", what=ORDERS, codec=SliceCodec())

    def _orders_listing(self, request: dict[str, Any]) -> PageTokenPaginator:
        """``getBusinessOrders`` for one request body, by ``pageToken``."""

        async def page(cursor: str | None) -> tuple[Records, str | None]:
            params: dict[str, Any] = {"limit": self.page_size}
            if cursor:
                params["pageToken"] = cursor
            body = await self.call(
                "POST", "api", f"{self._business}/orders",
                group=f"business:{self.credentials.business_id}", json_body=request, params=params,
            )  # fmt: skip
            body = body or {}
            token = (body.get("paging") or {}).get("nextPageToken")
            return [dict(order) for order in body.get("orders") or []], (
                str(token) if token else None
            )

        return PageTokenPaginator(page, stream="orders", what=ORDERS)

    async def fetch_orders(self, external_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The named orders, looked for creation slice by slice (newest first) back over
        ``lookup_horizon``: without creation dates only the last 30 days would answer."""
        wanted = list(dict.fromkeys(int(i) for i in external_ids if str(i).isdigit()))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), self.page_size):
            found += await self._find(wanted[start : start + self.page_size])
        return found

    async def _find(self, ids: list[int]) -> list[dict[str, Any]]:
        now = self.now()
        found: list[dict[str, Any]] = []
        for begin, end in creation_slices(now, now, self.lookup_horizon):
            seen = {order.get("orderId") for order in found}
            missing = [i for i in ids if i not in seen]
            if not missing:
                break
            dates = {"creationDateFrom": begin.isoformat(), "creationDateTo": end.isoformat()}
            request = {"orderIds": missing, "campaignIds": self.credentials.campaign_ids,
                       "dates": dates}  # fmt: skip
            found += await self._orders_listing(request).records()
        return found

    def _campaign(self, order: OrderRef) -> int:
        value = order.raw.get("campaignId")
        return int(value) if value else self.credentials.campaign_ids[0]

    async def _set_status(self, order: OrderRef, status: str, substatus: str) -> WriteResult:
        campaign = self._campaign(order)
        body = await self.call(
            "PUT",
            "api",
            f"/v2/campaigns/{campaign}/orders/{order.external_id}/status",
            group=f"campaign:{campaign}",
            json_body={"order": {"status": status, "substatus": substatus}},
        )
        now = (body or {}).get("order") or {}
        return WriteResult(True, f"{status}/{substatus}", {"order": now})

    async def ship(self, order: OrderRef) -> WriteResult:
        """PROCESSING/STARTED → PROCESSING/READY_TO_SHIP (assembled)."""
        return await self.write(self._set_status(order, "PROCESSING", "READY_TO_SHIP"))

    async def cancel(self, order: OrderRef, reason: str | None = None) -> WriteResult:
        """Cancel by the shop: CANCELLED/SHOP_FAILED."""
        return await self.write(self._set_status(order, "CANCELLED", "SHOP_FAILED"))

    async def push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        """``PUT /v2/campaigns/{campaignId}/offers/stocks``.

        ``warehouse`` is a campaign id, or a warehouse id seen by a stock read (its store is
        used); anything else goes to the first campaign. The offer is the bound ``offerId``.
        """
        unbound = self._unbound(items)
        if unbound:
            return unbound
        return await self.write(self._push_stock(items))

    def _unbound(self, items: Sequence[StockUpdate | PriceUpdate]) -> WriteResult | None:
        """A failed result naming the SKUs bound to no ``offerId`` (nothing is sent)."""
        skus = [item.sku for item in items if not item.ids.get("offerId")]
        if not skus:
            return None
        command = f"mpsync sync --account {self.account.id} --stream products"
        message = f"{', '.join(skus)}: not bound to a Yandex Market offerId; run `{command}`"
        return WriteResult(False, message, {"unbound": skus})

    def _campaign_of(self, warehouse: str) -> int:
        campaigns: list[int] = self.credentials.campaign_ids
        if warehouse.isdigit() and int(warehouse) in campaigns:
            return int(warehouse)
        return self._warehouse_campaigns.get(warehouse, campaigns[0])

    async def _push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        by_campaign: dict[int, list[dict[str, Any]]] = {}
        stamp = iso_z(self.now())
        for item in items:
            campaign = self._campaign_of(item.warehouse)
            by_campaign.setdefault(campaign, []).append(
                {
                    "sku": item.ids["offerId"],
                    "items": [{"count": item.quantity, "updatedAt": stamp}],
                }
            )
        size = self.batch_sizes["stock_updates"]
        for campaign, skus in by_campaign.items():
            for start in range(0, len(skus), size):
                await self._paced(
                    "stock_updates",
                    "PUT",
                    f"/v2/campaigns/{campaign}/offers/stocks",
                    f"campaign:{campaign}",
                    {"skus": skus[start : start + size]},
                )
        return WriteResult(True, f"{len(items)} stock level(s) sent", {})

    async def _paced(
        self, quota: str, method: str, path: str, group: str, body: dict[str, Any]
    ) -> Any:
        """A write-back call within its item quota (one full batch's share a call)."""
        async with self._quotas.get(quota).slot() as waited:
            if waited > 0 and self._metrics is not None:
                self._metrics.rate_limited(self.name, quota, waited)
            return await self.call(method, "api", path, group=group, json_body=body)

    async def push_prices(self, items: Sequence[PriceUpdate]) -> WriteResult:
        """``POST /v2/businesses/{businessId}/offer-prices/updates`` (all stores).

        Leaving ``discountBase`` or ``minimumForBestseller`` out of an update erases them at
        Market, so an update that leaves them as they are (``None``) sends the ones Market
        has now (read first). Every offer is then checked (``prices.price_offer``); if one
        cannot be sent as asked, nothing is sent and the result names it.
        """
        unbound = self._unbound(items)
        if unbound:
            return unbound
        try:
            items = await self._kept(items)
        except ApiError as exc:
            return WriteResult(False, f"reading the current prices failed: {exc}", {})
        checked = [price_offer(item) for item in items]
        problems = [problem for _, problem in checked if problem]
        if problems:
            return WriteResult(False, "; ".join(problems), {"refused": problems})
        return await self.write(self._push_prices([offer for offer, _ in checked if offer]))

    async def _kept(self, items: Sequence[PriceUpdate]) -> list[PriceUpdate]:
        """*items* with the crossed-out and bestseller prices Market has now where an update
        leaves them (None), from ``getDefaultPrices`` by offerId."""
        leave = [i.ids["offerId"] for i in items if i.old_price is None or i.min_price is None]
        now = await self.current_prices(leave) if leave else {}

        def kept(item: PriceUpdate) -> PriceUpdate:
            price = now.get(item.ids["offerId"], {})
            old = item.old_price if item.old_price is not None else price.get("discountBase")
            low = (
                item.min_price if item.min_price is not None else price.get("minimumForBestseller")
            )
            return replace(item, old_price=_money(old), min_price=_money(low))

        return [kept(item) for item in items]

    async def _push_prices(self, offers: list[dict[str, Any]]) -> WriteResult:
        business = self.credentials.business_id
        size = self.batch_sizes["price_updates"]
        for start in range(0, len(offers), size):
            await self._paced(
                "price_updates",
                "POST",
                f"/v2/businesses/{business}/offer-prices/updates",
                f"business:{business}",
                {"offers": offers[start : start + size]},
            )
        return WriteResult(True, f"{len(offers)} price(s) sent", {})

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> PushParseResult:
        return push.parse(
            body, now=self.now(), name=self.integration_name, version=self.integration_version
        )

    async def check_credentials(self) -> None:
        campaign = self.credentials.campaign_ids[0]
        await self.call("GET", "api", f"/v2/campaigns/{campaign}", group=f"campaign:{campaign}")
