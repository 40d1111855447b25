"""Wildberries FBS connector: assembly tasks, status refresh, supplies, stocks, prices, cards.

Each FBS task (one unit) is one CRM order, grouped by ``orderUid``. WB sends no pushes.
Stock and prices are read per size: the goods list of the prices API names every size
(``sizeID`` is the ``chrtId``) and its price; the seller warehouses' stock is asked for by
those ``chrtId``s. The same goods list and the content cards (names, barcodes) bind each
seller SKU to its ``nmID``/``chrtId`` (``product`` pages), which every push resolves through.

Endpoints, limits and units follow WB's own OpenAPI files (``eslazarev/wildberries-sdk:specs``,
``03-orders-fbs.yaml`` and ``02-products.yaml``); ``tests/contracts/wildberries.py`` holds
them as contracts. Every read is declared in ``streams.STREAMS`` and run by the one engine
(``mpsync.connector.declared``); code are the hooks those declarations name, the chaining of
the orders' three reads, and the stock fan-out (bespoke: see ``_stock``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync_connectors.wildberries import buyers, catalog, finance, writes
from mpsync_connectors.wildberries.streams import PAGE_SIZES, STREAMS
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
from mpsync.connector.declared import DeclaredStream, StreamSpec, chained
from mpsync.connector.errors import ApiError, AuthError, FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paging import Resume
from mpsync.connector.records import Records, as_dicts
from mpsync.connector.rest import RestConnector, StreamFetch
from mpsync.domain.streams import STREAM_NAMES


class WildberriesCredentials(BaseModel):
    """``token``: a token with the Marketplace, Prices and discounts, and Content categories."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr


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
        "goods_return": TokenBucket.per_minute(1, burst=10),  # the goods-return report
    }
)


class WildberriesConnector(buyers.WildberriesBuyers, finance.WildberriesFinance, RestConnector):
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
        "analytics": "https://seller-analytics-api.wildberries.ru",  # the goods-return report
    }
    limits: ClassVar[Mapping[str, LimitSpec]] = LIMITS
    declared_streams: ClassVar[Mapping[str, StreamSpec]] = STREAMS
    page_size: ClassVar[int] = 1000  # GET /api/v3/orders: limit 1..1000
    status_batch: ClassVar[int] = 1000  # POST /api/v3/orders/status: 1..1000 ids
    goods_page_size: ClassVar[int] = 1000  # /api/v2/list/goods/filter: limit ≤ 1000
    cards_page_size: ClassVar[int] = 100  # /content/v2/get/cards/list: cursor.limit ≤ 100
    stock_batch: ClassVar[int] = 1000  # /api/v3/stocks/{warehouseId}: chrtIds per request
    price_batch: ClassVar[int] = 1000  # /api/v2/upload/task: at most 1 000 goods

    def __init__(self, account: AccountConfig, **options: Any) -> None:
        super().__init__(account, **options)
        self.report_sleep = options.get("sleep") or asyncio.sleep
        # The open supply confirms go into, per (day, warehouseId, cargoType) of the task.
        self._supplies: dict[tuple[str, object, object], str] = {}
        self._supply_lock = asyncio.Lock()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.credentials.token.get_secret_value()}

    # -- reads (``streams.STREAMS``) ------------------------------------------------------
    def declared(self, name: str, **changes: Any) -> DeclaredStream:
        """The declared read *name* at this class's page size (``streams.PAGE_SIZES``); the
        parts of the orders stream read as ``orders``."""
        size, spec = PAGE_SIZES.get(name), STREAMS[name]
        if size is not None:
            spec = spec.changed(paging={"page_size": getattr(self, size)})
        spec = spec.changed(**changes)
        stream = "orders" if name in ("new_tasks", "order_status") else name
        return DeclaredStream(stream, spec, connector=self.name, call=self.call, hooks=self)

    async def call(self, method: str, host: str, path: str, *, group: str,
                   json_body: Any = None, params: Mapping[str, Any] | None = None,
                   pace: str | None = None) -> Any:  # fmt: skip
        """``pace="report"``: the realization report's one request a minute, kept by the
        connector's clock (``finance.WildberriesFinance.report_pace``)."""
        if pace == "report":
            await self.report_pace()
        return await super().call(method, host, path, group=group, json_body=json_body,
                                  params=params)  # fmt: skip

    def bespoke_streams(self) -> Mapping[str, StreamFetch]:
        """Orders chain three declared reads, finance resumes tokens of the read before it
        was declared, prices pair each page with its products, stock fans out by chrtId."""
        return {"orders": self._orders, "finance": self._finance, "prices": self._prices,
                "stock": self._stock}  # fmt: skip

    async def _orders(self, window: FetchWindow) -> AsyncIterator[Page]:
        """New tasks, the status refresh of the open ones, then the windowed history, as
        one read (``chained``). A backfill window (a resync chunk) reads the history only:
        ``/orders/new`` is in it too."""
        reads = ("orders",) if window.backfill else ("new_tasks", "order_status", "orders")
        async for page in chained([self.declared(read) for read in reads], window):
            yield page

    async def with_statuses(self, tasks: Records) -> Records:
        """Hook of the history read: its tasks carry no status, so each page's are asked for
        by the page's ids (``order_status``)."""
        ids = [task.get("id") for task in tasks]
        found = await self.declared("order_status").by_ids(ids).records()
        statuses = {row.get("id"): row for row in found}
        keys = ("supplierStatus", "wbStatus")
        return [{**task, **{key: value for key, value in statuses.get(task.get("id"), {}).items()
                            if key in keys}} for task in tasks]  # fmt: skip

    @staticmethod
    def size_rows(cards: Records) -> Records:
        """Hook of the goods and cards reads: one row per size (``catalog.size_rows``)."""
        return [row for card in cards for row in catalog.size_rows(card)]

    def _finance(self, window: FetchWindow) -> AsyncIterator[Page]:
        """The declared report read; a token of the read before it was declared (a bare
        ``rrd_id``) resumes the report after that row."""
        if window.resume and window.resume.isdigit():
            window = replace(window, resume=Resume("finance", cursor=window.resume).encode())
        return self._read_declared("finance", window)

    async def _prices(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every size's price (whole units of the card currency), and the ids it binds.

        Each goods page yields its ``product`` rows first, resuming at the same page, then
        its ``price`` rows, resuming after it: a stop between the two re-reads the page.
        """
        before = window.resume
        async for rows, following in self.declared("prices").pages(window):
            if rows:
                yield Page("product", rows, before)
            yield Page("price", rows, following)
            before = following

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Bespoke: stock of every size at every seller warehouse, one goods page at a time.

        The connector cannot read the store, so each page of the (declared) goods list
        supplies the ``chrtId``s to ask ``/api/v3/stocks/{warehouseId}`` about: a fan-out
        per warehouse and batch of ids, not a listing. An ``enrich`` hook could run the
        fan-out per page, but not hold the warehouse list, read once per read (only when
        a page has cards), without state on the connector between reads; this method keeps
        it local to the read.
        """
        warehouses: list[dict[str, Any]] | None = None
        async for cards, following in self.declared("stock").pages(window):
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
