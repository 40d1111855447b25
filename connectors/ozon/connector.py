"""Ozon FBS connector: its reads are declared (``streams.STREAMS``: postings list,
unfulfilled queue, single get, products, stock, prices, finance, returns, questions,
reviews); code are ship/cancel, the stock and price write-backs, push parsing and what no
declaration expresses (each says why). Tolerates v3 (``result``-wrapped) and v4 shapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync_connectors.ozon import buyers, finance, push
from mpsync_connectors.ozon.streams import STREAMS
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from mpsync.connector.base import (
    Capabilities,
    FetchWindow,
    OrderRef,
    Page,
    PriceUpdate,
    PushParseResult,
    StockUpdate,
    WriteResult,
)
from mpsync.connector.declared import DeclaredStream, StreamSpec
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.records import Records
from mpsync.connector.rest import RestConnector, StreamFetch
from mpsync.domain.streams import STREAM_NAMES


class OzonCredentials(BaseModel):
    """``client_id`` and ``api_key`` from Settings → Seller API."""

    model_config = ConfigDict(extra="forbid")

    client_id: str
    api_key: SecretStr

    @field_validator("client_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


SELLER_STOCK_TYPES = frozenset({"fbs", "rfbs"})
"""Stock ``type`` values held at the seller's own warehouses; the rest (``fbo``, ``fbp``) is
Ozon's stock, which the seller neither holds nor sets."""


def _unknown_warehouses(items: Sequence[StockUpdate]) -> WriteResult | None:
    """A failed result when an update names no seller warehouse id (a stock read keys
    amounts spanning several warehouses by their type, and Ozon-held stock ozon-fbo...)."""
    unknown = sorted({i.warehouse for i in items if not i.warehouse.isdigit()})
    if not unknown:
        return None
    return WriteResult(
        False,
        f"not a seller warehouse id: {', '.join(unknown)}; stock is set per FBS/rFBS "
        "warehouse (ids from /v2/warehouse/list); FBO/FBP stock is Ozon's and not set here",
        {"warehouses": unknown},
    )


def _price_row(item: PriceUpdate) -> dict[str, Any]:
    """The seller's ``offer_id`` identifies the product (it wins over ``product_id``, which
    goes along when bound)."""
    row: dict[str, Any] = {
        "offer_id": item.sku,
        "price": str(item.price),
        "currency_code": item.currency,
    }
    product_id = str(item.ids.get("product_id", ""))
    if product_id.isdigit():
        row["product_id"] = int(product_id)
    if item.old_price is not None:
        row["old_price"] = str(item.old_price)
    if item.min_price is not None:
        row["min_price"] = str(item.min_price)
    return row


def _product_row(item: dict[str, Any]) -> dict[str, Any]:
    """A product info item's ids: ``offer_id``, ``product_id`` and (stock items) the Ozon
    ``sku`` of its first stock entry, as a ``/v3/product/list`` item names them."""
    row: dict[str, Any] = {key: item[key] for key in ("offer_id", "product_id") if key in item}
    stocks = item.get("stocks")
    if isinstance(stocks, list) and stocks and isinstance(stocks[0], dict):
        row["sku"] = stocks[0].get("sku")
    return row


def _stocked_rows(items: Records) -> Records:
    return [row for item in items for row in stock_rows(item)]


def stock_rows(item: dict[str, Any]) -> Records:
    """One ``/v4/product/info/stocks`` item → one row per entry of its ``stocks``.

    A row is the item's fields (``offer_id``, ``product_id``) plus the entry's (``sku``,
    ``type``, ``present``, ``reserved``, ...): the shape of a flattened ``TYPE_STOCKS_CHANGED``
    push, so one mapping section serves both, plus ``stock_location``, the row's key when it
    names no single seller warehouse:

    * a seller entry (``fbs``, ``rfbs``) whose ``warehouse_ids`` names exactly one warehouse
      becomes that ``warehouse_id``; otherwise its amounts span several (or unnamed)
      warehouses and the row is keyed by the type;
    * Ozon-held stock (``fbo``, ``fbp``) is keyed ``ozon-<type>``, never by a warehouse id,
      so it stays apart from the seller's warehouse rows (and no stock push targets it).

    An item without a ``stocks`` list is passed on as it is: the mapping dead-letters it.
    """
    stocks = item.get("stocks")
    if not isinstance(stocks, list):
        return [item]
    base = {key: value for key, value in item.items() if key != "stocks"}
    return [_stock_row(base, entry) for entry in stocks]


