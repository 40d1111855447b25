"""The ship-by warning: relative to the real deadline, and worded by whether it has passed.

Yandex Market gives a ship-by *day* (BusinessOrderShipmentDTO.shipmentDate, ``YYYY-MM-DD``,
yandex-market/yandex-market-partner-api openapi/components/schemas at 1318e9b8): the order is
late only once that day has ended in the shop's zone, so the warning comes
``sla_warning_before`` (4 h) ahead of 23:59:59 Moscow time, not ahead of 00:00.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from mpsync.domain.models import OrderRecord
from mpsync.domain.status import OrderStatus
from mpsync.mapping import load_mapping
from mpsync.notify.render import Renderer
from tests.contracts.yandex_market_samples import business_order
from tests.workflow.conftest import NOW, Clock, add_order, make_runner, rows, run, workflow_settings


def _payloads(store: Engine) -> dict[str, dict[str, object]]:
    found = {}
    for row in rows(store, "SELECT key, payload FROM domain_events ORDER BY id"):
        payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
        found[row.key.split(":")[1]] = payload
    return found


def test_the_message_says_whether_the_deadline_has_passed(
    store: Engine, store_url: str, clock: Clock
) -> None:
    runner = make_runner(store, workflow_settings(store_url), clock)
    add_order(store, "soon", OrderStatus.NEW, ship_by=NOW + timedelta(hours=2))
    add_order(store, "late", OrderStatus.CONFIRMED, ship_by=NOW - timedelta(hours=1))
    assert run(runner).sla_warnings == 2
    payloads = _payloads(store)
    renderer = Renderer()
    soon_ru = str(renderer.render("order.sla_warning", payloads["soon"], "ru"))
    late_ru = str(renderer.render("order.sla_warning", payloads["late"], "ru"))
    assert "Срок отгрузки заказа soon истекает" in soon_ru and "истёк" not in soon_ru
    assert "Срок отгрузки заказа late истёк" in late_ru and "истекает" not in late_ru
    late_en = renderer.render("order.sla_warning", payloads["late"], "en").subject
    assert late_en.startswith("Order late has missed its ship-by time")
    soon_en = renderer.render("order.sla_warning", payloads["soon"], "en").subject
    assert soon_en.startswith("Order soon is about to miss its ship-by time")


def _ym_ship_by(shipment_date: str) -> datetime:
    """The ship-by the built-in Yandex Market mapping reads from a shipment day."""
    delivery = {"type": "PICKUP", "serviceName": "x", "deliveryServiceId": 1,
                "deliveryPartnerType": "YANDEX_MARKET", "dates": {"fromDate": "2026-11-22"},
                "shipment": {"shipmentDate": shipment_date}}  # fmt: skip
    order = business_order(delivery=delivery)
    record = load_mapping("yandex_market").map_one("order", order, "ym")
    assert isinstance(record, OrderRecord) and record.ship_by is not None
    return record.ship_by


def test_a_yandex_market_ship_by_day_warns_only_near_its_end(
    store: Engine, store_url: str, clock: Clock
) -> None:
    """NOW is 2026-11-20 12:00 UTC = 15:00 Moscow time. An order to ship "2026-11-20" is due
    at 23:59:59 Moscow (20:59:59 UTC): no warning at 15:00, one from 19:59:59 Moscow on."""
    ship_by = _ym_ship_by("2026-11-20")
    assert ship_by == datetime(2026, 11, 20, 20, 59, 59, tzinfo=UTC)
    runner = make_runner(store, workflow_settings(store_url), clock)
    add_order(store, "today", OrderStatus.NEW, ship_by=ship_by)
    assert run(runner).sla_warnings == 0  # the old 00:00 reading warned here, 15 h "late"
    clock.now = datetime(2026, 11, 20, 17, 0, 1, tzinfo=UTC)  # 20:00:01 Moscow
    assert run(runner).sla_warnings == 1
    text = str(Renderer().render("order.sla_warning", _payloads(store)["today"], "ru"))
    assert "истекает" in text and "Отгрузить до: 20.11.2026" in text
