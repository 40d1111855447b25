"""``mpsync.display``: local time for people, one money format per locale, ``[display]``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mpsync.config import ConfigError, load_config_data
from mpsync.display import (
    Display,
    format_date,
    format_datetime,
    format_money,
    machine_zone,
    resolve_zone,
    to_local,
)
from mpsync.notify.render import Renderer

NB = "\u00a0"
MOMENT = datetime(2025, 12, 31, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (Decimal("2529"), "RUB", "ru", f"2{NB}529,00{NB}₽"),
        (Decimal("2529"), "RUB", "en", f"2,529.00{NB}₽"),
        ("-0.005", "USD", "ru", f"-0,01{NB}$"),
        (None, "RUB", "ru", "—"),
        ("n/a", "RUB", "ru", "n/a"),
    ],
)
def test_money_has_one_format_per_locale(
    amount: object, currency: str, locale: str, expected: str
) -> None:
    assert format_money(amount, currency, locale) == expected


def test_datetimes_read_in_the_display_zone() -> None:
    assert to_local(MOMENT, "Europe/Moscow").hour == 21
    assert format_datetime(MOMENT, "ru", "Europe/Moscow") == "31.12.2025 21:30 MSK"
    assert format_datetime(MOMENT.isoformat(), "en", "Asia/Yekaterinburg") == (
        "2025-12-31 23:30 +05"
    )
    # Naive values (some drivers) are UTC; the day can change with the zone.
    naive = MOMENT.replace(tzinfo=None)
    assert format_datetime(naive, "ru", "Asia/Vladivostok", with_zone=False) == "01.01.2026 04:30"
    assert format_datetime(None) == "—"
    assert format_date(date(2026, 1, 2), "en") == "2026-01-02"
    shown = Display.of("Asia/Vladivostok", "en")
    assert shown.day(MOMENT) == "2026-01-01"
    assert shown.today(MOMENT) == date(2026, 1, 1)
    assert shown.money("1", "EUR") == f"1.00{NB}€"


def test_machine_zone_follows_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Moscow")
    assert str(machine_zone()) == "Europe/Moscow"
    assert str(resolve_zone(None)) == "Europe/Moscow"
    with pytest.raises(ValueError, match=r"unknown time zone 'Mars/Base'"):
        resolve_zone("Mars/Base")


def test_display_section_defaults_and_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Novosibirsk")
    settings = load_config_data({}, env={})
    assert settings.display.timezone is None and settings.display.locale == "ru"
    assert str(settings.display.display().zone) == "Asia/Novosibirsk"
    chosen = load_config_data({"display": {"timezone": "Europe/Moscow", "locale": "en"}}, env={})
    assert chosen.display.display() == Display.of("Europe/Moscow", "en")
    with pytest.raises(ConfigError, match=r"display.timezone = 'Europe/Mosow': unknown time zone"):
        load_config_data({"display": {"timezone": "Europe/Mosow"}}, env={})
    with pytest.raises(ConfigError, match=r"display\.locale"):
        load_config_data({"display": {"locale": "de"}}, env={})


def test_notifications_show_times_in_the_display_zone() -> None:
    payload = {"order": {"external_id": "1", "ship_by": MOMENT.isoformat(), "status": "new",
                         "total": "2529", "currency": "RUB"}}  # fmt: skip
    text = Renderer(resolve_zone("Europe/Moscow")).render("order.sla_warning", payload, "ru").text
    assert "31.12.2025 21:30 MSK" in text
    assert f"2{NB}529,00{NB}₽" in text


def test_example_config_documents_display() -> None:
    example = (Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8")
    assert "[display]" in example and "timezone" in example and "locale" in example


def test_invoice_date_and_year_are_the_sellers_local_day(tmp_path: Path) -> None:
    from tests.invoicing.helpers import SETTINGS, order_maker

    from mpsync.invoicing.pdf_layout import ru_amount
    from mpsync.store.engine import create_store_engine
    from mpsync.store.migrate import upgrade

    engine = create_store_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    order = order_maker(engine)("NY-1")
    new_year_eve = datetime(2025, 12, 31, 22, 30, tzinfo=UTC)  # 01:30 on 1 January in Moscow
    with engine.begin() as connection:
        from mpsync.invoicing import issue_invoice

        invoice = issue_invoice(connection, order, SETTINGS, now=new_year_eve,
                                zone=resolve_zone("Europe/Moscow"))  # fmt: skip
    assert invoice is not None and invoice.document is not None
    assert invoice.document["date"] == "2026-01-01" and invoice.year == 2026
    assert invoice.number.startswith("INV-2026-")
    assert ru_amount("2529") == f"2{NB}529,00" == format_money("2529", None, "ru")
    engine.dispose()
