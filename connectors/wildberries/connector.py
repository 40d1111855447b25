"""Wildberries FBS connector: assembly tasks, status refresh, supplies, stocks, prices.

Each FBS task (one unit) is one CRM order, grouped by ``orderUid``. WB sends no pushes.
Stock and prices are read per size: the goods list of the prices API names every size
(``sizeID`` is the ``chrtId``) and its price; the seller warehouses' stock is asked for by
those ``chrtId``s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP
from typing import Any, ClassVar

from mpsync_connectors.snapshot import (
    PageCall,
    Records,
    as_dicts,
    json_object,
    no_repeats,
    offset_cursor,
    phased_pages,
)
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
from mpsync.connector.paging import Resume, utc, windowed_pages
from mpsync.connector.rest import RestConnector, StreamFetch


class WildberriesCredentials(BaseModel):
    """``token``: a Marketplace + Prices API token from the seller cabinet."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr


def _ids(values: Sequence[str]) -> list[int]:
    return [int(value) for value in values if str(value).isdigit()]


def _batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


SIZE_KEYS = ("nmID", "vendorCode", "techSizeName", "sizeID", "cardSizes")


def size_rows(card: dict[str, Any]) -> Records:
    """One goods-list card → one row per size: the card's fields, the size's fields and
    ``cardSizes`` (how many sizes the card has; the mapping names a size's SKU by it).

    A card without sizes is passed on as it is: the mapping dead-letters it.
    """
    sizes = card.get("sizes")
    if not isinstance(sizes, list) or not sizes:
        return [card]
    base = {key: value for key, value in card.items() if key != "sizes"}
    return [
        {**base, **size, "cardSizes": len(sizes)}
        if isinstance(size, dict)
        else {**base, "_unparsed": size}
        for size in sizes
    ]


