"""Each store-driven rule fires once, a second pass adds nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine, select, text

from mpsync.browse import get_order
from mpsync.domain.status import OrderStatus
from mpsync.notify.render import Renderer
from mpsync.workflow import MAX_ATTEMPTS
from tests.workflow.conftest import (
    NOW,
    ORDERS,
    SELLER,
    Clock,
    add_order,
    add_stock,
    counts,
    make_runner,
    rows,
    run,
    workflow_settings,
)


def test_sla_warning_once_per_order_with_outbox_row(
    store: Engine, store_url: str, clock: Clock
) -> None:
    runner = make_runner(store, workflow_settings(store_url), clock)
    add_order(store, "near", OrderStatus.NEW, ship_by=NOW + timedelta(hours=1))
    add_order(store, "later", OrderStatus.CONFIRMED, ship_by=NOW + timedelta(hours=10))
    add_order(store, "gone", OrderStatus.SHIPPED, ship_by=NOW + timedelta(hours=1))
    add_order(store, "open", OrderStatus.NEW)

    assert run(runner).sla_warnings == 1
    [event] = rows(store, "SELECT key, payload FROM domain_events")
    assert event.key == "wb:near:order.sla_warning"
    [message] = rows(store, "SELECT dedupe_key, event_kind, payload FROM outbox")
    assert message.dedupe_key == "wb:near:order.sla_warning:console"
    assert message.event_kind == "order.sla_warning"
    payload = message.payload if isinstance(message.payload, dict) else json.loads(message.payload)
    assert payload["order"]["ship_by"] == (NOW + timedelta(hours=1)).isoformat()
    assert payload["account"] == "wb" and payload["marketplace"] == "wildberries"
    assert "near" in str(Renderer().render("order.sla_warning", payload, "en"))
    before = counts(store)
    again = run(runner)
    assert again.changes == 0 and not again.errors and counts(store) == before

    clock.now = NOW + timedelta(hours=7)
    assert run(runner).sla_warnings == 1
    keys = [r.key for r in rows(store, "SELECT key FROM domain_events ORDER BY id")]
    assert keys == ["wb:near:order.sla_warning", "wb:later:order.sla_warning"]


def test_auto_complete_after_the_return_window(store: Engine, store_url: str, clock: Clock) -> None:
    runner = make_runner(store, workflow_settings(store_url), clock)
    old = add_order(store, "old", OrderStatus.DELIVERED, at=NOW - timedelta(days=15))
    add_order(store, "fresh", OrderStatus.DELIVERED, at=NOW - timedelta(days=2))
    add_order(store, "moving", OrderStatus.SHIPPED, at=NOW - timedelta(days=20))

    assert run(runner).completed == 1
    order = get_order(store, "wb:old")
    assert order is not None and order["status"] == "completed"
    assert [(h["from"], h["to"], h["source"]) for h in order["history"]] == [
        ("delivered", "completed", "rule")
    ]
    with store.connect() as connection:
        row = connection.execute(select(ORDERS).where(ORDERS.c.id == old)).one()
    assert row.status_at == NOW
    assert set(row.status_seen) == {s.value for s in OrderStatus} - {"cancelled", "returned"}
    [event] = rows(store, "SELECT key, kind FROM domain_events")
    assert (event.key, event.kind) == ("wb:old:delivered>completed", "order.status_changed")
    assert len(rows(store, "SELECT id FROM outbox")) == 1
    status = {
        r.external_id: r.status for r in rows(store, "SELECT external_id, status FROM orders")
    }
    assert status == {"old": "completed", "fresh": "delivered", "moving": "shipped"}

    before = counts(store)
    clock.now = NOW + timedelta(hours=1)
    assert run(runner).changes == 0 and counts(store) == before


def test_low_stock_alerts_once_per_level(store: Engine, store_url: str, clock: Clock) -> None:
    unset = make_runner(store, workflow_settings(store_url), clock)  # threshold 0
    add_stock(store, "low", on_hand=6, reserved=2)
    add_stock(store, "fine", on_hand=10, reserved=0)
    assert run(unset).low_stock == 0 and counts(store)["domain_events"] == 0
    settings = workflow_settings(store_url, workflow={"low_stock_threshold": 5})
    runner = make_runner(store, settings, clock)

    assert run(runner).low_stock == 1
    [event] = rows(store, "SELECT key, payload FROM domain_events")
    assert event.key == "wb:low:W1:stock.low:6"
    [message] = rows(store, "SELECT dedupe_key, event_kind FROM outbox")
    assert (message.dedupe_key, message.event_kind) == (
        "wb:low:W1:stock.low:6:console",
        "stock.low",
    )
    assert run(runner).changes == 0

    with store.begin() as connection:
        connection.execute(text("UPDATE stock_levels SET on_hand = 5 WHERE sku = 'low'"))
    assert run(runner).low_stock == 1
    assert len(rows(store, "SELECT id FROM outbox")) == 2
    assert run(runner).changes == 0


def test_invoices_for_shipped_orders_with_gapless_numbers(
    store: Engine, store_url: str, clock: Clock
) -> None:
    disabled = make_runner(store, workflow_settings(store_url), clock)
    for name in ("s1", "s2", "s3"):
        add_order(store, name, OrderStatus.SHIPPED)
    add_order(store, "n1", OrderStatus.NEW)
    add_order(store, "d1", OrderStatus.DELIVERED)  # moved past "shipped" between two runs
    add_order(store, "c1", OrderStatus.CANCELLED)
    assert run(disabled).invoices == 0 and counts(store)["invoices"] == 0
    settings = workflow_settings(store_url, invoicing={"enabled": True, **SELLER})
    runner = make_runner(store, settings, clock)

    assert run(runner).invoices == 4
    numbers = [r.number for r in rows(store, "SELECT number FROM invoices ORDER BY seq")]
    assert numbers == [f"INV-2026-00000{i}" for i in range(1, 5)]
    events = rows(store, "SELECT key FROM domain_events WHERE kind = 'invoice.issued'")
    assert sorted(e.key for e in events) == [
        f"wb:{n}:invoice.issued" for n in ("d1", "s1", "s2", "s3")
    ]
    assert len(rows(store, "SELECT id FROM outbox WHERE event_kind = 'invoice.issued'")) == 4
    assert run(runner).changes == 0

    with store.begin() as connection:
        connection.execute(text("UPDATE orders SET status = 'shipped' WHERE external_id = 'n1'"))
    assert run(runner).invoices == 1
    assert rows(store, "SELECT MAX(number) FROM invoices")[0][0] == "INV-2026-000005"


def test_confirm_failure_is_recorded_and_retried_up_to_the_bound(
    store: Engine, store_url: str, clock: Clock
) -> None:
    """The WB account points at a closed port: the connector raises after its retries."""
    settings = workflow_settings(store_url, workflow={"auto_confirm": ["wb", "oz"]})
    runner = make_runner(store, settings, clock)
    add_order(store, "1001", OrderStatus.NEW)
    add_order(store, "2002", OrderStatus.NEW, account="oz")
    add_order(store, "1003", OrderStatus.SHIPPED)

    first = run(runner)
    assert (first.confirmed, first.confirm_failed) == (0, 1)
    order = get_order(store, "wb:1001")
    assert order is not None
    [write_back] = order["write_backs"]
    assert write_back["action"] == "confirm" and write_back["state"] == "failed"
    assert write_back["message"]
    for _ in range(MAX_ATTEMPTS):
        run(runner)
    [row] = rows(store, "SELECT order_id, state, attempts FROM write_backs")
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert run(runner).changes == 0  # Ozon has no confirm step: no write-back is attempted
