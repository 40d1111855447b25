"""The contract every marketplace connector implements, and the values it trades in.

Connectors yield raw pages and perform write-backs; mapping and storage live elsewhere.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import httpx
from pydantic import BaseModel

from mpsync.connector.errors import NotSupportedError

if TYPE_CHECKING:
    from mpsync.config.model import AccountConfig
    from mpsync.mapping import MappingSchema

RecordType = Literal[
    "order", "order_status", "stock", "price", "product", "question", "review", "finance", "return"
]
Sleep = Callable[[float], Awaitable[None]]
ACTIONS = frozenset({"confirm", "ship", "cancel", "push_stock", "push_prices"})


@dataclass(frozen=True)
class Capabilities:
    """What a connector can do: streams it reads, push support, write-back actions."""

    streams: frozenset[str]
    push: bool
    actions: frozenset[str]

    @classmethod
    def of(cls, streams: Iterable[str], *, push: bool, actions: str) -> Capabilities:
        """``Capabilities.of(STREAM_NAMES, push=True, actions="ship cancel")``."""
        return cls(frozenset(streams), push, frozenset(actions.split()))


@dataclass(frozen=True)
class FetchWindow:
    """The slice of marketplace history one fetch covers (aware UTC times).

    ``backfill``: a resync chunk; only the history of the window is wanted, not the
    extras an incremental pass adds (Wildberries' ``/orders/new``, status refreshes).
    """

    since: datetime | None
    until: datetime
    resume: str | None = None
    open_ids: Sequence[str] = ()
    backfill: bool = False


@dataclass(frozen=True)
class Page:
    """Raw records of one type and the token that resumes the window after them."""

    record_type: RecordType
    records: list[dict[str, Any]]
    resume: str | None


@dataclass(frozen=True)
class OrderRef:
    """What a write-back needs to find an order at the marketplace."""

    external_id: str
    group_key: str | None = None
    marketplace_status: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StockUpdate:
    """Free quantity of *sku* at *warehouse* to publish (``warehouse`` is the marketplace id).

    ``ids``: the marketplace ids the catalogue binds *sku* to (``mpsync.catalog.resolve``);
    a connector takes the ids it sends from here, never from the SKU text.
    """

    sku: str
    warehouse: str
    quantity: int
    marketplace_sku: str | None = None
    ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PriceUpdate:
    """A price to publish for *sku*; money in ``currency`` (ISO alpha).

    ``old_price`` (crossed out): None leaves the marketplace's as it is, 0 removes it, an
    amount sets it (``prices push`` sends the stored one unless told otherwise).
    ``min_price``: None leaves it out. ``ids``: the bound marketplace ids, as in
    ``StockUpdate``.
    """

    sku: str
    price: Decimal
    old_price: Decimal | None = None
    min_price: Decimal | None = None
    currency: str = "RUB"
    marketplace_sku: str | None = None
    ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteResult:
    """Outcome of a write-back; ``message`` is the marketplace's own text on failure.

    A price push whose figures the marketplace will show differently (rounding, a
    price/discount pair) says so in ``details["reads_as"] = {sku: {"price": ...,
    "old_price": ...}}``: the read-back then expects those (``mpsync.catalog.pushes``).
    """

    ok: bool
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerPolicy:
    """How a marketplace takes answers to one kind of buyer message (``question`` or
    ``review``): the answer lengths it accepts, and how long after the message an answer is
    still possible (``window``; None: the spec documents no limit)."""

    min_length: int = 1
    max_length: int | None = None
    window: timedelta | None = None


@dataclass(frozen=True)
class MessageRef:
    """What an answer needs to find a buyer's message at the marketplace: its kind, id,
    the product's bound ids (Ozon answers name the product's ``sku``) and the raw read."""

    kind: str
    external_id: str
    product_ids: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PushEvent:
    """One event of a push, with a key that is stable across redeliveries."""

    kind: str
    dedupe_key: str
    external_ids: tuple[str, ...]
    records: list[dict[str, Any]]
    record_type: RecordType | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class PushParseResult:
    """Events of a push and the HTTP answer the marketplace expects back."""

    events: list[PushEvent]
    status_code: int
    response: dict[str, Any]


class HttpObserver(Protocol):
    """Receives request timings and rate-limit waits (Prometheus metrics plug in here)."""

    def request_done(self, marketplace: str, group: str, status: int, seconds: float) -> None: ...

    def rate_limited(self, marketplace: str, group: str, wait: float) -> None: ...


class Connector(ABC):
    """Base class of marketplace connectors, registered under ``mpsync.connectors``."""

    name: ClassVar[str]
    credentials_model: ClassVar[type[BaseModel]]
    capabilities: ClassVar[Capabilities]
    # The built-in mapping's name (``mappings/<name>.toml``); the connector's name if unset.
    default_mapping: ClassVar[str]
    documented_statuses: ClassVar[frozenset[str]] = frozenset()
    # Product binding (``mpsync.catalog``): the stream whose read binds a SKU to the
    # marketplace's ids (the error for an unbound SKU names it; None: "products" when
    # the connector has that stream, else every stream), and the ids each write-back
    # action needs (``{"push_stock": ("chrtId",)}``; an action not listed needs any id).
    binding_stream: ClassVar[str | None] = None
    push_ids: ClassVar[Mapping[str, tuple[str, ...]]] = MappingProxyType({})
    # Resync (``SyncService.resync``): one read's window per stream, where a day is not
    # right (a finance report read in as few requests as the marketplace allows).
    resync_chunks: ClassVar[Mapping[str, timedelta]] = MappingProxyType({})
    # Buyers' messages (``mpsync.inbox``): per kind, the answer lengths and time window
    # the marketplace documents; a kind not listed cannot be answered through mpsync.
    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = MappingProxyType({})
    # Stock sync (``mpsync.stocksync``): how often one (product, warehouse) stock figure may
    # be set, and how many price changes one item takes per period (None: no such limit).
    stock_pair_interval: ClassVar[timedelta | None] = None
    price_changes_limit: ClassVar[tuple[int, timedelta] | None] = None

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__(**options)
        if "default_mapping" not in cls.__dict__ and "name" in cls.__dict__:
            cls.default_mapping = cls.name

    def __init__(
        self,
        account: AccountConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        metrics: HttpObserver | None = None,
    ) -> None:
        from mpsync.config.loader import require_resolved

        require_resolved(account)
        self.account = account
        self.credentials = self.parse_credentials(account.credentials)

    @classmethod
    def parse_credentials(cls, value: Any) -> Any:
        """Validate raw credentials (or pass an already-validated model through)."""
        if isinstance(value, cls.credentials_model):
            return value
        return cls.credentials_model.model_validate(value or {})

    @classmethod
    def load_mapping(cls, account: AccountConfig) -> MappingSchema:
        """The account's mapping: its ``mapping`` name/path, else the built-in one."""
        from mpsync.mapping import load_mapping

        return load_mapping(
            account.mapping or cls.default_mapping, documented_statuses=cls.documented_statuses
        )

    @abstractmethod
    def fetch(self, stream: str, window: FetchWindow) -> AsyncIterator[Page]:
        """Yield raw pages of *stream* changed inside *window*, resumable per page."""

    async def fetch_orders(self, external_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Full raw order records by external id (for pushes that carry only ids)."""
        raise NotSupportedError(f"{self.name}: fetching single orders is not supported")

    async def fetch_stock(self, product_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Raw stock rows of the named products (for pushes that carry only ids)."""
        raise NotSupportedError(f"{self.name}: fetching stock by product is not supported")

    async def fetch_messages(self, kind: str, external_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Buyers' questions or reviews by id, as their stream reads them (for pushes that
        carry only ids); those not found are left out."""
        found = [await self.read_message(MessageRef(kind, i)) for i in external_ids]
        return [raw for raw in found if raw is not None]

    async def confirm(self, order: OrderRef) -> WriteResult:
        raise NotSupportedError(f"{self.name}: confirm is not supported")

    async def ship(self, order: OrderRef) -> WriteResult:
        raise NotSupportedError(f"{self.name}: ship is not supported")

    async def cancel(self, order: OrderRef, reason: str | None = None) -> WriteResult:
        raise NotSupportedError(f"{self.name}: cancel is not supported")

    async def push_stock(self, items: Sequence[StockUpdate]) -> WriteResult:
        raise NotSupportedError(f"{self.name}: stock push is not supported")

    async def push_prices(self, items: Sequence[PriceUpdate]) -> WriteResult:
        raise NotSupportedError(f"{self.name}: price push is not supported")

    async def answer(self, message: MessageRef, text: str) -> WriteResult:
        """Publish *text* as the seller's answer to *message* (one call, no retry of a
        refusal); ``details["answer_id"]`` carries the marketplace's id of it, if any."""
        raise NotSupportedError(f"{self.name}: answering buyers is not supported")

    async def read_message(self, message: MessageRef) -> dict[str, Any] | None:
        """The message as the marketplace shows it now, as a raw record of its stream's
        mapping section (with the seller's answer, if any); None when it is not found."""
        raise NotSupportedError(f"{self.name}: reading one buyer message is not supported")

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> PushParseResult:
        """Parse a push body; raises ``PushError`` (a 4xx answer) on malformed input."""
        raise NotSupportedError(f"{self.name}: the marketplace sends no pushes")

    @abstractmethod
    async def check_credentials(self) -> None:
        """Make the cheapest authenticated call; raise ``AuthError`` if rejected."""

    async def finance_totals(self, start: datetime, end: datetime) -> dict[str, Decimal] | None:
        """The marketplace's own totals of a finance period (``finance reconcile``), where it
        publishes them; None: it does not."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release here
        """Release the HTTP client."""

    async def __aenter__(self) -> Connector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