class WildberriesConnector(RestConnector):
    """Wildberries seller API (marketplace, prices and common hosts)."""

    name = "wildberries"
    default_mapping = "wildberries"
    credentials_model = WildberriesCredentials
    capabilities = Capabilities(
        streams=frozenset({"orders", "stock", "prices"}),
        push=False,
        actions=frozenset({"confirm", "ship", "cancel", "push_stock", "push_prices"}),
    )
    documented_statuses = frozenset({"new", "confirm", "complete", "cancel"})
    hosts: ClassVar[Mapping[str, str]] = {
        "marketplace": "https://marketplace-api.wildberries.ru",
        "prices": "https://discounts-prices-api.wildberries.ru",
        "common": "https://common-api.wildberries.ru",
    }
    limits: ClassVar[Mapping[str, LimitSpec]] = {
        "marketplace": TokenBucket.per_minute(300, burst=20),
        "prices": TokenBucket(per_second=10 / 6, burst=5),
        "common": TokenBucket(per_second=0.1, burst=3),
    }
    page_size: ClassVar[int] = 1000
    status_batch: ClassVar[int] = 1000
    goods_page_size: ClassVar[int] = 1000  # /api/v2/list/goods/filter: limit 1..1000
    stock_batch: ClassVar[int] = 1000  # /api/v3/stocks/{warehouseId}: 1..1000 chrtIds
    window_span: ClassVar[timedelta] = timedelta(days=30)

    def __init__(self, account: AccountConfig, **options: Any) -> None:
        super().__init__(account, **options)
        self._supply: tuple[str, str] | None = None  # (day, supply id) confirms go into
        self._supply_lock = asyncio.Lock()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.credentials.token.get_secret_value()}

    def stream_fetchers(self) -> Mapping[str, StreamFetch]:
        return {"orders": self._orders, "stock": self._stock, "prices": self._prices}

    async def _orders(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Phases: new tasks, status refresh of open ids, then the windowed history.

        A backfill window (a resync chunk) reads the history only.
        """
        resume = Resume.decode(window.resume)
        # A resync chunk lists its window only: /orders/new is in the history too.
        phase = resume.phase if resume else ("history" if window.backfill else "new")
        if phase == "new":
            body = await self.call("GET", "marketplace", "/api/v3/orders/new", group="marketplace")
            tasks = [
                dict(task, supplierStatus=task.get("supplierStatus") or "new")
                for task in (body or {}).get("orders") or []
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
            group="marketplace",
            json_body={"orders": list(ids)},
        )
        return [dict(row) for row in (body or {}).get("orders") or []]

    async def _history(self, window: FetchWindow, resume: Resume | None) -> AsyncIterator[Page]:
        until = utc(window.until)
        since = utc(window.since) if window.since else until - self.window_span
        pages = windowed_pages(
            phase="history",
            start=since,
            end=until,
            span=self.window_span,
            fetch=self._history_page,
            resume=resume,
            what="wildberries GET /api/v3/orders",
        )
        async for tasks, following in pages:
            yield Page("order", tasks, following.encode() if following else None)

    async def _history_page(
        self, low: datetime, high: datetime, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        params = {
            "limit": self.page_size,
            "next": int(cursor or 0),
            "dateFrom": int(low.timestamp()),
            "dateTo": int(high.timestamp()),
        }
        body = await self.call(
            "GET", "marketplace", "/api/v3/orders", group="marketplace", params=params
        )
        tasks = [dict(task) for task in (body or {}).get("orders") or []]
        if not tasks:
            return [], None
        statuses = {row.get("id"): row for row in await self._statuses([t["id"] for t in tasks])}
        for task in tasks:
            row = statuses.get(task.get("id"), {})
            task.update({k: row[k] for k in ("supplierStatus", "wbStatus") if k in row})
        following = body.get("next")
        return tasks, (None if following in (None, 0) else str(following))

    async def _goods(self, cursor: str | None) -> tuple[Records, str | None]:
        """One page of ``GET /api/v2/list/goods/filter`` (offset paging); cursor = offset."""
        offset = int(cursor or 0)
        body = await self.call(
            "GET",
            "prices",
            "/api/v2/list/goods/filter",
            group="prices",
            params={"limit": self.goods_page_size, "offset": offset},
        )
        body = json_object(body, "wildberries GET /api/v2/list/goods/filter")
        if body.get("error"):
            text = body.get("errorText") or "error without a text"
            raise FatalError(f"wildberries GET /api/v2/list/goods/filter: {text}")
        data = body.get("data")
        goods = as_dicts(data.get("listGoods") if isinstance(data, dict) else None)
        return goods, offset_cursor(offset, len(goods), self.goods_page_size)

    def _goods_pages(self) -> PageCall:
        """``_goods`` for one run, refusing a page that repeats the one before it."""
        return no_repeats(self._goods, what="wildberries GET /api/v2/list/goods/filter")

    async def _prices(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every card's prices, one row per size (whole units of the card currency)."""
        goods = self._goods_pages()

        async def page(cursor: str | None) -> tuple[Records, str | None]:
            cards, following = await goods(cursor)
            return [row for card in cards for row in size_rows(card)], following

        pages = phased_pages(
            [("goods", page)], window.resume, what="wildberries GET /api/v2/list/goods/filter"
        )
        async for rows, following in pages:
            yield Page("price", rows, following)

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Stock of every size at every seller warehouse, one goods page at a time.

        ``POST /api/v3/stocks/{warehouseId}`` answers only for the ``chrtId``s it is asked
        about, and the connector cannot read the store: each page of the goods list supplies
        them. The warehouse list is read once per run.
        """
        warehouses: list[dict[str, Any]] | None = None
        goods = self._goods_pages()

        async def page(cursor: str | None) -> tuple[Records, str | None]:
            nonlocal warehouses
            cards, following = await goods(cursor)
            if cards and warehouses is None:
                warehouses = await self._warehouses()
            return await self._stock_rows(cards, warehouses or []), following

        pages = phased_pages(
            [("goods", page)],
            window.resume,
            what="wildberries GET /api/v2/list/goods/filter (for stocks)",
        )
        async for rows, following in pages:
            yield Page("stock", rows, following)

    async def _warehouses(self) -> list[dict[str, Any]]:
        """The seller's warehouses, less those being deleted."""
        body = await self.call("GET", "marketplace", "/api/v3/warehouses", group="marketplace")
        if not isinstance(body, list):
            kind = type(body).__name__
            raise FatalError(
                f"wildberries GET /api/v3/warehouses: expected a JSON list, got {kind}"
            )
        return [w for w in as_dicts(body) if w.get("id") is not None and not w.get("isDeleting")]

    async def _stock_rows(self, goods: Records, warehouses: list[dict[str, Any]]) -> Records:
        """Rows ``{chrtId, amount, warehouseId, warehouseName}`` plus the size's identity
        (``nmID``, ``vendorCode``, ``techSizeName``, ``sizeID``, ``cardSizes``).

        A size without a usable ``sizeID`` (or a card without sizes) cannot be asked about:
        it becomes a row without an amount, which the mapping dead-letters.
        """
        sizes: dict[int, dict[str, Any]] = {}
        rows: Records = []
        for card in goods:
            for row in size_rows(card):
                chrt = row.get("sizeID")
                if isinstance(chrt, int) and not isinstance(chrt, bool):
                    sizes[chrt] = {key: row[key] for key in SIZE_KEYS if key in row}
                else:
                    rows.append(row)
        for warehouse in warehouses:
            wid = warehouse["id"]
            for batch in _batches(list(sizes), self.stock_batch):
                body = await self.call(
                    "POST",
                    "marketplace",
                    f"/api/v3/stocks/{wid}",
                    group="marketplace",
                    json_body={"chrtIds": list(batch)},
                )
                answer = json_object(body, f"wildberries POST /api/v3/stocks/{wid}")
                for stock in as_dicts(answer.get("stocks")):
                    chrt = stock.get("chrtId")
                    size = sizes.get(chrt, {}) if isinstance(chrt, int) else {}
                    where = {"warehouseId": wid, "warehouseName": warehouse.get("name")}
                    rows.append({**size, **stock, **where})
        return rows

    async def confirm(self, order: OrderRef) -> WriteResult:
        """Add the task to a supply (the task moves to ``confirm``).

        Tasks confirmed on the same day share one supply (``mpsync YYYY-MM-DD``), as a
        seller packs them: one supply per task would mean one hand-over per parcel.
        """
        return await self.write(self._confirm(order))

    async def _confirm(self, order: OrderRef) -> WriteResult:
        given = order.raw.get("supplyId")
        supply = str(given) if given else await self._todays_supply()
        try:
            await self.call(
                "PATCH",
                "marketplace",
                f"/api/marketplace/v3/supplies/{supply}/orders",
                group="marketplace",
                json_body={"orders": [int(order.external_id)]},
            )
        except ApiError:
            # The shared supply may have been handed over meanwhile (in the seller
            # portal, say): the next confirm opens a new one; this one is retried.
            if not given:
                self._supply = None
            raise
        return WriteResult(True, "added to supply", {"supply_id": supply})

    async def _todays_supply(self) -> str:
        async with self._supply_lock:
            today = self.now().date().isoformat()
            if self._supply is None or self._supply[0] != today:
                created = await self.call(
                    "POST",
                    "marketplace",
                    "/api/v3/supplies",
                    group="marketplace",
                    json_body={"name": f"mpsync {today}"},
                )
                self._supply = (today, str((created or {}).get("id")))
            return self._supply[1]

    async def ship(self, order: OrderRef) -> WriteResult:
        """Hand the task's supply over to delivery (its tasks move to ``complete``)."""
        supply = order.raw.get("supplyId")
        if not supply:
            return WriteResult(False, "the task is in no supply; confirm it first", {})
        return await self.write(self._deliver(str(supply)))

    async def _deliver(self, supply: str) -> WriteResult:
        await self.call(
            "PATCH", "marketplace", f"/api/v3/supplies/{supply}/deliver", group="marketplace"
        )
        if self._supply is not None and self._supply[1] == supply:
            self._supply = None  # handed over: later tasks go into a new supply
        return WriteResult(True, "supply handed over to delivery", {"supply_id": supply})

    async def cancel(self, order: OrderRef, reason: str | None = None) -> WriteResult:
        return await self.write(self._cancel(order.external_id))

    async def _cancel(self, task_id: str) -> WriteResult:
        await self.call(
            "PATCH", "marketplace", f"/api/v3/orders/{task_id}/cancel", group="marketplace"
        )
        return WriteResult(True, "cancelled", {})

    async def push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        """``PUT /api/v3/stocks/{warehouseId}`` by chrtId: ``marketplace_sku`` (a chrtId, or
        ``nmId/chrtId`` as order lines carry it) or else ``sku``."""
        by_warehouse: dict[str, list[dict[str, int]]] = {}
        for item in items:
            chrt = int(str(item.marketplace_sku or item.sku).rsplit("/", 1)[-1])
            by_warehouse.setdefault(item.warehouse, []).append(
                {"chrtId": chrt, "amount": item.quantity}
            )
        failures: dict[str, str] = {}
        for warehouse, stocks in by_warehouse.items():
            for batch in _batches(stocks, 1000):
                try:
                    await self.call(
                        "PUT",
                        "marketplace",
                        f"/api/v3/stocks/{warehouse}",
                        group="marketplace",
                        json_body={"stocks": list(batch)},
                    )
                except ApiError as exc:
                    failures[warehouse] = str(exc)
        message = "; ".join(failures.values()) or f"{len(items)} stock level(s) sent"
        return WriteResult(not failures, message, {"failed_warehouses": failures})

    async def push_prices(self, items: Sequence[PriceUpdate]) -> WriteResult:
        """``POST /api/v2/upload/task``; prices are whole units of the card currency."""
        data = [
            {
                "nmID": int(item.marketplace_sku or item.sku),
                "price": int(item.price.to_integral_value(rounding=ROUND_HALF_UP)),
            }
            for item in items
        ]
        return await self.write(self._upload_prices(data))

    async def _upload_prices(self, data: list[dict[str, int]]) -> WriteResult:
        uploads = []
        for batch in _batches(data, 1000):
            body = await self.call(
                "POST",
                "prices",
                "/api/v2/upload/task",
                group="prices",
                json_body={"data": list(batch)},
            )
            body = body or {}
            if body.get("error"):
                return WriteResult(False, str(body.get("errorText") or "upload failed"), body)
            uploads.append((body.get("data") or {}).get("id"))
        return WriteResult(True, f"{len(data)} price(s) uploaded", {"upload_ids": uploads})

    async def check_credentials(self) -> None:
        """One cheap read per API category the streams use, so a missing scope shows here.

        A WB token is issued per category: Marketplace (orders, warehouses, stock) and
        Prices and discounts (the goods list that prices and the stock read start from).
        """
        for host, path, params, scope in (
            ("marketplace", "/api/v3/warehouses", None, "Marketplace"),
            ("prices", "/api/v2/list/goods/filter", {"limit": 1, "offset": 0},
             "Prices and discounts"),
        ):  # fmt: skip
            try:
                await self.call("GET", host, path, group=host, params=params)
            except AuthError as exc:
                raise AuthError(f"{exc} (the token needs the {scope} category)") from exc


__all__ = ["WildberriesConnector", "WildberriesCredentials"]
