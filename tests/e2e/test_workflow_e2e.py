"""Sandbox → sync → workflow → outbox → real SMTP and webhook receivers, on sandbox time.

Orders arrive, get auto-confirmed (WB), ship, are invoiced, delivered and completed after
a short return window; every routed event reaches each channel exactly once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from mpsync.config import Settings, load_config_data
from mpsync.notify import Dispatcher, build_channels, close_channels
from mpsync.notify.channels.smtp import message_id
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.workflow import WorkflowRunner
from tests.e2e.conftest import SmtpSink, WebhookSink
from tests.sync.conftest import T0, service_for

SECRET = "e2e-hook-s3cret"
SENDER = "robot@shop.example"
ROUTED = ("order.created", "order.cancelled", "invoice.issued")
STEP_MINUTES = 180
ARRIVALS_HOURS = 12
MAX_STEPS = 60
OPEN = ("new", "confirmed", "ready_to_ship", "shipped", "delivered")
SHIPPED_OR_LATER = ("shipped", "delivered", "completed")
SELLER = {"seller_name": "ООО «Ромашка»", "seller_inn": "7701234567",
          "seller_kpp": "770101001", "seller_address": "г. Москва, ул. Примерная, д. 1",
          "bank_name": "ПАО Банк", "bank_bik": "044525225",
          "bank_account": "40702810900000000001",
          "bank_corr_account": "30101810400000000225"}  # fmt: skip


def e2e_settings(server: SandboxServer, store_url: str, smtp_port: int, hook_url: str) -> Settings:
    poll = {"history": "30d", "lookback": "10m"}
    accounts = [
        {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb", "poll": poll,
         "api_base_url": server.url_for("wildberries")},
        {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": "k3y-ozon",
         "poll": poll, "api_base_url": server.url_for("ozon")},
        {"id": "ym", "marketplace": "yandex_market", "api_key": "k3y-ym", "business_id": 1000001,
         "campaign_ids": [21000000], "poll": poll,
         "api_base_url": server.url_for("yandex_market")},
    ]  # fmt: skip
    notifications = {
        "channels": [
            {"name": "email", "type": "email", "host": "127.0.0.1", "port": smtp_port,
             "security": "none", "from": SENDER, "to": ["seller@shop.example"], "timeout": 5},
            {"name": "webhook", "type": "webhook", "url": hook_url, "secret": SECRET,
             "timeout": 5, "language": "en"},
        ],
        "rules": [
            {"events": ["order.created", "order.cancelled"], "channels": ["email", "webhook"]},
            {"events": ["invoice.issued"], "channels": ["webhook", "email"]},
        ],
    }  # fmt: skip
    data = {
        "store": {"url": store_url},
        "accounts": accounts,
        "workflow": {"auto_confirm": ["wb"], "return_window": "1h", "sla_warning_before": "2h"},
        "invoicing": {"enabled": True, "trigger_status": "shipped", **SELLER},
        "notifications": notifications,
    }
    return load_config_data(data, env={})


def _scalar_rows(engine: Engine, query: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(query)).all())


def _open_orders(engine: Engine) -> int:
    marks = ", ".join(f"'{s}'" for s in OPEN)
    rows = _scalar_rows(engine, f"SELECT COUNT(*) FROM orders WHERE status IN ({marks})")
    return int(rows[0][0])


async def _drive(server: SandboxServer, engine: Engine, settings: Settings) -> dict[str, Any]:
    upgrade(engine)
    service = service_for(server, engine, settings)
    runner = WorkflowRunner(service.runtime, service)
    channels = build_channels(settings)
    dispatcher = Dispatcher(engine, settings, channels, clock=lambda: server.state.world.now_dt)
    errors: list[dict[str, str]] = []
    sync_failures: list[str] = []
    confirmed = completed = 0
    try:
        # The first sync of each account reads history and notifies nobody.
        for result in await service.sync(stream="orders"):
            assert result.outcome == "ok", result
        silent = {row[0] for row in _scalar_rows(engine, "SELECT key FROM domain_events")}
        assert not _scalar_rows(engine, "SELECT id FROM outbox")
        steps = 0
        for steps in range(1, MAX_STEPS + 1):
            if steps * STEP_MINUTES > ARRIVALS_HOURS * 60:
                server.config.orders_per_minute = 0  # let the last arrivals run their course
            await asyncio.to_thread(server.state.advance, STEP_MINUTES)
            for result in await service.sync(stream="orders"):
                if result.outcome != "ok":
                    sync_failures.append(f"{result}")
            stats = await runner.run_once()
            if stats.errors:
                errors.append(stats.errors)
            confirmed += stats.confirmed
            completed += stats.completed
            while (await dispatcher.run_once()).total:
                pass
            if server.config.orders_per_minute == 0 and _open_orders(engine) == 0:
                break
    finally:
        await close_channels(channels)
        await service.runtime.aclose()
    return {"silent": silent, "errors": errors, "sync_failures": sync_failures,
            "confirmed": confirmed, "completed": completed, "steps": steps}  # fmt: skip


def test_orders_flow_to_completion_with_exactly_once_mail_and_signed_webhooks(
    tmp_path: Path, smtp_sink: SmtpSink, webhook_sink: WebhookSink
) -> None:
    config = SandboxConfig(seed=11, backlog=12, backlog_days=2, orders_per_minute=0.015,
                           start_time=T0, rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        url = f"sqlite:///{tmp_path / 'e2e.db'}"
        settings = e2e_settings(server, url, smtp_sink.port, webhook_sink.url)
        engine = create_store_engine(url)
        try:
            outcome = asyncio.run(_drive(server, engine, settings))
            _check(engine, outcome, smtp_sink, webhook_sink)
        finally:
            engine.dispose()


def _check(engine: Engine, outcome: dict[str, Any], smtp: SmtpSink, hook: WebhookSink) -> None:
    assert outcome["errors"] == [], outcome["errors"]
    assert outcome["sync_failures"] == []
    assert _open_orders(engine) == 0, f"orders still open after {outcome['steps']} steps"

    # (a) orders went all the way: delivered by the marketplace, completed by the workflow.
    statuses = Counter(row[0] for row in _scalar_rows(engine, "SELECT status FROM orders"))
    assert statuses["completed"] > 0, statuses
    assert outcome["completed"] == statuses["completed"]
    assert outcome["confirmed"] > 0, "auto_confirm never confirmed a WB order"
    history = Counter(_scalar_rows(engine, "SELECT to_status, source FROM status_changes"))
    assert history[("delivered", "poll")] > 0, history
    assert history[("completed", "rule")] == statuses["completed"], history
    assert not [s for s, source in history if s == "completed" and source != "rule"]
    seen = _scalar_rows(engine, "SELECT status_seen FROM orders WHERE status = 'completed'")
    assert all("delivered" in json.loads(row[0]) for row in seen)

    # (b) every routed event after the first sync: one mail and one POST, no duplicates.
    events = [
        (key, kind)
        for key, kind in _scalar_rows(engine, "SELECT key, kind FROM domain_events")
        if kind in ROUTED and key not in outcome["silent"]
    ]
    kinds = Counter(kind for _, kind in events)
    assert all(kinds[k] > 0 for k in ROUTED), kinds
    outbox = Counter(row[0] for row in _scalar_rows(engine, "SELECT state FROM outbox"))
    assert outbox == {"sent": 2 * len(events)}, outbox

    mail_ids = Counter(str(mail["Message-ID"]) for mail in smtp.mails)
    expected_mail = Counter(message_id(f"{key}:email", SENDER) for key, _ in events)
    assert mail_ids == expected_mail
    mail_kinds = Counter(str(mail["X-Mpsync-Event"]) for mail in smtp.mails)
    assert mail_kinds == kinds

    deliveries = hook.snapshot()
    keys = Counter(d.headers["idempotency-key"] for d in deliveries)
    assert keys == Counter(f"{key}:webhook" for key, _ in events)

    # (c) the signature is an HMAC-SHA256 of the raw body, checked independently.
    for delivery in deliveries:
        digest = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(delivery.headers["x-mpsync-signature"], f"sha256={digest}")
        document = json.loads(delivery.body)
        assert document["id"] == delivery.headers["idempotency-key"]
        assert document["event"] == delivery.headers["x-mpsync-event"]

    # (d) an invoice per order at shipped or later; numbers unique and gapless.
    marks = ", ".join(f"'{s}'" for s in SHIPPED_OR_LATER)
    uninvoiced = _scalar_rows(engine, (
        f"SELECT o.id, o.status FROM orders o WHERE o.status IN ({marks})"
        " AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id)"
    ))  # fmt: skip
    assert uninvoiced == []
    invoices = _scalar_rows(engine, "SELECT sequence, year, seq, number FROM invoices")
    assert len({number for *_, number in invoices}) == len(invoices)
    per_sequence: dict[tuple[str, int], list[int]] = {}
    for sequence, year, seq, _ in invoices:
        per_sequence.setdefault((sequence, year), []).append(seq)
    for seqs in per_sequence.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    assert kinds["invoice.issued"] <= len(invoices)