def _stock_row(base: dict[str, Any], entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return {**base, "_unparsed": entry}
    row = {**base, **entry}
    kind = str(entry.get("type") or "")
    warehouses = entry.get("warehouse_ids")
    if kind not in SELLER_STOCK_TYPES:
        row["stock_location"] = f"ozon-{kind or 'unknown'}"
    elif isinstance(warehouses, list) and len(warehouses) == 1:
        row["warehouse_id"] = warehouses[0]
    else:
        row["stock_location"] = kind
    return row


class OzonConnector(buyers.OzonBuyers, finance.OzonFinance, RestConnector):
    """Ozon Seller API (``api-seller.ozon.ru``)."""

    name = "ozon"
    credentials_model = OzonCredentials
    capabilities = Capabilities.of(
        STREAM_NAMES, push=True, actions="ship cancel push_stock push_prices"
    )
    # Every posting status the swagger lists (v4 list/get status, the list filter's
    # statuses); the mapping must map each (tests/contracts/ozon.py PostingStatus).
    documented_statuses = frozenset(
        {
            "acceptance_in_progress",
            "arbitration",
            "awaiting_approve",
            "awaiting_deliver",
            "awaiting_packaging",
            "awaiting_registration",
            "awaiting_verification",
            "cancelled",
            "cancelled_from_split_pending",
            "client_arbitration",
            "delivered",
            "delivering",
            "driver_pickup",
            "not_accepted",
            "sent_by_seller",
        }
    )
    # /v2/products/stocks requires the Ozon product_id; a price is set by offer_id (the
    # seller's SKU), and the binding's product_id goes along when there is one.
    binding_stream: ClassVar[str | None] = "products"
    push_ids: ClassVar[Mapping[str, tuple[str, ...]]] = MappingProxyType(
        {"push_stock": ("product_id",)}
    )
    # Swagger /v2/products/stocks: "Обновлять остатки у одной пары товар-склад можно только
    # 1 раз в 30 секунд"; /v1/product/import/prices: "не больше 10 раз в час" per product.
    stock_pair_interval: ClassVar[timedelta | None] = timedelta(seconds=30)
    price_changes_limit: ClassVar[tuple[int, timedelta] | None] = (10, timedelta(hours=1))
    hosts: ClassVar[Mapping[str, str]] = {"api": "https://api-seller.ozon.ru"}
    limits: ClassVar[Mapping[str, LimitSpec]] = {
        "postings": TokenBucket(per_second=20, burst=20),
        "posting_get": TokenBucket(per_second=2, burst=2),
        "stocks": TokenBucket.per_minute(80, burst=10),
        "prices": TokenBucket(per_second=10, burst=10),
        # Stock and price reads: only the general 50 rps per Client-Id is documented.
        "product_info": TokenBucket(per_second=10, burst=10),
        # /v1/warehouse/list allowed 1 request/min; its v2 documents no method limit.
        "warehouses": TokenBucket(per_second=1, burst=1),
        **buyers.LIMITS,
        **finance.LIMITS,  # transactions: one request at a time
    }
    declared_streams: ClassVar[Mapping[str, StreamSpec]] = STREAMS
    info_page_size: ClassVar[int] = 1000  # /v4/product/info/stocks, /v5/product/info/prices
    cancel_reason_id: ClassVar[int] = 352  # "product is out of stock"

    def auth_headers(self) -> dict[str, str]:
        return {
            "Client-Id": self.credentials.client_id,
            "Api-Key": self.credentials.api_key.get_secret_value(),
        }

    def declared(self, name: str, **changes: Any) -> DeclaredStream:
        """A read of ``STREAMS``; the stock and price lists at ``info_page_size``."""
        if name in ("stock", "prices"):
            changes = {"paging": {"page_size": self.info_page_size}, **changes}
        return super().declared(name, **changes)

    def bespoke_streams(self) -> Mapping[str, StreamFetch]:
        """Stock and prices: each page is preceded by the products it names (``_info_stream``)."""
        return {"stock": self._stock, "prices": self._prices}

    async def _stock(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every product's stock (``visibility: ALL``), one row per item and stock entry;
        each page is preceded by the products it names (their ids bind the SKUs)."""
        async for page in self._info_stream(window, "stock", _stocked_rows):
            yield page

    async def _prices(self, window: FetchWindow) -> AsyncIterator[Page]:
        """Every product's price object, one row per item, each page after its products."""
        async for page in self._info_stream(window, "prices", list):
            yield page

    async def _info_stream(
        self, window: FetchWindow, stream: str, rows: Callable[[Records], Records]
    ) -> AsyncIterator[Page]:
        """Bespoke: each page of a declared product info list is two pages of two record
        types (an ``enrich`` hook maps records, it cannot add a page): the answer, then the
        products it names (their ids bind the SKUs) with the same resume token: a run
        stopped between the two has written the answer and lost only bindings, which every
        read brings again."""
        declared = self.declared(stream)
        async for items, following in declared.pages(window):
            yield Page(declared.spec.record_type, rows(items), following)
            yield Page("product", [_product_row(item) for item in items], following)

    async def fetch_stock(self, product_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Stock rows (the read's shape) of the products a ``TYPE_STOCKS_CHANGED`` names
        (``filter.product_id``: strings of int64)."""
        ids = [str(int(value)) for value in product_ids if str(value).isdigit()]
        rows: Records = []
        for start in range(0, len(ids), self.info_page_size):
            chunk = ids[start : start + self.info_page_size]
            body = {"filter": {"visibility": "ALL", "product_id": chunk}}
            rows += _stocked_rows(await self.declared("stock", body=body).listing().records())
        return rows

    async def work_queue(self, cutoff_from: datetime, cutoff_to: datetime) -> AsyncIterator[Page]:
        """Postings awaiting action (the declared ``queue``) by cutoff window."""
        queue = DeclaredStream("orders", STREAMS["queue"], connector=self.name, call=self.call)
        async for postings, following in queue.pages(FetchWindow(cutoff_from, cutoff_to)):
            yield Page("order", postings, following)

    async def fetch_orders(self, external_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [await self._get(number) for number in external_ids]

    async def _get(self, number: str) -> dict[str, Any]:
        """One posting by its number (the declared ``posting``; v3 under ``result``)."""
        found = await self.declared("posting").listing({"posting_number": number}).records()
        if len(found) != 1:
            raise FatalError(f"ozon POST /v3/posting/fbs/get {number}: expected one posting, "
                             f"got {len(found)}")  # fmt: skip
        return found[0]

    async def ship(self, order: OrderRef) -> WriteResult:
        """Assemble as one package, then verify (the call is asynchronous at Ozon)."""
        return await self.write(self._ship(order))

    async def _ship(self, order: OrderRef) -> WriteResult:
        """Bespoke: a write and its check (the ship is asynchronous at Ozon: the posting,
        read back, says whether it shipped, failed or is still processing)."""
        products = [
            {"product_id": int(p["sku"]), "quantity": int(p.get("quantity") or 1)}
            for p in order.raw.get("products") or []
        ]
        request = {
            "packages": [{"products": products}],
            "posting_number": order.external_id,
            "with": {"additional_data": True},
        }
        answer = await self.call(
            "POST", "api", "/v4/posting/fbs/ship", group="postings", json_body=request
        )
        posting = await self._get(order.external_id)
        status, substatus = posting.get("status"), posting.get("substatus")
        details = {"status": status, "substatus": substatus, "answer": answer}
        if substatus == "ship_failed":
            return WriteResult(False, "Ozon reports ship_failed; retry the shipment", details)
        verified = status not in ("awaiting_packaging", "awaiting_approve", None)
        return WriteResult(
            True,
            "shipped" if verified else "ship accepted, still processing",
            {**details, "verified": verified},
        )

    async def cancel(self, order: OrderRef, reason: str | None = None) -> WriteResult:
        request = {
            "cancel_reason_id": self.cancel_reason_id,
            "posting_number": order.external_id,
            "cancel_reason_message": reason or "Product is out of stock",
        }
        return await self.write(self._simple("/v2/posting/fbs/cancel", request, "postings"))

    async def _simple(self, path: str, request: Any, group: str) -> WriteResult:
        body = await self.call("POST", "api", path, group=group, json_body=request)
        ok = not isinstance(body, dict) or body.get("result", True) is not False
        return WriteResult(ok, "done" if ok else "rejected", {"answer": body})

    async def push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        """Free stock per (product, seller warehouse) to ``/v2/products/stocks``.

        The Ozon ``product_id`` is required: it comes from the SKU's binding (a products or
        stock read), never from the SKU text; an unbound SKU fails the push. The seller's
        ``offer_id`` goes along and, by the spec, wins when both are given.
        """
        refused = _unknown_warehouses(items) or self._unbound(items)
        if refused:
            return refused
        rows = [
            {
                "offer_id": i.sku,
                "product_id": int(i.ids["product_id"]),
                "stock": i.quantity,
                "warehouse_id": int(i.warehouse),
            }
            for i in items
        ]
        return await self.write(self._batched("/v2/products/stocks", "stocks", rows, 100))

    def _unbound(self, items: Sequence[StockUpdate]) -> WriteResult | None:
        skus = sorted({i.sku for i in items if not str(i.ids.get("product_id", "")).isdigit()})
        if not skus:
            return None
        return WriteResult(
            False,
            f"not bound to an Ozon product_id: {', '.join(skus)}; bind them with "
            f"`mpsync sync --account {self.account.id} --stream {self.binding_stream}`",
            {"unbound": skus},
        )

    async def push_prices(self, items: Sequence[PriceUpdate]) -> WriteResult:
        """Prices as decimal strings in rubles. ``old_price`` (the crossed-out price) is sent
        only when known: ``"0"`` would reset it, and a price without ``old_price`` leaves the
        one Ozon has as it is; an update asking for 0 clears it."""
        rows = [_price_row(item) for item in items]
        return await self.write(self._batched("/v1/product/import/prices", "prices", rows, 1000))

    async def _batched(self, path: str, key: str, rows: list[Any], size: int) -> WriteResult:
        errors: list[dict[str, Any]] = []
        for start in range(0, len(rows), size):
            body = await self.call(
                "POST", "api", path, group=key, json_body={key: rows[start : start + size]}
            )
            results = (body or {}).get("result") or []
            errors += [r for r in results if not r.get("updated", False) or r.get("errors")]
        message = "; ".join(str(e.get("errors")) for e in errors) or f"{len(rows)} sent"
        return WriteResult(not errors, message, {"rejected": errors})

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> PushParseResult:
        return push.parse(
            body, now=self.now(), name=self.integration_name, version=self.integration_version
        )

    async def check_credentials(self) -> None:
        """The seller's FBS/rFBS warehouses (``/v1/warehouse/list`` was switched off on
        2026-04-07); ``limit`` is required."""
        await self.call(
            "POST", "api", "/v2/warehouse/list", group="warehouses", json_body={"limit": 1}
        )
