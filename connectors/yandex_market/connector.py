"""Yandex Market Partner API connector: status, stock and price write-backs, single-order
reads and API notifications; every stream read is declared (``streams.STREAMS``). HTTP 420
is rate limiting; limits are parallel-request caps, plus the item quotas of the offer methods.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from mpsync_connectors.yandex_market import push
from mpsync_connectors.yandex_market.buyers import LIMITS as BUYER_LIMITS
from mpsync_connectors.yandex_market.buyers import YandexMarketBuyers
from mpsync_connectors.yandex_market.dates import creation_slices
from mpsync_connectors.yandex_market.offers import OfferReads
from mpsync_connectors.yandex_market.prices import price_offer
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from mpsync.connector.base import (
    Capabilities,
    HttpObserver,
    OrderRef,
    PriceUpdate,
    PushParseResult,
    Sleep,
    StockUpdate,
    WriteResult,
)
from mpsync.connector.errors import ApiError
from mpsync.connector.limits import Limiters, LimitSpec, Parallel, TokenBucket
from mpsync.connector.paging import iso_z
from mpsync.connector.rest import Now, utc_now
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


def _creation_dates(days: tuple[date, date]) -> dict[str, str]:
    """A creation slice's keys in the ``getBusinessOrders`` body (``OrderDatesFilterDTO``)."""
    begin, end = days
    return {"dates.creationDateFrom": begin.isoformat(), "dates.creationDateTo": end.isoformat()}


class YandexMarketConnector(YandexMarketBuyers, OfferReads):
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
    stats_page_size: ClassVar[int] = 200  # getOrdersStats: "не более чем по 200 заказам"
    returns_page_size: ClassVar[int] = 100  # getReturns: limit ≤ 100
    resync_chunks: ClassVar[Mapping[str, timedelta]] = {
        "finance": timedelta(days=30),
        "returns": timedelta(days=30),
    }
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

    def order_slices(self, low: datetime, high: datetime) -> list[dict[str, str]]:
        """Bespoke: Market answers only for orders created within a request's creation
        window (calendar days in Moscow, ``To`` excluded, 30 at most: ``dates``), so each
        window of updates is read in creation slices, newest first, back over
        ``late_update_horizon``. The ``orders`` stream's ``slices`` hook."""
        return [_creation_dates(days)
                for days in creation_slices(low, high, self.late_update_horizon)]  # fmt: skip

    async def fetch_orders(self, external_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The named orders, looked for creation slice by slice (newest first) back over
        ``lookup_horizon``: without creation dates only the last 30 days would answer."""
        wanted = list(dict.fromkeys(int(i) for i in external_ids if str(i).isdigit()))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), self.page_size):
            found += await self._find(wanted[start : start + self.page_size])
        return found

    async def _find(self, ids: list[int]) -> list[dict[str, Any]]:
        """Bespoke: a read by ids, not a stream: the declared ``orders`` listing asked for
        *ids* creation slice by slice, stopping at the first slice after which none is
        missing (a year of slices is 13 requests; most orders are in the first)."""
        now, orders = self.now(), self.declared("orders")
        found: list[dict[str, Any]] = []
        for days in creation_slices(now, now, self.lookup_horizon):
            seen = {order.get("orderId") for order in found}
            missing = [i for i in ids if i not in seen]
            if not missing:
                break
            keys = {"orderIds": missing, **_creation_dates(days)}
            found += await orders.listing(keys, place="body").records()
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
        for campaign, skus in by_campaign.items():
            await self._batches("stock_updates", "PUT", f"/v2/campaigns/{campaign}/offers/stocks",
                                f"campaign:{campaign}", "skus", skus)  # fmt: skip
        return WriteResult(True, f"{len(items)} stock level(s) sent", {})

    async def _batches(self, quota: str, method: str, path: str, group: str, key: str,
                       items: list[dict[str, Any]]) -> None:  # fmt: skip
        """*items* sent ``batch_sizes[quota]`` a call under *key*, within the item quota."""
        size = self.batch_sizes[quota]
        for start in range(0, len(items), size):
            await self.paced_call(method, "api", path, group=group, pace=quota,
                                  json_body={key: items[start : start + size]})  # fmt: skip

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
        await self._batches("price_updates", "POST",
                            f"/v2/businesses/{business}/offer-prices/updates",
                            f"business:{business}", "offers", offers)  # fmt: skip
        return WriteResult(True, f"{len(offers)} price(s) sent", {})

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> PushParseResult:
        return push.parse(
            body, now=self.now(), name=self.integration_name, version=self.integration_version
        )

    async def check_credentials(self) -> None:
        campaign = self.credentials.campaign_ids[0]
        await self.call("GET", "api", f"/v2/campaigns/{campaign}", group=f"campaign:{campaign}")
