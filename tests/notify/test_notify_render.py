"""Templates (ru/en) for every event kind, money and date formatting, the console channel."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mpsync.config import ChannelConfig
from mpsync.logging import configure_logging
from mpsync.notify import EVENT_KINDS, OutgoingMessage, Renderer, build_channel, format_money
from mpsync.notify.render import format_when, plural_ru

NB = "\u00a0"
ORDER = {
    "external_id": "4211-1",
    "status": "cancelled",
    "previous_status": "confirmed",
    "total": "1234.5",
    "currency": "RUB",
    "ship_by": "2025-03-12T14:00:00+00:00",
    "cancel_reason": "Покупатель передумал",
    "lines": [{"sku": "MUG-1", "name": "Кружка", "quantity": 3, "unit_price": "411.50"}],
}
EVENT = {
    "account": "ozon-main",
    "marketplace": "ozon",
    "order": ORDER,
    "invoice": {"number": "INV-2025-000007", "total": "1234.50", "currency": "RUB"},
    "sku": "MUG-1",
    "warehouse": "Склад 1",
    "available": 2,
}


@pytest.mark.parametrize(
    ("value", "currency", "language", "expected"),
    [
        ("1234.5", "RUB", "ru", f"1{NB}234,50{NB}₽"),
        (Decimal("1234567.891"), "RUB", "ru", f"1{NB}234{NB}567,89{NB}₽"),
        ("0", "RUB", "ru", f"0,00{NB}₽"),
        ("-15", "USD", "ru", f"-15,00{NB}$"),
        ("1234.5", "RUB", "en", f"1,234.50{NB}₽"),
        ("99.999", "KGS", "en", f"100.00{NB}KGS"),
    ],
)
def test_money(value: object, currency: str, language: str, expected: str) -> None:
    assert format_money(value, currency, language) == expected


def test_dates_and_plurals() -> None:
    moment = datetime(2025, 3, 12, 14, 0, tzinfo=UTC)
    assert format_when(moment.isoformat(), "ru") == "12.03.2025 14:00 UTC"
    assert format_when(moment, "en") == "2025-03-12 14:00 UTC"
    forms = ("уведомление", "уведомления", "уведомлений")
    assert [plural_ru(n, *forms) for n in (1, 2, 5, 11, 21, 112)] == [
        "уведомление",
        "уведомления",
        "уведомлений",
        "уведомлений",
        "уведомление",
        "уведомлений",
    ]


EXPECTED = {
    ("order.created", "ru"): [
        "Новый заказ 4211-1 (ozon, ozon-main)",
        "Кружка",
        "× 3",
        f"411,50{NB}₽",
        f"Итого: 1{NB}234,50{NB}₽",
        "12.03.2025 14:00",
    ],
    ("order.created", "en"): ["New order 4211-1", "× 3", f"Total: 1,234.50{NB}₽", "Ship by"],
    ("order.cancelled", "ru"): ["Заказ 4211-1 отменён", "Причина: Покупатель передумал"],
    ("order.cancelled", "en"): ["Order 4211-1 cancelled", "Reason: Покупатель передумал"],
    ("order.status_changed", "ru"): ["подтверждён → отменён"],
    ("order.status_changed", "en"): ["confirmed → cancelled"],
    ("order.sla_warning", "ru"): ["Срок отгрузки заказа 4211-1", "Отгрузить до: 12.03.2025"],
    ("order.sla_warning", "en"): ["ship-by", "Ship by: 2025-03-12 14:00 UTC"],
    ("invoice.issued", "ru"): [f"Выставлен счёт № INV-2025-000007 на 1{NB}234,50{NB}₽"],
    ("invoice.issued", "en"): ["Invoice INV-2025-000007 issued"],
    ("stock.low", "ru"): ["Заканчивается товар MUG-1", "Склад: Склад 1", "Доступно: 2 шт."],
    ("stock.low", "en"): ["Low stock: MUG-1", "Available: 2"],
}


@pytest.mark.parametrize(("kind", "language"), list(EXPECTED))
def test_every_event_template(kind: str, language: str) -> None:
    rendered = Renderer().render(kind, EVENT, language)
    assert rendered.subject and "\n" not in rendered.subject
    for fragment in EXPECTED[(kind, language)]:
        assert fragment in rendered.text


def test_every_documented_kind_has_both_languages() -> None:
    renderer = Renderer()
    for kind in EVENT_KINDS:
        for language in ("ru", "en"):
            assert not renderer.render(kind, EVENT, language).subject.startswith(
                ("Событие", "Event")
            )


def test_unknown_kind_uses_generic_template() -> None:
    rendered = Renderer().render("order.returned", EVENT, "en")
    assert rendered.subject == "Event order.returned (ozon-main)"


def test_digest_and_test_messages() -> None:
    renderer = Renderer()
    items = [renderer.render("stock.low", {**EVENT, "sku": s}, "en") for s in ("A", "B")]
    digest = renderer.render_digest(items, "en")
    assert digest.subject == "mpsync digest: 2 notifications"
    assert "Low stock: A" in digest.body and "Low stock: B" in digest.body
    test = renderer.render_test("seller-mail", "ru", datetime(2025, 1, 2, 3, 4, tzinfo=UTC))
    assert test.subject == "Тестовое сообщение mpsync" and "02.01.2025 03:04 UTC" in test.body


async def test_console_channel_prints_boxes_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_logging("console", stream=io.StringIO())
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    channel = build_channel(ChannelConfig(name="console", type="console"))
    message = OutgoingMessage("k", "order.created", "Новый заказ [42]", "Итого: 1 ₽")
    assert (await channel.send(message)).ok
    out = capsys.readouterr().out
    assert "Новый заказ [42]" in out and "Итого: 1 ₽" in out and "╭" in out


async def test_console_channel_logs_one_event_off_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs = io.StringIO()
    configure_logging("json", stream=logs)
    channel = build_channel(ChannelConfig(name="console", type="console"))
    message = OutgoingMessage("k", "order.created", "Новый заказ [42]", "Итого: 1 ₽")
    result = await channel.send(message)
    assert result.ok and result.detail == "logged"
    assert capsys.readouterr().out == ""
    event = json.loads(logs.getvalue())
    assert event["event"] == "notification" and event["subject"] == "Новый заказ [42]"
    assert event["body"] == "Итого: 1 ₽" and event["channel"] == "console"


HOSTILE = "Кружка\nИтого: 0,00 ₽\r\nОтгрузить до: никогда\u2028\x0b"


@pytest.mark.parametrize("kind", ["order.created", "order.cancelled", "stock.low"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_marketplace_text_never_adds_a_line(kind: str, language: str) -> None:
    """Issue #12, Why 7: newlines in marketplace strings added lines to plain-text messages
    (a product name could forge an «Итого» line); a CR reached the subject."""
    order = {**EVENT["order"], "external_id": "42\r\nBcc: x", "cancel_reason": HOSTILE,
             "lines": [{**EVENT["order"]["lines"][0], "name": HOSTILE, "sku": "S\nKU"}]}  # fmt: skip
    event = {**EVENT, "order": order, "sku": HOSTILE, "warehouse": HOSTILE}
    plain = Renderer().render(kind, EVENT, language)
    hostile = Renderer().render(kind, event, language)
    assert len(hostile.text.splitlines()) == len(plain.text.splitlines())
    assert "\r" not in hostile.subject and "\n" not in hostile.subject
    assert not [line for line in hostile.text.splitlines() if line.startswith("Итого: 0,00")]


def test_a_review_keeps_its_paragraphs_indented_under_it() -> None:
    event = {"id": 7, "rating": 1, "product": "Кружка\nИтого", "text": "Плохо.\nСовсем плохо.",
             "account": "oz", "marketplace": "ozon"}  # fmt: skip
    rendered = Renderer().render("inbox.review_low", event, "ru")
    assert "\n" not in rendered.subject and "Кружка Итого" in rendered.subject
    assert "Плохо.\n  Совсем плохо." in rendered.body
