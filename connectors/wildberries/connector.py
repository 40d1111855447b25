"""Wildberries FBS connector: assembly tasks, status refresh, supplies, stocks, prices, cards.

Each FBS task (one unit) is one CRM order, grouped by ``orderUid``. WB sends no pushes.
Stock and prices are read per size: the goods list of the prices API names every size
(``sizeID`` is the ``chrtId``) and its price; the seller warehouses' stock is asked for by
those ``chrtId``s. The same goods list and the content cards (names, barcodes) bind each
seller SKU to its ``nmID``/``chrtId`` (``product`` pages), which every push resolves through.

Endpoints, limits and units follow WB's own OpenAPI files (``eslazarev/wildberries-sdk:specs``,
``03-orders-fbs.yaml`` and ``02-products.yaml``); ``tests/contracts/wildberries.py`` holds
them as contracts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync_connectors.wildberries import buyers, catalog, finance, returns, writes
from pydantic import BaseModel, ConfigDict, SecretStr

from mpsync.config import AccountConfig
from mpsync.connector.base import (
    Capabilities,
    FetchWindow,
    OrderRef,
    Page,
    PriceUpdate,
    StockUpdate,
    WriteResult,
)
from mpsync.connector.errors import ApiError, AuthError, FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paginate import (
    CursorPaginator,
    OffsetPaginator,
    PhasedPaginator,
    WindowedPaginator,
)
from mpsync.connector.paging import Resume, utc
from mpsync.connector.records import Records, as_dicts
from mpsync.connector.rest import RestConnector
from mpsync.domain.streams import STREAM_NAMES


class WildberriesCredentials(BaseModel):
    """``token``: a token with the Marketplace, Prices and discounts, and Content categories."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr


def _ids(values: Sequence[str]) -> list[int]:
    return [int(value) for value in values if str(value).isdigit()]


def _batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


# Each method family has its own budget per seller account, as the method descriptions give
# them: 300/min burst 20 for FBS tasks and supplies, for seller warehouses and for their
# stocks; 100/min burst 20 for cancelling a task; 10 per 6 s burst 5 for Prices and
# discounts; 100/min burst 5 for Content.
LIMITS: Mapping[str, LimitSpec] = MappingProxyType(
    {
        "orders": TokenBucket.per_minute(300, burst=20),
        "cancel": TokenBucket.per_minute(100, burst=20),
        "warehouses": TokenBucket.per_minute(300, burst=20),
        "stocks": TokenBucket.per_minute(300, burst=20),
        "prices": TokenBucket(per_second=10 / 6, burst=5),
        "content": TokenBucket.per_minute(100, burst=5),
        **buyers.LIMITS,  # questions and reviews: 3 requests/s, bursts of 6
        **finance.LIMITS,  # the realization report: 1 request/min
        **returns.LIMITS,  # the goods-return report: 1 request/min, bursts of 10
    }
)


