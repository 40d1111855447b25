"""Store-driven effects: low-stock alerts and invoices for orders that reached the trigger.

Each runs in the caller's transaction; event keys and the one-invoice-per-order
rule make a second run a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from mpsync.config import Settings
from mpsync.domain.events import EventKind
from mpsync.invoicing import invoice_due, invoice_payload, issue_invoice
from mpsync.invoicing.service import trigger_statuses
from mpsync.store.tables import Invoice
from mpsync.sync.events import Event, record_events
from mpsync.workflow.payloads import (
    ACCOUNTS,
    INVOICES,
    ORDERS,
    STOCK,
    chunks,
    load_lines,
    order_key,
    order_row_payload,
    orders_query,
)

STOCK_KIND = EventKind.STOCK_LOW
INVOICE_KIND = EventKind.INVOICE_ISSUED
VOID_KIND = EventKind.INVOICE_VOIDED
INVOICE_BATCH = 100
VOIDING_STATUSES = ("cancelled", "returned")


def alert_low_stock(connection: Connection, settings: Settings, *, now: datetime) -> int:
    """``stock.low`` per (account, sku, warehouse) below the threshold, once per on-hand level."""
    threshold = settings.workflow.low_stock_threshold
    if threshold <= 0:
        return 0
    query = (
        select(STOCK, ACCOUNTS.c.marketplace)
        .join(ACCOUNTS, ACCOUNTS.c.id == STOCK.c.account_id)
        .where(STOCK.c.on_hand - STOCK.c.reserved < threshold)
        .order_by(STOCK.c.id)
    )
    events = [_stock_event(row, threshold) for row in connection.execute(query)]
    return record_events(connection, settings, events, now=now, notify=True)


def _stock_event(row: Any, threshold: int) -> Event:
    key = f"{row.account_id}:{row.sku}:{row.warehouse}:{STOCK_KIND}:{row.on_hand}"
    payload = {
        "account": row.account_id,
        "marketplace": row.marketplace,
        "kind": STOCK_KIND,
        "sku": row.sku,
        "warehouse": row.warehouse,
        "available": row.on_hand - row.reserved,
        "threshold": threshold,
    }
    return Event(key, STOCK_KIND, row.account_id, None, payload)


def due_invoice_ids(connection: Connection, settings: Settings) -> list[int]:
    """Orders ``invoice_due`` accepts that have no invoice yet, oldest first."""
    config = settings.invoicing
    if not config.enabled:
        return []
    invoiced = select(INVOICES.c.id).where(INVOICES.c.order_id == ORDERS.c.id)
    query = (
        select(ORDERS.c.id, ORDERS.c.status, ORDERS.c.buyer_inn)
        .where(ORDERS.c.status.in_(trigger_statuses(config.trigger_status)), ~invoiced.exists())
        .order_by(ORDERS.c.created_at, ORDERS.c.id)
    )
    return [row.id for row in connection.execute(query) if invoice_due(row, config)]


def issue_invoices(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Issue the due invoices, one transaction per batch; return how many were issued."""
    with engine.connect() as connection:
        order_ids = due_invoice_ids(connection, settings)
    issued = 0
    for batch in chunks(order_ids, INVOICE_BATCH):
        with engine.begin() as connection:
            issued += _issue_batch(connection, settings, batch, now)
    return issued


def _issue_batch(
    connection: Connection, settings: Settings, order_ids: Sequence[int], now: datetime
) -> int:
    rows = {row.id: row for row in connection.execute(orders_query().where(
        ORDERS.c.id.in_(list(order_ids))))}  # fmt: skip
    lines = load_lines(connection, list(rows))
    events = []
    for order_id in order_ids:
        row = rows.get(order_id)
        if row is None or not invoice_due(row, settings.invoicing):
            continue  # moved on since it was listed: the next run decides again
        invoice = issue_invoice(connection, order_id, settings.invoicing, now=now,
                                zone=settings.display.display().zone)  # fmt: skip
        if invoice is None:
            continue  # another worker invoiced it first
        payload = order_row_payload(row, lines.get(order_id, []), INVOICE_KIND)
        payload["invoice"] = invoice_payload(invoice)
        events.append(Event(order_key(row, INVOICE_KIND), INVOICE_KIND, row.account_id,
                            order_id, payload))  # fmt: skip
    record_events(connection, settings, events, now=now, notify=True)
    return len(events)


def void_invoices(connection: Connection, settings: Settings, *, now: datetime) -> int:
    """Void the invoices of orders cancelled or returned after invoicing.

    The sandbox and the marketplaces allow cancelling a shipped order; its invoice
    keeps its number (numbering stays gapless) and is marked void, once, with an
    ``invoice.voided`` event so the seller can issue a correction.
    """
    query = (
        orders_query()
        .add_columns(INVOICES.c.id.label("invoice_id"))
        .join(INVOICES, INVOICES.c.order_id == ORDERS.c.id)
        .where(ORDERS.c.status.in_(VOIDING_STATUSES), INVOICES.c.voided_at.is_(None))
        .order_by(INVOICES.c.id)
    )
    rows = list(connection.execute(query))
    if not rows:
        return 0
    lines = load_lines(connection, [row.id for row in rows])
    events = []
    for row in rows:
        reason = f"order {row.status}"
        voided = connection.execute(
            update(INVOICES)
            .where(INVOICES.c.id == row.invoice_id, INVOICES.c.voided_at.is_(None))
            .values(voided_at=now, void_reason=reason)
            .returning(INVOICES)
        ).first()
        if voided is None:
            continue  # another worker voided it first
        payload = order_row_payload(row, lines.get(row.id, []), VOID_KIND)
        invoice = Invoice(**voided._mapping)
        payload["invoice"] = {**invoice_payload(invoice), "void_reason": reason}
        events.append(Event(order_key(row, VOID_KIND), VOID_KIND, row.account_id, row.id,
                            payload))  # fmt: skip
    record_events(connection, settings, events, now=now, notify=True)
    return len(events)
