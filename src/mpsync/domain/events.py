"""Event kinds and the states of queued rows, buyers' messages and stock/price pushes, as
enums (their values are what the store, the notification templates and ``--json`` hold,
so a ``StrEnum`` compares equal to the text).

The events notification rules may name (``[[notifications.rules]] events``) are kept apart
from ``mpsync.notify`` so the config can check a rule's events when it is read without
loading the channels. A producer of a new event adds its kind here.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What happened, as notification rules (``[[notifications.rules]] events``) name it."""

    ORDER_CREATED = "order.created"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_SLA_WARNING = "order.sla_warning"
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_VOIDED = "invoice.voided"
    STOCK_LOW = "stock.low"
    REPORT_DIGEST = "report.digest"  # [analytics] digest (mpsync.analytics.digest)
    # Buyers' questions and reviews (mpsync.inbox): a low-rated review, one close to its
    # deadline, a draft answer to approve.
    INBOX_REVIEW_LOW = "inbox.review_low"
    INBOX_DEADLINE = "inbox.deadline"
    INBOX_DRAFT = "inbox.draft"
    # Stock sync (mpsync.stocksync): an item at 0 on every channel, a propagation the guard
    # refused, a stock push the marketplace refused.
    STOCK_OUT_EVERYWHERE = "stock.out_everywhere"
    STOCK_GUARD_REFUSED = "stock.guard_refused"
    STOCK_PUSH_REFUSED = "stock.push_refused"


EVENT_KINDS: tuple[str, ...] = tuple(kind.value for kind in EventKind)


class OutboxKind(StrEnum):
    """Outbox rows that no notification rule routes: they go to one channel by design."""

    INBOX_ANSWER = "inbox.answer"  # an answer to a buyer, sent by the marketplace channel
    INBOX_REPLY = "inbox.reply"  # the confirmation of a seller's reply (mpsync.inbox.replies)


class RowState(StrEnum):
    """States of the rows queued for work: the received pushes (pending → processing → done |
    failed), the notification outbox (pending → sending → sent | failed) and write-backs
    (pending under a lease → done | failed)."""

    PENDING = "pending"
    PROCESSING = "processing"
    SENDING = "sending"
    DONE = "done"
    SENT = "sent"
    FAILED = "failed"


class MessageState(StrEnum):
    """States of a buyer's question or review (``buyer_messages.state``; the values of
    ``mpsync inbox list --json`` and ``--state``): unanswered → draft (a rule or the seller
    proposed an answer) → sending → answered; unavailable (the account cannot answer it).
    ``expired`` is never stored: it is how an open message past its deadline is shown."""

    UNANSWERED = "unanswered"
    DRAFT = "draft"
    SENDING = "sending"
    ANSWERED = "answered"
    EXPIRED = "expired"
    UNAVAILABLE = "unavailable"


class PushState(StrEnum):
    """States of the last stock or price push per key (``inventory_pushes.state``,
    ``mpsync.catalog.pushes``): pending until a read judges it, then taken or differs;
    refused (the marketplace said no) or failed (no answer came; a read still judges it)."""

    PENDING = "pending"
    TAKEN = "taken"
    DIFFERS = "differs"
    REFUSED = "refused"
    FAILED = "failed"