class WildberriesConnector(
    buyers.WildberriesBuyers, finance.WildberriesFinance, returns.WildberriesReturns, RestConnector
):
    """Wildberries seller API (marketplace, prices and content hosts)."""

    name = "wildberries"
    credentials_model = WildberriesCredentials
    capabilities = Capabilities.of(
        STREAM_NAMES, push=False, actions="confirm ship cancel push_stock push_prices"
    )
    documented_statuses = frozenset({"new", "confirm", "complete", "cancel"})
    binding_stream: ClassVar[str | None] = "products"
    push_ids: ClassVar[Mapping[str, tuple[str, ...]]] = MappingProxyType(
        {"push_stock": ("chrtId",), "push_prices": ("nmID",)}
    )
    hosts: ClassVar[Mapping[str, str]] = {
        "marketplace": "https://marketplace-api.wildberries.ru",
        "prices": "https://discounts-prices-api.wildberries.ru",
        "content": "https://content-api.wildberries.ru",
        **buyers.HOSTS,
        **finance.HOSTS,
        **returns.HOSTS,
    }
    limits: ClassVar[Mapping[str, LimitSpec]] = LIMITS
    page_size: ClassVar[int] = 1000  # GET /api/v3/orders: limit 1..1000
    status_batch: ClassVar[int] = 1000  # POST /api/v3/orders/status: 1..1000 ids
    goods_page_size: ClassVar[int] = 1000  # /api/v2/list/goods/filter: limit ≤ 1000
    cards_page_size: ClassVar[int] = 100  # /content/v2/get/cards/list: cursor.limit ≤ 100
    stock_batch: ClassVar[int] = 1000  # /api/v3/stocks/{warehouseId}: chrtIds per request
    price_batch: ClassVar[int] = 1000  # /api/v2/upload/task: at most 1 000 goods
    window_span: ClassVar[timedelta] = timedelta(days=30)  # GET /api/v3/orders: ≤ 30 days

    def __init__(self, account: AccountConfig, **options: Any) -> None:
        super().__init__(account, **options)
        self._finance_sleep = options.get("sleep") or asyncio.sleep
        # The open supply confirms go into, per (day, warehouseId, cargoType) of the task.
        self._supplies: dict[tuple[str, object, object], str] = {}
        self._supply_lock = asyncio.Lock()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.credentials.token.get_secret_value()}

    # -- orders -----------------------------------------------------------------------
    async def _orders(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Phases: new tasks, status refresh of open ids, then the windowed history.

        A backfill window (a resync chunk) reads the history only.
        """
        resume = Resume.decode(window.resume)
        # A resync chunk lists its window only: /orders/new is in the history too.
        phase = resume.phase if resume else ("history" if window.backfill else "new")
        if phase == "new":
            body = await self.call("GET", "marketplace", "/api/v3/orders/new", group="orders")
            tasks = [
                dict(task, supplierStatus=task.get("supplierStatus") or "new")
                for task in as_dicts((body or {}).get("orders"))
            ]
            yield Page("order", tasks, Resume("status", cursor="0").encode())
            resume, phase = None, "status"
        if phase == "status":
            async for page in self._refresh(window, resume):
                yield page
            resume = None
        async for page in self._history(window, resume):
            yield page

    async def _refresh(self, window: FetchWindow, resume: Resume | None) -> AsyncIterator[Page]:
        batches = _batches(_ids(window.open_ids), self.status_batch)
        start = int(resume.cursor or 0) if resume else 0
        for index in range(start, len(batches)):
            statuses = await self._statuses(batches[index])
            following = (
                Resume("status", cursor=str(index + 1))
                if index + 1 < len(batches)
                else Resume("history")
            )
            yield Page("order_status", statuses, following.encode())

    async def _statuses(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        body = await self.call(
            "POST",
            "marketplace",
            "/api/v3/orders/status",
            group="orders",
            json_body={"orders": list(ids)},
        )
        return as_dicts((body or {}).get("orders"))

    async def _history(self, window: FetchWindow, resume: Resume | None) -> AsyncIterator[Page]:
        until = utc(window.until)
        since = utc(window.since) if window.since else until - self.window_span
        what = "wildberries GET /api/v3/orders"

        def listing(low: datetime, high: datetime) -> CursorPaginator:
            return CursorPaginator(partial(self._history_page, low, high), stream="orders",
                                   what=what)  # fmt: skip

        pages = WindowedPaginator(listing, start=since, end=until, span=self.window_span,
                                  phase="history", stream="orders", what=what)  # fmt: skip
        async for tasks, following in pages.pages(resume.encode() if resume else None):
            yield Page("order", tasks, following)

    async def _history_page(
        self, low: datetime, high: datetime, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of ``GET /api/v3/orders`` (tasks without a status) with their statuses."""
        params = {
            "limit": self.page_size,
            "next": int(cursor or 0),
            "dateFrom": int(low.timestamp()),
            "dateTo": int(high.timestamp()),
        }
        body = await self.call(
            "GET", "marketplace", "/api/v3/orders", group="orders", params=params
        )
        tasks = as_dicts((body or {}).get("orders"))
        if not tasks:
            return [], None
        ids = [t["id"] for t in tasks if isinstance(t.get("id"), int)]
        statuses = {row.get("id"): row for row in await self._statuses(ids)}
        for task in tasks:
            row = statuses.get(task.get("id"), {})
            task.update({k: row[k] for k in ("supplierStatus", "wbStatus") if k in row})
        following = body.get("next")
        return tasks, (None if following in (None, 0) else str(following))

    # -- goods: prices, stock, products ---------------------------------------------------
    def _goods(self, window: FetchWindow, stream: str) -> AsyncIterator[tuple[Records, str | None]]:
        """The goods list (offset paging until an empty page), resumable."""
        listing = OffsetPaginator(
            partial(catalog.goods_page, self.call, self.goods_page_size),
            limit=self.goods_page_size, until_empty=True, stream=stream, what=catalog.GOODS,
        )  # fmt: skip
        pages = PhasedPaginator([("goods", listing)], stream=stream, what=catalog.GOODS)
        return pages.pages(window.resume)

    async def _prices(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every size's price (whole units of the card currency), and the ids it binds.

        Each goods page yields its ``product`` rows first, resuming at the same page, then
        its ``price`` rows, resuming after it: a stop between the two re-reads the page.
        """
        before = window.resume
        async for cards, following in self._goods(window, "prices"):
            rows = [row for card in cards for row in catalog.size_rows(card)]
            if rows:
                yield Page("product", rows, before)
            yield Page("price", rows, following)
            before = following

    async def _products(self, window: FetchWindow) -> AsyncIterator[Page]:
        """The content cards, one ``product`` row per size: names, barcodes and ids."""
        listing = CursorPaginator(
            partial(catalog.cards_page, self.call, self.cards_page_size), stream="products",
            what=catalog.CARDS,
        )  # fmt: skip
        pages = PhasedPaginator([("cards", listing)], stream="products", what=catalog.CARDS)
        async for cards, following in pages.pages(window.resume):
            yield Page("product", [row for card in cards for row in catalog.size_rows(card)],
                       following)  # fmt: skip

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Stock of every size at every seller warehouse, one goods page at a time.

        Bespoke: the connector cannot read the store, so each page of the goods list
        supplies the ``chrtId``s to ask ``/api/v3/stocks/{warehouseId}`` about (a fan-out
        per warehouse no listing declaration expresses). The warehouse list is read once.
        """
        warehouses: list[dict[str, Any]] | None = None
        async for cards, following in self._goods(window, "stock"):
            if cards and warehouses is None:
                warehouses = await self._warehouses()
            rows = await catalog.stock_rows(self.call, cards, warehouses or [], self.stock_batch)
            yield Page("stock", rows, following)

    async def _warehouses(self) -> list[dict[str, Any]]:
        """The seller's warehouses, less those being deleted."""
        body = await self.call("GET", "marketplace", "/api/v3/warehouses", group="warehouses")
        if not isinstance(body, list):
            kind = type(body).__name__
            raise FatalError(
                f"wildberries GET /api/v3/warehouses: expected a JSON list, got {kind}"
            )
        return [w for w in as_dicts(body) if w.get("id") is not None and not w.get("isDeleting")]

    # -- write-backs ------------------------------------------------------------------
    async def confirm(self, order: OrderRef) -> WriteResult:
        """Add the task to a supply (the task moves to ``confirm``).

        Tasks confirmed on the same day share one supply (``mpsync YYYY-MM-DD``), as a
        seller packs them: one supply per task would mean one hand-over per parcel. A supply
        takes tasks of one warehouse and one ``cargoType`` only ("Поставку можно собрать
        только из сборочных заданий одного габаритного типа"; "нельзя добавить сборочные
        задания, поступившие на разные склады"), so there is one per day, warehouse and
        cargo type. The batch method is used; the single-task one is deprecated.
        """
        return await self.write(self._confirm(order))

    async def _confirm(self, order: OrderRef) -> WriteResult:
        given = order.raw.get("supplyId")
        key = (self.now().date().isoformat(), order.raw.get("warehouseId"),
               order.raw.get("cargoType"))  # fmt: skip
        supply = str(given) if given else await self._open_supply(key)
        try:
            await self.call(
                "PATCH",
                "marketplace",
                f"/api/marketplace/v3/supplies/{supply}/orders",
                group="orders",
                json_body={"orders": [int(order.external_id)]},
            )
        except ApiError:
            # The shared supply may have been handed over meanwhile (in the seller
            # portal, say): the next confirm opens a new one; this one is retried.
            if not given:
                self._supplies.pop(key, None)
            raise
        return WriteResult(True, "added to supply", {"supply_id": supply})

    async def _open_supply(self, key: tuple[str, object, object]) -> str:
        async with self._supply_lock:
            if key not in self._supplies:
                day = key[0]
                self._supplies = {k: v for k, v in self._supplies.items() if k[0] == day}
                created = await self.call(
                    "POST",
                    "marketplace",
                    "/api/v3/supplies",
                    group="orders",
                    json_body={"name": f"mpsync {day}"},
                )
                self._supplies[key] = str((created or {}).get("id"))
            return self._supplies[key]

    async def ship(self, order: OrderRef) -> WriteResult:
        """Hand the task's supply over to delivery (its tasks move to ``complete``)."""
        supply = order.raw.get("supplyId")
        if not supply:
            return WriteResult(False, "the task is in no supply; confirm it first", {})
        return await self.write(self._deliver(str(supply)))

    async def _deliver(self, supply: str) -> WriteResult:
        await self.call(
            "PATCH", "marketplace", f"/api/v3/supplies/{supply}/deliver", group="orders"
        )
        # handed over: later tasks go into a new supply
        self._supplies = {k: v for k, v in self._supplies.items() if v != supply}
        return WriteResult(True, "supply handed over to delivery", {"supply_id": supply})

    async def cancel(self, order: OrderRef, reason: str | None = None) -> WriteResult:
        return await self.write(self._cancel(order.external_id))

    async def _cancel(self, task_id: str) -> WriteResult:
        await self.call("PATCH", "marketplace", f"/api/v3/orders/{task_id}/cancel", group="cancel")
        return WriteResult(True, "cancelled", {})

    async def push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        """``PUT /api/v3/stocks/{warehouseId}`` by the bound ``chrtId`` of each SKU.

        WB answers 204 even to ids it does not know, so only bound ids are sent; an update
        without one fails naming its SKU. The next stock read shows what WB holds.
        """
        plan = writes.stock_entries(items)
        failures = dict(plan.refused)
        for warehouse, stocks in plan.entries.items():
            for batch in _batches(stocks, 1000):
                try:
                    await self.call(
                        "PUT",
                        "marketplace",
                        f"/api/v3/stocks/{warehouse}",
                        group="stocks",
                        json_body={"stocks": list(batch)},
                    )
                except ApiError as exc:
                    failures[f"warehouse {warehouse}"] = str(exc)
        sent = len(plan.sent)
        message = "; ".join(failures.values()) or f"{sent} stock level(s) sent"
        return WriteResult(not failures, message, {"sent": plan.sent, "failed": failures})

    async def push_prices(self, items: Sequence[PriceUpdate]) -> WriteResult:
        """``POST /api/v2/upload/task`` with the bound ``nmID`` and the ``price``/``discount``
        pair that yields each asked selling price (``writes.price_pair``).

        What cannot be sent (no bound nmID, a minimum price WB does not have) fails naming
        its SKU; the rest is uploaded.
        """
        plan = writes.price_entries(items)
        failures = dict(plan.refused)
        result = WriteResult(True, "no price to upload", {})
        if plan.sent:
            result = await self.write(self._upload_prices(plan))
            if not result.ok:
                failures["upload"] = result.message
        if failures:
            message = "; ".join(failures.values())
            return WriteResult(False, message, {"failed": failures, "sent": plan.sent})
        return result

    async def _upload_prices(self, plan: writes.Planned) -> WriteResult:
        uploads = []
        for batch in _batches(plan.entries["data"], self.price_batch):
            try:
                body = await self.call(
                    "POST",
                    "prices",
                    "/api/v2/upload/task",
                    group="prices",
                    json_body={"data": list(batch)},
                )
            except ApiError as exc:
                if not writes.already_set(exc.body):
                    raise
                body = {"data": None}  # nothing to change: the asked prices hold already
            body = body if isinstance(body, dict) else {}
            if body.get("error"):
                return WriteResult(False, str(body.get("errorText") or "upload failed"), body)
            uploads.append((body.get("data") or {}).get("id"))
        pairs = ", ".join(
            f"{sku}: price {s['price']} − {s['discount']}% = {s['sells_at']}"
            for sku, s in plan.sent.items()
        )
        # What the next price read will show: WB takes whole prices and percentages, so it
        # may differ from the asked figures by a few kopecks (``writes.price_pair``).
        reads_as = {sku: s["reads_as"] for sku, s in plan.sent.items()}
        details = {"upload_ids": uploads, "sent": plan.sent, "reads_as": reads_as}
        return WriteResult(True, f"uploaded {pairs}", details)

    # -- credentials ------------------------------------------------------------------
    async def check_credentials(self) -> None:
        """One cheap read per API category the streams use, so a missing scope shows here.

        A WB token is issued per category: Marketplace (orders, warehouses, stock), Prices
        and discounts (the goods list that prices and the stock read start from) and
        Content (the product cards that name the SKUs and their barcodes).
        """
        cards = {"settings": {"cursor": {"limit": 1}, "filter": {"withPhoto": -1}}}
        for method, host, path, body, params, group, scope in (
            ("GET", "marketplace", "/api/v3/warehouses", None, None, "warehouses", "Marketplace"),
            ("GET", "prices", "/api/v2/list/goods/filter", None, {"limit": 1, "offset": 0},
             "prices", "Prices and discounts"),
            ("POST", "content", "/content/v2/get/cards/list", cards, None, "content", "Content"),
        ):  # fmt: skip
            try:
                await self.call(method, host, path, group=group, json_body=body, params=params)
            except AuthError as exc:
                raise AuthError(f"{exc} (the token needs the {scope} category)") from exc


__all__ = ["WildberriesConnector", "WildberriesCredentials"]
