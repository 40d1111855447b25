"""Customers: the list with RFM segments, one customer's interaction timeline, and the
segment summary with each segment's share of all orders.

Nothing returned here for ``--json`` carries a name, phone or e-mail; ``contact`` (a
name and masked contacts) is only for a person reading the terminal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select

from mpsync.analytics import cohorts
from mpsync.analytics.numbers import money, rate
from mpsync.analytics.period import Period
from mpsync.analytics.rfm import SEGMENTS, Buyer, buyers
from mpsync.analytics.sql import (
    CANCELLED,
    CHANGES,
    CUSTOMERS,
    INVOICES,
    ORDERS,
    OUTBOX,
    RETURNED,
    Scope,
)
from mpsync.domain.events import MessageState

TIMELINE_KINDS = ("order", "status", "return", "invoice", "invoice_voided", "notification",
                  "question", "review", "answer")  # fmt: skip


def _plain(buyer: Buyer) -> dict[str, Any]:
    return {
        "id": buyer.customer_id, "segment": buyer.segment, "r": buyer.r, "f": buyer.f,
        "m": buyer.m, "orders": buyer.orders, "spent": money(buyer.spent),
        "first_order_at": buyer.first_order_at.isoformat(),
        "last_order_at": buyer.last_order_at.isoformat(), "recency_days": buyer.recency_days,
    }  # fmt: skip


def list_customers(engine: Engine, scope: Scope, *, now: datetime, segment: str | None = None,
                   limit: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """Identified buyers by money spent, highest first, with RFM scores and segment."""
    if segment is not None and segment not in SEGMENTS:
        raise ValueError(
            f"--segment {segment!r} is not a segment; use one of {', '.join(SEGMENTS)}"
        )
    with engine.connect() as connection:
        found = buyers(connection, scope, until=now)
    found.sort(key=lambda b: (-b.spent, b.customer_id))
    rows = [_plain(b) for b in found if segment is None or b.segment == segment]
    return rows[:limit] if limit else rows


def segments(engine: Engine, scope: Scope, *, until: datetime) -> dict[str, Any]:
    """Per segment: buyers, their orders and the share of all orders (anonymous included)."""
    with engine.connect() as connection:
        found = buyers(connection, scope, until=until)
        total = connection.execute(
            select(func.count()).where(ORDERS.c.created_at < until,
                                       func.coalesce(ORDERS.c.status, "") != CANCELLED,
                                       scope.accounts(ORDERS.c.account_id))
        ).scalar_one()  # fmt: skip
    people = Counter(b.segment for b in found)
    orders = Counter[str]()
    for b in found:
        orders[b.segment] += b.orders
    identified = sum(orders.values())
    return {
        "orders": int(total),
        "identified_orders": identified,
        "identified_share": rate(identified, int(total)),
        "buyers": len(found),
        "segments": [{"segment": name, "buyers": people[name], "orders": orders[name],
                      "share_of_orders": rate(orders[name], int(total))} for name in SEGMENTS],
    }  # fmt: skip


def customers_report(engine: Engine, period: Period, scope: Scope) -> dict[str, Any]:
    """``report customers``: segments as of the period's end, the repeat-buyer rate of the
    period and retention by first-order month (the six cohorts up to the period)."""
    summary = segments(engine, scope, until=period.end)
    with engine.connect() as connection:
        repeat = cohorts.repeat_rate(connection, period, scope)
        months = cohorts.retention(cohorts.buyer_orders(connection, period.end, scope), period)
    return {"period": period.label, **summary, "repeat_buyer_rate": repeat, "cohorts": months}


@dataclass
class CustomerCard:
    """``customers show``: figures and timeline (``data``), and what only a person sees."""

    data: dict[str, Any]
    contact: dict[str, str | None] = field(default_factory=dict)


def show_customer(engine: Engine, customer_id: int, *, now: datetime) -> CustomerCard | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(CUSTOMERS).where(CUSTOMERS.c.id == customer_id)
        ).one_or_none()
        if row is None:
            return None
        scored = {b.customer_id: b for b in buyers(connection, Scope(), until=now)}
        timeline = _timeline(connection, customer_id)
    buyer = scored.get(customer_id)
    data: dict[str, Any] = {"id": customer_id, **(_plain(buyer) if buyer else {
        "segment": None, "orders": 0, "spent": money(Decimal(0))})}  # fmt: skip
    data["timeline"] = timeline
    contact = {"name": row.name or row.company_name, "phone": mask_phone(row.phone),
               "email": mask_email(row.email)}  # fmt: skip
    return CustomerCard(data, contact)


def _timeline(connection: Connection, customer_id: int) -> list[dict[str, Any]]:
    orders = connection.execute(
        select(ORDERS.c.id, ORDERS.c.account_id, ORDERS.c.external_id, ORDERS.c.created_at,
               ORDERS.c.items_total, ORDERS.c.currency, ORDERS.c.status)
        .where(ORDERS.c.customer_id == customer_id)
    ).all()  # fmt: skip
    names = {o.id: f"{o.account_id}:{o.external_id}" for o in orders}
    events = [
        _event(o.created_at, "order", names[o.id], f"{money(o.items_total)} {o.currency}")
        for o in orders
    ]
    ids = list(names)
    if ids:
        events += _changes(connection, ids, names) + _invoices(connection, ids, names)
        events += _notifications(connection, names)
    events += _messages(connection, customer_id, names)
    events.sort(key=lambda e: (e["at"], TIMELINE_KINDS.index(e["kind"])))
    return events


def _event(at: datetime, kind: str, order: str, detail: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "kind": kind, "order": order, "detail": detail}


def _changes(connection: Connection, ids: list[int], names: dict[int, str]) -> list[dict[str, Any]]:
    query = select(CHANGES.c.order_id, CHANGES.c.at, CHANGES.c.from_status,
                   CHANGES.c.to_status).where(CHANGES.c.order_id.in_(ids))  # fmt: skip
    return [
        _event(at, "return" if to == RETURNED else "status", names[oid], f"{old or '—'} → {to}")
        for oid, at, old, to in connection.execute(query)
    ]


def _invoices(
    connection: Connection, ids: list[int], names: dict[int, str]
) -> list[dict[str, Any]]:
    columns = (INVOICES.c.order_id, INVOICES.c.number, INVOICES.c.issued_at,
               INVOICES.c.voided_at, INVOICES.c.total)  # fmt: skip
    query = select(*columns).where(INVOICES.c.order_id.in_(ids))
    events = []
    for oid, number, issued, voided, total in connection.execute(query):
        events.append(_event(issued, "invoice", names[oid], f"{number} {money(total)}"))
        if voided is not None:
            events.append(_event(voided, "invoice_voided", names[oid], number))
    return events


def _notifications(connection: Connection, names: dict[int, str]) -> list[dict[str, Any]]:
    """Messages sent about the customer's orders (outbox keys start ``ACCOUNT:EXTERNAL:``)."""
    prefixes = {f"{name}:": name for name in names.values()}
    query = select(OUTBOX.c.dedupe_key, OUTBOX.c.event_kind, OUTBOX.c.channel, OUTBOX.c.sent_at,
                   OUTBOX.c.state).where(
        or_(*(OUTBOX.c.dedupe_key.startswith(p, autoescape=True) for p in prefixes)),
        OUTBOX.c.sent_at.is_not(None),
    )  # fmt: skip
    events = []
    for key, kind, channel, sent_at, _state in connection.execute(query):
        order = next(name for prefix, name in prefixes.items() if key.startswith(prefix))
        events.append(_event(sent_at, "notification", order, f"{kind} via {channel}"))
    return events


