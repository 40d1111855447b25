"""issue_invoice on SQLite and PostgreSQL: one per order, gapless numbers, the snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from tests.invoicing.helpers import NOW, SETTINGS, MakeOrder, issue

from mpsync.invoicing import (
    InvoiceNotFound,
    NumberFormatError,
    get_invoice,
    invoice_payload,
    issue_invoice,
    list_invoices,
    render_invoice,
)
from mpsync.invoicing.numbering import SEQUENCES
from mpsync.invoicing.service import INVOICES, ORDERS


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(INVOICES)).scalar_one())


def test_issue_snapshots_the_document(engine: Engine, make_order: MakeOrder) -> None:
    order_id = make_order(
        "P-1", buyer_company="ООО «Покупатель»", buyer_inn="7812345678", buyer_kpp="781201001"
    )
    invoice = issue(engine, order_id)
    assert invoice.number == "INV-2025-000001" and (invoice.year, invoice.seq) == (2025, 1)
    assert invoice.total == Decimal("1234.50") and invoice.vat_amount == Decimal("205.75")
    stored = get_invoice(engine, "INV-2025-000001")
    document = stored["document"]
    assert document["buyer"] == {
        "name": "ООО «Покупатель»",
        "inn": "7812345678",
        "kpp": "781201001",
    }
    assert document["seller"]["bank"]["bik"] == "044525225"
    assert [(x["name"], x["quantity"], x["price"], x["amount"]) for x in document["lines"]] == [
        ("Кружка", 2, "500.00", "1000.00"),
        ("Чайник", 1, "234.50", "234.50"),
    ]
    assert document["vat"] == {"rate": "20", "label": "В том числе НДС (20%)", "amount": "205.75"}
    assert document["total_in_words"] == "Одна тысяча двести тридцать четыре рубля 50 копеек"
    assert document["date"] == "2025-03-12"
    payload = invoice_payload(invoice)
    assert payload["number"] == "INV-2025-000001" and payload["buyer"] == "ООО «Покупатель»"


def test_second_issue_for_the_same_order_creates_nothing(
    engine: Engine, make_order: MakeOrder
) -> None:
    order_id = make_order("P-1")
    assert issue(engine, order_id) is not None
    assert issue(engine, order_id) is None
    assert count(engine) == 1
    with engine.connect() as connection:
        assert connection.execute(select(SEQUENCES.c.last_seq)).scalar_one() == 1


def test_numbers_are_gapless_and_a_rollback_leaves_no_gap(
    engine: Engine, make_order: MakeOrder
) -> None:
    first, second, third = make_order("A"), make_order("B"), make_order("C")
    assert issue(engine, first).number == "INV-2025-000001"
    with pytest.raises(RuntimeError), engine.begin() as connection:
        assert issue_invoice(connection, second, SETTINGS, now=NOW) is not None
        raise RuntimeError("the workflow's transaction fails after numbering")
    assert count(engine) == 1
    assert issue(engine, third).number == "INV-2025-000002"
    assert issue(engine, second).number == "INV-2025-000003"


def test_sequences_restart_per_year_and_are_separate(engine: Engine, make_order: MakeOrder) -> None:
    a, b, c = make_order("A"), make_order("B"), make_order("C")
    assert issue(engine, a).number == "INV-2025-000001"
    assert issue(engine, b, now=datetime(2026, 1, 1, tzinfo=UTC)).number == "INV-2026-000001"
    other = SETTINGS.model_copy(update={"sequence": "wb", "number_format": "WB{year}/{seq}"})
    assert issue(engine, c, settings=other).number == "WB2025/1"


@pytest.mark.parametrize(
    ("rate", "label", "vat"),
    [
        ("none", "Без НДС", "0.00"),
        (Decimal("10"), "В том числе НДС (10%)", "112.23"),
        (Decimal("0"), "В том числе НДС (0%)", "0.00"),
        (Decimal("5"), "В том числе НДС (5%)", "58.79"),
    ],
)
def test_vat_rates(engine: Engine, make_order: MakeOrder, rate: Any, label: str, vat: str) -> None:
    invoice = issue(
        engine, make_order("V"), settings=SETTINGS.model_copy(update={"vat_rate": rate})
    )
    assert invoice.document["vat"]["label"] == label
    assert invoice.vat_amount == Decimal(vat)


def test_buyer_falls_back_to_customer_then_individual(
    engine: Engine, make_order: MakeOrder
) -> None:
    company = make_order("C1", customer={"company_name": "ИП Иванов", "inn": "500100732259"})
    person = make_order("C2")
    assert issue(engine, company).document["buyer"] == {
        "name": "ИП Иванов",
        "inn": "500100732259",
        "kpp": "",
    }
    assert issue(engine, person).document["buyer"]["name"] == "Физическое лицо"


def test_order_without_lines_is_invoiced_for_its_total(
    engine: Engine, make_order: MakeOrder
) -> None:
    order_id = make_order("EMPTY", lines=[], order_number="N-77")
    with engine.begin() as connection:
        connection.execute(ORDERS.update().values(total=Decimal("99.90")))
    invoice = issue(engine, order_id)
    assert [x["name"] for x in invoice.document["lines"]] == ["Заказ № N-77"]
    assert invoice.total == Decimal("99.90")


def test_bad_number_format_names_the_key(engine: Engine, make_order: MakeOrder) -> None:
    bad = SETTINGS.model_copy(update={"number_format": "INV-{seq}"})
    with pytest.raises(NumberFormatError, match=r"invoicing\.number_format.*\{year\}"):
        issue(engine, make_order("X"), settings=bad)
    assert count(engine) == 0


def test_unknown_order(engine: Engine) -> None:
    with pytest.raises(LookupError, match="order 999 not found"):
        issue(engine, 999)


def test_list_get_and_render(engine: Engine, make_order: MakeOrder, tmp_path: Path) -> None:
    for external_id in ("A", "B"):
        issue(engine, make_order(external_id))
    listed = list_invoices(engine)
    assert [x["number"] for x in listed] == ["INV-2025-000002", "INV-2025-000001"]
    assert listed[0]["total"] == "1234.50" and listed[0]["buyer"] == "Физическое лицо"
    by_id = get_invoice(engine, listed[1]["id"])
    assert by_id["number"] == "INV-2025-000001" and by_id["document"]["number"] == by_id["number"]
    with pytest.raises(InvoiceNotFound):
        get_invoice(engine, "INV-1999-000001")
    out = render_invoice(engine, "INV-2025-000002", tmp_path / "out" / "inv.pdf")
    assert out.read_bytes().startswith(b"%PDF")
