"""The events notification rules may name (``[[notifications.rules]] events``).

Kept apart from ``mpsync.notify`` so the config can check a rule's events when it is read
without loading the channels. A producer of a new event adds its kind here.
"""

from __future__ import annotations

EVENT_KINDS = (
    "order.created",
    "order.cancelled",
    "order.status_changed",
    "order.sla_warning",
    "invoice.issued",
    "invoice.voided",
    "stock.low",
    "report.digest",  # scheduled by [analytics] digest / digest_at (mpsync.analytics.digest)
    # Buyers' questions and reviews (mpsync.inbox): a low-rated review, one close to its
    # deadline, a draft answer to approve.
    "inbox.review_low",
    "inbox.deadline",
    "inbox.draft",
    # Stock sync (mpsync.stocksync): an item at 0 on every channel, a propagation the guard
    # refused, a stock push the marketplace refused.
    "stock.out_everywhere",
    "stock.guard_refused",
    "stock.push_refused",
)