def _messages(connection: Connection, customer_id: int,
              names: dict[int, str]) -> list[dict[str, Any]]:  # fmt: skip
    """The buyer's questions and reviews (``mpsync inbox``) on the orders they were left on,
    and the seller's answers."""
    from mpsync.inbox.store import MESSAGES

    query = select(MESSAGES.c.id, MESSAGES.c.kind, MESSAGES.c.order_id, MESSAGES.c.rating,
                   MESSAGES.c.sku, MESSAGES.c.created_at, MESSAGES.c.answered_at,
                   MESSAGES.c.state).where(MESSAGES.c.customer_id == customer_id)  # fmt: skip
    events = []
    for row in connection.execute(query):
        order = names.get(row.order_id, "")
        stars = f" {row.rating}★" if row.rating is not None else ""
        events.append(_event(row.created_at, row.kind, order,
                             f"inbox {row.id}: {row.sku or '?'}{stars}"))  # fmt: skip
        if row.state == MessageState.ANSWERED and row.answered_at is not None:
            events.append(_event(row.answered_at, "answer", order, f"inbox {row.id}"))
    return events


def mask_phone(phone: str | None) -> str | None:
    """``+79991234567`` → ``+7999•••4567``."""
    if not phone:
        return None
    return f"{phone[:5]}•••{phone[-4:]}" if len(phone) > 9 else "•••"


def mask_email(email: str | None) -> str | None:
    """``anna@example.com`` → ``a•••@example.com``."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"
