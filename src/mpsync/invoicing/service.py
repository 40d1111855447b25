"""Invoice services: issue one invoice per order, list, show and render invoices.

``issue_invoice`` runs inside the caller's transaction; the CLI (``mpsync invoices``)
calls ``list_invoices``, ``get_invoice`` and ``render_invoice``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, insert, select

from mpsync.config.model import InvoicingConfig
from mpsync.domain.status import PROGRESS
from mpsync.invoicing.document import build_document
from mpsync.invoicing.numbering import format_number, next_seq
from mpsync.invoicing.pdf import render_pdf
from mpsync.store.tables import Customer, Invoice, Order, OrderLine

INVOICES: Table = cast(Table, Invoice.__table__)  # type: ignore[attr-defined]
ORDERS: Table = cast(Table, Order.__table__)  # type: ignore[attr-defined]
LINES: Table = cast(Table, OrderLine.__table__)  # type: ignore[attr-defined]
CUSTOMERS: Table = cast(Table, Customer.__table__)  # type: ignore[attr-defined]


class InvoiceNotFound(LookupError):
    """No invoice has the given id or number."""


_PROGRESS = tuple(status.value for status in PROGRESS)


def trigger_statuses(trigger: str) -> tuple[str, ...]:
    """The trigger status and every later one on the way to completion.

    An order that moved past the trigger between two workflow runs is still
    invoiced; cancelled and returned orders are not.
    """
    if trigger not in _PROGRESS:
        return (trigger,)
    return _PROGRESS[_PROGRESS.index(trigger) :]


def invoice_due(order: Any, settings: InvoicingConfig) -> bool:
    """Whether the workflow should invoice *order* (a row with status and buyer_inn)."""
    if not settings.enabled or order.status not in trigger_statuses(settings.trigger_status):
        return False
    return bool(order.buyer_inn) or not settings.only_business_buyers


def issue_invoice(
    connection: Connection,
    order_id: int,
    settings: InvoicingConfig,
    *,
    now: datetime,
    zone: tzinfo = UTC,
) -> Invoice | None:
    """Issue the invoice of *order_id*; ``None`` if it already has one (nothing is created).

    The order row is locked first (PostgreSQL), so two workers invoicing the same order
    never both take a number; the counter and the invoice commit together.
    """
    order = _lock_order(connection, order_id)
    if order is None:
        raise LookupError(f"order {order_id} not found")
    existing = select(INVOICES.c.id).where(INVOICES.c.order_id == order_id)
    if connection.execute(existing).first() is not None:
        return None
    issued_at = now.astimezone(UTC)
    year = issued_at.astimezone(zone).year  # the seller's calendar year, as on the document
    seq = next_seq(connection, settings.sequence, year)
    number = format_number(settings.number_format, year=year, seq=seq, sequence=settings.sequence)
    document = build_document(
        number=number,
        issued_at=issued_at,
        order=order,
        lines=_lines(connection, order_id),
        customer=_customer(connection, order.get("customer_id")),
        settings=settings,
        zone=zone,
    )
    values = {
        "order_id": order_id,
        "sequence": settings.sequence,
        "year": year,
        "seq": seq,
        "number": number,
        "issued_at": issued_at,
        "currency": document["currency"],
        "total": Decimal(document["total"]),
        "vat_amount": Decimal(document["vat"]["amount"]),
        "document": document,
    }
    new_id = connection.execute(insert(INVOICES).values(values).returning(INVOICES.c.id))
    return Invoice(id=new_id.scalar_one(), **values)


def _lock_order(connection: Connection, order_id: int) -> dict[str, Any] | None:
    query = select(ORDERS).where(ORDERS.c.id == order_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).mappings().first()
    return dict(row) if row is not None else None


def _lines(connection: Connection, order_id: int) -> list[dict[str, Any]]:
    query = select(LINES).where(LINES.c.order_id == order_id).order_by(LINES.c.line_no)
    return [dict(row) for row in connection.execute(query).mappings()]


def _customer(connection: Connection, customer_id: int | None) -> dict[str, Any] | None:
    if customer_id is None:
        return None
    row = connection.execute(select(CUSTOMERS).where(CUSTOMERS.c.id == customer_id))
    found = row.mappings().first()
    return dict(found) if found is not None else None


def invoice_payload(invoice: Invoice, *, pdf_path: Path | None = None) -> dict[str, Any]:
    """The ``invoice`` section of an ``invoice.issued`` event (buyer only when a company)."""
    document = invoice.document or {}
    buyer = document.get("buyer") or {}
    return {
        "id": invoice.id,
        "number": invoice.number,
        "total": str(invoice.total),
        "currency": invoice.currency,
        "buyer": buyer.get("name") if buyer.get("inn") else None,
        "pdf_path": str(pdf_path) if pdf_path else None,
    }


def _summary(row: Any) -> dict[str, Any]:
    document = row.document or {}
    return {
        "id": row.id,
        "number": row.number,
        "order_id": row.order_id,
        "issued_at": row.issued_at.isoformat(),
        "currency": row.currency,
        "total": str(row.total),
        "vat_amount": str(row.vat_amount),
        "buyer": (document.get("buyer") or {}).get("name"),
        "state": "voided" if row.voided_at else "issued",
        "voided_at": row.voided_at.isoformat() if row.voided_at else None,
        "void_reason": row.void_reason,
    }


def list_invoices(
    engine: Engine,
    *,
    limit: int | None = None,
    account: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Invoices, newest first, as plain dicts (``mpsync invoices list [--json]``), with
    the account and the marketplace's order id; *since* bounds ``issued_at``."""
    query = (
        select(INVOICES, ORDERS.c.account_id, ORDERS.c.external_id.label("order_external_id"))
        .join(ORDERS, ORDERS.c.id == INVOICES.c.order_id)
        .order_by(INVOICES.c.issued_at.desc(), INVOICES.c.id.desc())
    )
    if account:
        query = query.where(ORDERS.c.account_id == account)
    if since is not None:
        query = query.where(INVOICES.c.issued_at >= since)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [
            {**_summary(row), "account": row.account_id,
             "order_external_id": row.order_external_id}
            for row in connection.execute(query)
        ]  # fmt: skip


def get_invoice(engine: Engine, id_or_number: int | str) -> dict[str, Any]:
    """One invoice with its document, by number or by numeric id."""
    with engine.connect() as connection:
        row = connection.execute(
            select(INVOICES).where(INVOICES.c.number == str(id_or_number))
        ).first()
        if row is None and str(id_or_number).isdigit():
            row = connection.execute(
                select(INVOICES).where(INVOICES.c.id == int(id_or_number))
            ).first()
    if row is None:
        raise InvoiceNotFound(f"no invoice with id or number {str(id_or_number)!r}")
    return {**_summary(row), "document": row.document}


_VOID_REASONS_RU = {"order cancelled": "заказ отменён", "order returned": "заказ возвращён"}


def render_invoice(
    engine: Engine, id_or_number: int | str, out: Path, *, force: bool = False
) -> Path:
    """Render the stored document of an invoice to a PDF at *out* (see ``render_pdf``)."""
    invoice = get_invoice(engine, id_or_number)
    note = None
    if invoice["voided_at"]:
        reason = _VOID_REASONS_RU.get(invoice["void_reason"], invoice["void_reason"] or "")
        note = f"Аннулирован {invoice['voided_at'][:10]}: {reason}".strip(": ")
    return render_pdf(invoice["document"], out, void_note=note, force=force)
