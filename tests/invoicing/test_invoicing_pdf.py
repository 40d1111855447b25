"""Amounts in words, and the invoice PDF: Cyrillic text, font discovery and its error."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mpsync.config import InvoicingConfig
from mpsync.invoicing import (
    FontNotFoundError,
    OutputError,
    amount_in_words,
    build_document,
    find_fonts,
    render_pdf,
)
from mpsync.invoicing import pdf as pdf_module


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.50", "Одна тысяча двести тридцать четыре рубля 50 копеек"),
        ("0", "Ноль рублей 00 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("22000", "Двадцать две тысячи рублей 00 копеек"),
        ("112514", "Сто двенадцать тысяч пятьсот четырнадцать рублей 00 копеек"),
        ("2001002.999", "Два миллиона одна тысяча три рубля 00 копеек"),
        ("1000000000", "Один миллиард рублей 00 копеек"),
    ],
)
def test_amount_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


def test_other_currencies() -> None:
    assert amount_in_words(Decimal("3.05"), "USD") == "Три доллара США 05 центов"
    assert amount_in_words(Decimal("7"), "KZT") == "Семь KZT 00"


def sample_document() -> dict[str, object]:
    settings = InvoicingConfig(
        seller_name="ООО «Ромашка»",
        seller_inn="7701234567",
        bank_name="ПАО Сбербанк",
        bank_bik="044525225",
    )
    order = {
        "id": 1,
        "account_id": "ozon-main",
        "external_id": "87654321-0001-1",
        "currency": "RUB",
        "buyer_company": "ООО «Ёлка»",
        "buyer_inn": "7812345678",
    }
    lines = [
        {
            "name": "Чайник «Щука»",
            "sku": "KTL",
            "quantity": 1,
            "unit_price": "999.00",
            "total": "999.00",
        },
        {"name": "Фильтр", "sku": "FLT", "quantity": 3, "unit_price": "78.50", "total": "235.50"},
    ]
    return build_document(
        number="INV-2025-000001",
        issued_at=datetime(2025, 3, 12, tzinfo=UTC),
        order=order,
        lines=lines,
        customer=None,
        settings=settings,
    )


def test_pdf_has_readable_cyrillic(tmp_path: Path) -> None:
    out = render_pdf(sample_document(), tmp_path / "invoice.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: cannot read the text back")
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Счёт на оплату № INV-2025-000001 от 12 марта 2025 г." in text
    assert "Одна тысяча двести тридцать четыре рубля 50 копеек" in text
    assert "ООО «Ёлка», ИНН 7812345678" in text
    assert "В том числе НДС (20%):" in text and "205,75" in text
    assert "Чайник «Щука» (арт. KTL)" in text


def test_env_font_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    found = find_fonts().regular
    monkeypatch.setenv("MPSYNC_INVOICE_FONT", str(found))
    assert find_fonts().regular == found


def test_env_font_that_does_not_exist_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MPSYNC_INVOICE_FONT", str(tmp_path / "missing.ttf"))
    with pytest.raises(FontNotFoundError, match=r"MPSYNC_INVOICE_FONT=.*missing\.ttf"):
        render_pdf(sample_document(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_no_font_anywhere_names_package_and_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MPSYNC_INVOICE_FONT", raising=False)
    monkeypatch.setattr(pdf_module, "FONT_DIRS", (str(tmp_path),))
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _name: None)
    with pytest.raises(FontNotFoundError) as caught:
        find_fonts()
    assert "fonts-dejavu-core" in str(caught.value)
    assert "MPSYNC_INVOICE_FONT=/path/to/font.ttf" in str(caught.value)


def test_render_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    """Issue #12, Why 5: ``invoices render`` silently overwrote an existing file."""
    out = tmp_path / "invoice.pdf"
    out.write_bytes(b"the accountant's copy")
    with pytest.raises(OutputError, match="already exists; add --force"):
        render_pdf(sample_document(), out)
    assert out.read_bytes() == b"the accountant's copy"
    render_pdf(sample_document(), out, force=True)
    assert out.read_bytes().startswith(b"%PDF")


def test_render_never_writes_through_a_symlink(tmp_path: Path) -> None:
    """Issue #12, Why 5: ``invoices render`` wrote through a symbolic link."""
    target = tmp_path / "precious.conf"
    target.write_text("keep me")
    link = tmp_path / "invoice.pdf"
    link.symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link"):
        render_pdf(sample_document(), link)
    render_pdf(sample_document(), link, force=True)  # the link itself is replaced
    assert target.read_text() == "keep me"
    assert not link.is_symlink() and link.read_bytes().startswith(b"%PDF")


def test_render_to_a_directory_or_an_unwritable_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory; give a file name"):
        render_pdf(sample_document(), tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=r"cannot write .*file/invoice\.pdf"):
        render_pdf(sample_document(), blocker / "invoice.pdf")
    assert list(tmp_path.iterdir()) == [blocker]  # no temporary file left behind


def test_a_very_long_product_name_is_cut_to_fit(tmp_path: Path) -> None:
    """Issue #12, Why 5: a ~2,000-character name made fpdf fail ("row too high")."""
    document = sample_document()
    lines = document["lines"]
    assert isinstance(lines, list)
    lines[0]["name"] = "Очень длинное название товара " * 70  # 2,100 characters
    lines[0]["sku"] = "S" * 500
    out = render_pdf(document, tmp_path / "long.pdf")
    assert out.read_bytes().startswith(b"%PDF")
