"""Customers: RFM scores and segments by hand, the timeline, no contacts in the data."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from mpsync.analytics.customers import (
    list_customers,
    mask_email,
    mask_phone,
    segments,
    show_customer,
)
from mpsync.analytics.rfm import segment_of
from mpsync.analytics.sql import Scope
from mpsync.store.tables import Invoice, OutboxMessage
from tests.analytics import dataset

NOW = dataset.NOW


@pytest.fixture
def loaded(store: Engine) -> Engine:
    dataset.load(store)
    created = dataset.ORDERS[4][2]  # O5
    with store.begin() as connection:
        connection.execute(insert(Invoice.__table__), [{  # type: ignore[attr-defined]
            "order_id": 5, "sequence": "default", "year": 2026, "seq": 1, "number": "INV-1",
            "issued_at": created + timedelta(hours=11), "currency": "RUB",
            "total": Decimal("100"), "vat_amount": Decimal("0")}])  # fmt: skip
        connection.execute(insert(OutboxMessage.__table__), [{  # type: ignore[attr-defined]
            "dedupe_key": "oz1:O5:ready_to_ship>shipped:tg", "channel": "tg",
            "event_kind": "order.status_changed", "payload": {}, "state": "sent", "attempts": 1,
            "next_attempt_at": NOW, "created_at": NOW, "sent_at": created + timedelta(hours=10, minutes=1)}])  # fmt: skip
    return store


def test_rfm_scores_and_segments(loaded: Engine) -> None:
    rows = list_customers(loaded, Scope(), now=NOW)
    # c1: 2 orders (O6, O5), 400 spent, last Mar 20 12:00 → 13 days; c2: O7, 400, 8 days.
    # Quintiles of two buyers: the better one scores 1 + 5·1//2 = 3, the other 1; equal M → 1.
    assert [(r["id"], r["orders"], r["spent"], r["recency_days"]) for r in rows] == [
        (1, 2, "400.00", 13), (2, 1, "400.00", 8)]  # fmt: skip
    assert [(r["r"], r["f"], r["m"], r["segment"]) for r in rows] == [
        (1, 3, 1, "at_risk"), (3, 1, 1, "about_to_sleep")]  # fmt: skip
    assert [r["id"] for r in list_customers(loaded, Scope(), now=NOW, segment="at_risk")] == [1]
    text = json.dumps(rows, ensure_ascii=False)
    assert "Анна" not in text and "+7999" not in text and "example.com" not in text
    with pytest.raises(ValueError, match="not a segment; use one of champions"):
        list_customers(loaded, Scope(), now=NOW, segment="vip")


def test_segment_shares_of_all_orders(loaded: Engine) -> None:
    summary = segments(loaded, Scope(), until=NOW)
    # Not cancelled before NOW: O1 O2 O4 O5 O6 O7 = 6; identified: O5 O6 (c1), O7 (c2).
    assert (summary["orders"], summary["identified_orders"], summary["identified_share"]) == (
        6,
        3,
        0.5,
    )
    shares = {s["segment"]: s for s in summary["segments"]}
    assert shares["at_risk"] == {
        "segment": "at_risk",
        "buyers": 1,
        "orders": 2,
        "share_of_orders": 0.3333,
    }
    assert shares["about_to_sleep"]["share_of_orders"] == 0.1667
    assert shares["champions"]["buyers"] == 0 and len(summary["segments"]) == 10


def test_the_standard_segment_map() -> None:
    assert segment_of(5, 5) == "champions" and segment_of(5, 1) == "new"
    assert segment_of(4, 1) == "promising" and segment_of(1, 5) == "cant_lose"
    assert segment_of(3, 3) == "need_attention" and segment_of(4, 4) == "loyal"
    assert segment_of(4, 2) == "potential_loyalists" and segment_of(1, 1) == "hibernating"


def test_customer_timeline(loaded: Engine) -> None:
    card = show_customer(loaded, 1, now=NOW)
    assert card is not None
    kinds = [(e["kind"], e["order"]) for e in card.data["timeline"]]
    assert kinds == [
        ("order", "wb1:O6"),
        ("status", "wb1:O6"),
        ("status", "wb1:O6"),
        ("status", "wb1:O6"),
        ("status", "wb1:O6"),
        ("order", "oz1:O5"),
        ("status", "oz1:O5"),
        ("status", "oz1:O5"),
        ("notification", "oz1:O5"),
        ("invoice", "oz1:O5"),
    ]
    assert card.data["timeline"][-2]["detail"] == "order.status_changed via tg"
    assert card.data["segment"] == "at_risk"
    assert card.contact == {"name": "Анна", "phone": "+7999•••0001", "email": None}
    assert "Анна" not in json.dumps(card.data, ensure_ascii=False)
    assert show_customer(loaded, 99, now=NOW) is None


def test_masks() -> None:
    assert mask_phone("+79991234567") == "+7999•••4567" and mask_phone(None) is None
    assert mask_email("anna@example.com") == "a•••@example.com"


def test_customers_report_has_cohorts(loaded: Engine) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from mpsync.analytics.customers import customers_report
    from mpsync.analytics.period import parse_period

    march = parse_period("2026-03", ZoneInfo(dataset.ZONE), date(2026, 4, 2))
    report = customers_report(loaded, march, Scope())
    # c1 first ordered in February and again in March; c2 first ordered in March.
    assert report["cohorts"] == [
        {"cohort": "2026-02", "buyers": 1, "retention": [{"month": 1, "share": 1.0}]},
        {"cohort": "2026-03", "buyers": 1, "retention": []},
    ]
    assert report["repeat_buyer_rate"] == 0.5
