"""An invoiced order cancelled or returned later: its invoice is voided once, never deleted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from tests.invoicing.helpers import NOW, MakeOrder, issue

from mpsync.config import load_config_data
from mpsync.invoicing import get_invoice, list_invoices, render_invoice
from mpsync.invoicing.pdf import FontNotFoundError, find_fonts
from mpsync.invoicing.service import INVOICES, ORDERS
from mpsync.notify.render import Renderer
from mpsync.store.tables import OutboxMessage
from mpsync.workflow.effects import void_invoices

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
LATER = NOW + timedelta(days=2)
SETTINGS = load_config_data(
    {
        "notifications": {
            "channels": [{"name": "console", "type": "console"}],
            "rules": [{"events": ["invoice.voided"], "channels": ["console"]}],
        }
    },
    env={},
)


def _set_status(engine: Engine, order_id: int, status: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(ORDERS).where(ORDERS.c.id == order_id).values(status=status))


def _void(engine: Engine) -> int:
    with engine.begin() as connection:
        return void_invoices(connection, SETTINGS, now=LATER)


def test_cancelled_after_invoicing_voids_once_and_notifies(
    engine: Engine, make_order: MakeOrder
) -> None:
    kept, cancelled, returned = (make_order(f"P-{n}") for n in range(3))
    for order_id in (kept, cancelled, returned):
        issue(engine, order_id)
    _set_status(engine, cancelled, "cancelled")
    _set_status(engine, returned, "returned")

    assert _void(engine) == 2
    assert _void(engine) == 0  # a second pass changes nothing

    states = {row["order_id"]: row for row in list_invoices(engine)}
    assert states[kept]["state"] == "issued" and states[kept]["voided_at"] is None
    assert states[cancelled]["state"] == "voided"
    assert states[cancelled]["void_reason"] == "order cancelled"
    assert states[returned]["void_reason"] == "order returned"
    assert states[cancelled]["voided_at"] == LATER.isoformat()
    assert len({row["number"] for row in states.values()}) == 3  # numbers stay taken

    with engine.connect() as connection:
        outbox = connection.execute(select(OUTBOX.c.event_kind, OUTBOX.c.payload)).all()
    assert [kind for kind, _ in outbox] == ["invoice.voided", "invoice.voided"]
    payload = next(p for _, p in outbox if p["order"]["status"] == "cancelled")
    assert payload["invoice"]["number"] == states[cancelled]["number"]
    text = Renderer().render("invoice.voided", payload, "ru").text
    assert states[cancelled]["number"] in text and "аннулирован" in text and "отменён" in text
    assert "voided" in Renderer().render("invoice.voided", payload, "en").text


def test_voided_invoice_renders_with_a_stamp(
    engine: Engine, make_order: MakeOrder, tmp_path: Path
) -> None:
    try:
        find_fonts()
    except FontNotFoundError:
        pytest.skip("no Cyrillic font on this machine")
    order_id = make_order("P-9")
    invoice = issue(engine, order_id)
    plain = render_invoice(engine, invoice.number, tmp_path / "plain.pdf").read_bytes()
    _set_status(engine, order_id, "cancelled")
    _void(engine)
    stamped = render_invoice(engine, invoice.number, tmp_path / "void.pdf").read_bytes()
    assert get_invoice(engine, invoice.number)["state"] == "voided"
    assert len(stamped) > len(plain)  # the stamp and the note are drawn on top


def test_invoice_rows_keep_their_order(engine: Engine, make_order: MakeOrder) -> None:
    order_id = make_order("P-1")
    issue(engine, order_id)
    _set_status(engine, order_id, "cancelled")
    _void(engine)
    with engine.connect() as connection:
        row = connection.execute(select(INVOICES).where(INVOICES.c.order_id == order_id)).one()
    assert row.voided_at is not None and row.document is not None
