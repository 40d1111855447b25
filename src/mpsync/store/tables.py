"""SQLModel tables of the CRM store: the canonical model of DESIGN §3.

Natural keys are unique per account; money is ``Numeric``; times are aware UTC.
Changing a table means adding an Alembic revision under ``store/migrations``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from mpsync.domain.events import MessageState, PushState, RowState
from mpsync.store.types import MONEY, JSONText, UTCDateTime


def _money(nullable: bool = False) -> Any:
    return Field(default=None if nullable else Decimal(0), sa_type=MONEY, nullable=nullable)


def _time(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=JSONText, nullable=nullable)


class Account(SQLModel, table=True):
    __tablename__ = "accounts"
    id: str = Field(primary_key=True, max_length=63)
    marketplace: str = Field(max_length=63)
    created_at: datetime = _time(nullable=False)


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(unique=True, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = None
    company_name: str | None = None
    inn: str | None = Field(default=None, max_length=12)
    kpp: str | None = Field(default=None, max_length=9)
    first_order_at: datetime | None = _time()
    last_order_at: datetime | None = _time()
    orders_count: int = 0
    spent: Decimal = _money()
    updated_at: datetime = _time(nullable=False)


class Product(SQLModel, table=True):
    """The catalogue: one row per (account, seller SKU), from order lines and product reads.

    Its marketplace ids are ``ProductId`` rows (``mpsync.catalog``).
    """

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("account_id", "sku"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    sku: str = Field(max_length=255)
    marketplace_sku: str | None = Field(default=None, max_length=255)
    name: str | None = None
    updated_at: datetime = _time(nullable=False)
    barcodes: list[str] | None = _json()
    # The marketplace's change time of the card, when a product read gives one.
    source_updated_at: datetime | None = _time()


class ProductId(SQLModel, table=True):
    """A marketplace id bound to a catalogue row, under the marketplace's own name
    (nmID, chrtId, product_id, offerId...). A read that lacks an id never erases it."""

    __tablename__ = "product_ids"
    __table_args__ = (
        UniqueConstraint("product_id", "name"),
        Index("ix_product_ids_value", "name", "value"),
    )
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("products.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=63)
    value: str = Field(max_length=255)
    updated_at: datetime = _time(nullable=False)


REPORT_INDEX = ("created_at", "status", "account_id", "items_total", "customer_id", "ship_by",
                "confirmed_at", "shipped_at")  # fmt: skip


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_orders_account_status", "account_id", "status"),
        Index("ix_orders_group", "account_id", "group_key"),
        Index("ix_orders_customer", "customer_id"),
        # Reports read a period's orders from this index alone (creation-time range first,
        # then every column the KPIs and SKU figures need), never the rows with their raw JSON.
        Index("ix_orders_created_report", *REPORT_INDEX),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    external_id: str = Field(max_length=128)
    group_key: str | None = Field(default=None, max_length=128)
    order_number: str | None = Field(default=None, max_length=128)
    status: str | None = Field(default=None, max_length=32)
    status_at: datetime | None = _time()
    status_seen: dict[str, Any] | None = _json()
    # The first time the timeline reached confirmed-or-later / shipped-or-later
    # (OrderState.milestones): the processing-time KPIs without the status history.
    confirmed_at: datetime | None = _time()
    shipped_at: datetime | None = _time()
    marketplace_status: str = Field(max_length=128)
    marketplace_substatus: str | None = Field(default=None, max_length=128)
    created_at: datetime = _time(nullable=False)
    source_updated_at: datetime = _time(nullable=False)
    ship_by: datetime | None = _time(index=True)
    delivery_method: str | None = None
    payment_method: str | None = None
    currency: str = Field(max_length=3)
    items_total: Decimal = _money()
    total: Decimal = _money()
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    buyer_company: str | None = None
    buyer_inn: str | None = Field(default=None, max_length=12)
    buyer_kpp: str | None = Field(default=None, max_length=9)
    delivery_address: str | None = None
    content_hash: str = Field(max_length=64)
    raw: dict[str, Any] | None = _json()
    inserted_at: datetime = _time(nullable=False)
    updated_at: datetime = _time(nullable=False)


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=Column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    )
    line_no: int
    sku: str = Field(max_length=255)
    marketplace_sku: str | None = Field(default=None, max_length=255)
    name: str | None = None
    quantity: int
    unit_price: Decimal = _money()
    total: Decimal = _money()


class StatusChange(SQLModel, table=True):
    __tablename__ = "status_changes"
    __table_args__ = (UniqueConstraint("order_id", "from_status", "to_status", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    marketplace_status: str | None = Field(default=None, max_length=128)
    at: datetime = _time(nullable=False)
    source: str = Field(max_length=16)  # poll | webhook | rule
    recorded_at: datetime = _time(nullable=False)


class StockLevel(SQLModel, table=True):
    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("account_id", "sku", "warehouse"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    sku: str = Field(max_length=255)
    warehouse: str = Field(max_length=128)
    on_hand: int = 0
    reserved: int = 0
    source_updated_at: datetime | None = _time()
    updated_at: datetime = _time(nullable=False)
    # When a stock read (or push) last listed this row; see mpsync.sync.state.zero_unlisted.
    seen_at: datetime | None = _time()


class Price(SQLModel, table=True):
    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("account_id", "sku"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    sku: str = Field(max_length=255)
    price: Decimal = _money()
    old_price: Decimal | None = _money(nullable=True)
    min_price: Decimal | None = _money(nullable=True)
    currency: str = Field(max_length=3)
    source_updated_at: datetime | None = _time()
    updated_at: datetime = _time(nullable=False)


class InventoryPush(SQLModel, table=True):
    """The last stock or price push per key: what was sent with which ids, when, the
    marketplace's answer, and whether the next read showed it taken (``mpsync.catalog``)."""

    __tablename__ = "inventory_pushes"
    __table_args__ = (UniqueConstraint("account_id", "kind", "sku", "warehouse"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    kind: str = Field(max_length=16)  # stock | price
    sku: str = Field(max_length=255)
    warehouse: str = Field(default="", max_length=128)  # "" for prices
    sent: dict[str, Any] | None = _json()
    ids: dict[str, Any] | None = _json()
    sent_at: datetime = _time(nullable=False)
    answer: str | None = None
    state: str = Field(default=PushState.PENDING, max_length=16)  # PushState
    read: dict[str, Any] | None = _json()  # what the last read after the push showed
    checked_at: datetime | None = _time()


class StockItem(SQLModel, table=True):
    """One stock item of the seller's own ledger (``mpsync.stocksync``): what is on hand
    (None until set) and the base price price rules start from."""

    __tablename__ = "stock_items"
    item: str = Field(primary_key=True, max_length=255)
    on_hand: int | None = None
    base_price: Decimal | None = _money(nullable=True)
    updated_at: datetime = _time(nullable=False)


class StockLedgerEntry(SQLModel, table=True):
    """Every change of an item's on-hand figure, with its reason and where it came from
    (set, adjust, import, feed, handover)."""

    __tablename__ = "stock_ledger"
    __table_args__ = (Index("ix_stock_ledger_item", "item", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    item: str = Field(max_length=255)
    delta: int
    on_hand: int
    reason: str
    source: str = Field(max_length=32)
    at: datetime = _time(nullable=False)


class StockReservation(SQLModel, table=True):
    """Units an order line holds until handover (consumed) or cancellation (released)."""

    __tablename__ = "stock_reservations"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        Index("ix_stock_reservations_state", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(max_length=63)
    order_id: int = Field(
        sa_column=Column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    )
    line_no: int
    sku: str = Field(max_length=255)
    quantity: int
    state: str = Field(max_length=16)  # reserved | consumed | released
    reserved_at: datetime = _time(nullable=False)
    closed_at: datetime | None = _time()


class StockPushLog(SQLModel, table=True):
    """Every stock or price figure a propagation sent, with the marketplace's answer."""

    __tablename__ = "stock_push_log"
    __table_args__ = (Index("ix_stock_push_log_key", "account_id", "kind", "sku", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(max_length=63)
    kind: str = Field(max_length=16)  # stock | price
    sku: str = Field(max_length=255)
    warehouse: str = Field(max_length=128)
    sent: dict[str, Any] | None = _json()
    reason: str | None = None
    ok: bool
    answer: str | None = None
    at: datetime = _time(nullable=False)


class StockHistory(SQLModel, table=True):
    """One row per SKU, warehouse and display-zone day: the last stock read of that day.

    Written by every stock read page (and by the zeroing at the end of a complete
    read); analytics counts a SKU's days out of stock from it.
    """

    __tablename__ = "stock_history"
    account_id: str = Field(primary_key=True, max_length=63)
    sku: str = Field(primary_key=True, max_length=255)
    warehouse: str = Field(primary_key=True, max_length=128)
    day: date = Field(primary_key=True, index=True)
    on_hand: int = 0
    reserved: int = 0
    read_at: datetime = _time(nullable=False)


class FinanceEntry(SQLModel, table=True):
    """A money movement the marketplace reports (agreed schema; the finance reads fill it).

    ``amount`` is signed from the seller's side: + money to the seller, − deductions.
    """

    __tablename__ = "finance_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_finance_entries_occurred", "occurred_at"),
        Index("ix_finance_entries_source", "account_id", "source_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    external_id: str = Field(max_length=255)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    order_external_id: str | None = Field(default=None, max_length=128)
    sku: str | None = Field(default=None, max_length=255)
    occurred_at: datetime = _time(nullable=False)
    kind: str = Field(max_length=32)  # FINANCE_KINDS in mpsync.analytics.finance
    operation: str = Field(max_length=255)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    raw: dict[str, Any] | None = _json()
    inserted_at: datetime = _time(nullable=False)
    # mpsync.finance (0009): the marketplace row the entry comes from (a re-read replaces
    # the row's entries), the marketplace's id of the goods, and whether a mapping rule
    # knew the operation name (an unknown one is booked as ``other`` and reported).
    source_id: str | None = Field(default=None, max_length=128)
    marketplace_sku: str | None = Field(default=None, max_length=255)
    known: bool | None = Field(default=None)
    quantity: int | None = Field(default=None)  # units of goods, where the marketplace says


class Return(SQLModel, table=True):
    """A buyer's return, an unredeemed or cancelled delivery (``mpsync.finance``, 0009).

    ``kind``: cancellation | full | partial | unredeemed; ``lines``: ``[{sku,
    marketplace_sku, quantity, amount}]`` as the marketplace lists them.
    """

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_returns_order", "account_id", "order_external_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    external_id: str = Field(max_length=128)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    order_external_id: str | None = Field(default=None, max_length=128)
    kind: str = Field(max_length=16)
    reason: str | None = None
    state: str | None = Field(default=None, max_length=128)
    refund_amount: Decimal | None = _money(nullable=True)
    currency: str = Field(max_length=3)
    created_at: datetime = _time(nullable=False)
    source_updated_at: datetime | None = _time()
    lines: list[dict[str, Any]] | None = _json()
    raw: dict[str, Any] | None = _json()
    inserted_at: datetime = _time(nullable=False)
    updated_at: datetime = _time(nullable=False)


class ProductCost(SQLModel, table=True):
    """The seller's unit cost of a SKU from a day on (agreed schema).

    The cost valid on a day is the row with the latest ``valid_from`` on or before it.
    """

    __tablename__ = "product_costs"
    sku: str = Field(primary_key=True, max_length=255)
    valid_from: date = Field(primary_key=True)
    cost: Decimal = _money()
    currency: str = Field(max_length=3)


class BuyerMessage(SQLModel, table=True):
    """A buyer's question or review (``mpsync.inbox``): what the marketplace shows, and the
    seller's side of it (draft, answer on its way, answer read back).

    ``state``: unanswered | draft | sending | answered | unavailable (``expired`` is shown
    when an unanswered one passed its ``deadline``). ``sku`` is the seller's SKU (bound
    through the catalogue); ``author`` the buyer's display name (personal data).
    """

    __tablename__ = "buyer_messages"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "external_id"),
        Index("ix_buyer_messages_state", "state", "deadline"),
        Index("ix_buyer_messages_created", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", max_length=63)
    kind: str = Field(max_length=16)  # question | review
    external_id: str = Field(max_length=128)
    sku: str | None = Field(default=None, max_length=255)
    product_ids: dict[str, Any] | None = _json()
    product_name: str | None = None
    order_external_id: str | None = Field(default=None, max_length=128)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id", index=True)
    rating: int | None = None
    text: str = ""
    pros: str | None = None
    cons: str | None = None
    author: str | None = Field(default=None, max_length=255)
    created_at: datetime = _time(nullable=False)
    deadline: datetime | None = _time()
    state: str = Field(default=MessageState.UNANSWERED, max_length=16)  # MessageState
    answer: str | None = None
    answer_id: str | None = Field(default=None, max_length=128)
    answered_at: datetime | None = _time()
    draft: str | None = None  # the text a rule proposed or the seller gave, until sent
    rule: str | None = Field(default=None, max_length=128)  # the rule that drafted it
    sent_at: datetime | None = _time()
    error: str | None = None  # the marketplace's last refusal, or why it cannot be answered
    raw: dict[str, Any] | None = _json()
    inserted_at: datetime = _time(nullable=False)
    updated_at: datetime = _time(nullable=False)


class InboxReply(SQLModel, table=True):
    """A seller's reply to a draft notification (``mpsync.inbox.replies``): the text received
    and what it did. ``reply_key`` (the channel's id of the reply) makes a redelivered reply
    a no-op; the rows of one message are its reply history (``inbox show``)."""

    __tablename__ = "inbox_replies"
    id: int | None = Field(default=None, primary_key=True)
    reply_key: str = Field(unique=True, max_length=255)
    message_id: int = Field(foreign_key="buyer_messages.id", index=True)
    source: str = Field(max_length=16)  # telegram | email | ...
    text: str = ""
    action: str = Field(max_length=16)  # approved | answered | declined | refused
    detail: str = ""
    received_at: datetime = _time(nullable=False)


class NoticeLink(SQLModel, table=True):
    """The buyer message a delivered notification was about, by the channel's own id of that
    notification (Telegram: ``chat_id:message_id``; e-mail: its Message-ID), so a reply to it
    finds the message."""

    __tablename__ = "notice_links"
    channel: str = Field(primary_key=True, max_length=63)
    ref: str = Field(primary_key=True, max_length=255)
    message_id: int = Field(foreign_key="buyer_messages.id")
    created_at: datetime = _time(nullable=False)


class ChannelCursor(SQLModel, table=True):
    """How far a notification channel's incoming replies were read (Telegram: the next
    ``getUpdates`` offset), so a reply is handled once across restarts."""

    __tablename__ = "channel_cursors"
    channel: str = Field(primary_key=True, max_length=63)
    position: str = Field(max_length=255)
    updated_at: datetime = _time(nullable=False)


class DomainEvent(SQLModel, table=True):
    __tablename__ = "domain_events"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255)
    kind: str = Field(max_length=64, index=True)
    account_id: str = Field(max_length=63)
    order_id: int | None = Field(default=None, index=True)
    payload: dict[str, Any] | None = _json()
    created_at: datetime = _time(nullable=False)
    handled_at: datetime | None = _time(index=True)


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("sequence", "year", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", unique=True)
    sequence: str = Field(max_length=63)
    year: int
    seq: int
    number: str = Field(unique=True, max_length=128)
    issued_at: datetime = _time(nullable=False)
    currency: str = Field(max_length=3)
    total: Decimal = _money()
    vat_amount: Decimal = _money()
    document: dict[str, Any] | None = _json()
    # Set when the order was cancelled or returned after invoicing: the number stays
    # taken (numbering is gapless), the document is marked void.
    voided_at: datetime | None = _time()
    void_reason: str | None = Field(default=None, max_length=255)


class InvoiceSequence(SQLModel, table=True):
    __tablename__ = "invoice_sequences"
    sequence: str = Field(primary_key=True, max_length=63)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=255)
    channel: str = Field(max_length=63)
    event_kind: str = Field(max_length=64)
    payload: dict[str, Any] | None = _json()
    state: str = Field(default=RowState.PENDING, max_length=16)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = _time(nullable=False)
    last_error: str | None = None
    created_at: datetime = _time(nullable=False)
    sent_at: datetime | None = _time()
    # The process delivering a ``sending`` row; ``next_attempt_at`` is its lease's expiry.
    lease_owner: str | None = Field(default=None, max_length=191)


class SyncCursor(SQLModel, table=True):
    __tablename__ = "cursors"
    account_id: str = Field(primary_key=True, max_length=63)
    stream: str = Field(primary_key=True, max_length=32)
    synced_until: datetime | None = _time()
    window: dict[str, Any] | None = _json()  # an interrupted window: since, until, resume
    updated_at: datetime = _time(nullable=False)


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_latest", "account_id", "stream", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(max_length=32)
    account_id: str = Field(max_length=63)
    stream: str = Field(max_length=32)
    kind: str = Field(default="sync", max_length=16)  # sync | resync | push
    started_at: datetime = _time(nullable=False)
    finished_at: datetime | None = _time()
    outcome: str = Field(default="running", max_length=16)  # running | ok | failed
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    error: str | None = None
    # The process that ran it (``mpsync.coordination`` identity): a run is interrupted only
    # when that process is gone, never because another process started one.
    owner: str | None = Field(default=None, max_length=191)


class ReceivedPush(SQLModel, table=True):
    """A marketplace push as received, queued until applied (``mpsync.sync.pushes``)."""

    __tablename__ = "pushes"
    __table_args__ = (
        UniqueConstraint("account_id", "dedupe_key"),
        Index("ix_pushes_due", "state", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(max_length=63)
    dedupe_key: str = Field(max_length=255)
    kind: str = Field(max_length=64)
    body: dict[str, Any] | None = _json()
    state: str = Field(
        default=RowState.PENDING, max_length=16
    )  # pending | processing | done | failed
    attempts: int = 0
    next_attempt_at: datetime = _time(nullable=False)
    last_error: str | None = None
    received_at: datetime = _time(nullable=False)
    processed_at: datetime | None = _time()
    # The process applying a ``processing`` row; ``next_attempt_at`` is its lease's expiry.
    lease_owner: str | None = Field(default=None, max_length=191)


class DeadLetter(SQLModel, table=True):
    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("account_id", "stream", "fingerprint"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(max_length=63)
    stream: str = Field(max_length=32)
    record_type: str = Field(max_length=32)
    external_id: str | None = Field(default=None, max_length=128)
    fingerprint: str = Field(max_length=64)
    raw: dict[str, Any] | None = _json()
    reason: str
    field: str | None = Field(default=None, max_length=255)
    attempts: int = 1
    state: str = Field(default="open", max_length=16)  # open | resolved
    created_at: datetime = _time(nullable=False)
    updated_at: datetime = _time(nullable=False)


class WriteBack(SQLModel, table=True):
    __tablename__ = "write_backs"
    __table_args__ = (UniqueConstraint("order_id", "action"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    action: str = Field(max_length=32)  # confirm | ship | cancel
    state: str = Field(default=RowState.PENDING, max_length=16)  # pending | ok | failed | skipped
    attempts: int = 0
    message: str | None = None
    created_at: datetime = _time(nullable=False)
    finished_at: datetime | None = _time()
    # The process calling the marketplace for a ``pending`` row, until ``lease_until``;
    # a pending row whose lease ran out was left by a crash and is taken again.
    lease_owner: str | None = Field(default=None, max_length=191)
    lease_until: datetime | None = _time()


class Lease(SQLModel, table=True):
    """One unit of work (an (account, stream) run, a rule tick) and who holds it until when."""

    __tablename__ = "leases"
    unit: str = Field(primary_key=True, max_length=191)
    owner: str | None = Field(default=None, max_length=191)  # HOST:PID/TOKEN, None when free
    acquired_at: datetime | None = _time()
    expires_at: datetime | None = _time()
    # A scheduled unit is not run again before this (replicas share one schedule).
    due_at: datetime | None = _time()
    last_owner: str | None = Field(default=None, max_length=191)
    released_at: datetime | None = _time()


class ProcessRecord(SQLModel, table=True):
    """A live mpsync process: its heartbeat, and the state of its supervised tasks."""

    __tablename__ = "processes"
    owner: str = Field(primary_key=True, max_length=191)  # HOST:PID/TOKEN
    node: str = Field(max_length=255)  # where its pid can be checked: host and pid namespace
    pid: int
    role: str = Field(max_length=16)  # run | cli
    started_at: datetime = _time(nullable=False)
    heartbeat_at: datetime = _time(nullable=False)
    expires_at: datetime = _time(nullable=False, index=True)
    tasks: dict[str, Any] | None = _json()


ALL_TABLES = SQLModel.metadata
