"""The page layout of «Счёт на оплату»: bank block, title, parties, lines, totals, signatures.

Draws on an ``FPDF`` whose font family ``Invoice`` (regular and bold) is already added.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from mpsync.display import format_money

MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
LINE_COLUMNS = (10, 84, 18, 12, 28, 28)
LINE_HEADINGS = ("№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма")
LINE_ALIGN = ("CENTER", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT")
# A product name longer than this is cut (with «…»): a row must fit on a page, and a
# marketplace title of ~2,000 characters made fpdf give up ("row too high").
MAX_NAME = 300


def ru_date(value: str) -> str:
    """``2025-03-12`` → ``12 марта 2025 г.``"""
    day = date.fromisoformat(value[:10])
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def ru_amount(value: Any) -> str:
    """``1234.5`` → ``1 234,50``: the ru money format of ``mpsync.display``, no symbol."""
    return format_money(value, None, "ru")


def _party(party: Mapping[str, Any]) -> str:
    parts = [str(party.get("name") or "")]
    if party.get("inn"):
        parts.append(f"ИНН {party['inn']}")
    if party.get("kpp"):
        parts.append(f"КПП {party['kpp']}")
    if party.get("address"):
        parts.append(str(party["address"]))
    return ", ".join(p for p in parts if p)


def _bank_block(pdf: FPDF, seller: Mapping[str, Any]) -> None:
    bank = seller.get("bank") or {}
    rows = (
        ("Банк получателя", bank.get("name") or ""),
        ("БИК", bank.get("bik") or ""),
        ("Корр. счёт", bank.get("corr_account") or ""),
        ("ИНН / КПП", " / ".join(x for x in (seller.get("inn"), seller.get("kpp")) if x)),
        ("Получатель", seller.get("name") or ""),
        ("Расчётный счёт", bank.get("account") or ""),
    )
    pdf.set_font("Invoice", size=9)
    with pdf.table(col_widths=(45, 135), line_height=5.5, first_row_as_headings=False) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label)
            row.cell(str(value))


def _title(pdf: FPDF, document: Mapping[str, Any]) -> None:
    pdf.ln(6)
    pdf.set_font("Invoice", "B", 14)
    title = f"Счёт на оплату № {document.get('number', '')} от {ru_date(document['date'])}"
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.ln(4)


def _labelled(pdf: FPDF, label: str, text: str) -> None:
    pdf.set_font("Invoice", size=9)
    pdf.cell(28, 5, label)
    pdf.set_font("Invoice", "B", 9)
    pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _lines_table(pdf: FPDF, lines: list[Mapping[str, Any]]) -> None:
    pdf.ln(2)
    pdf.set_font("Invoice", size=9)
    with pdf.table(col_widths=LINE_COLUMNS, text_align=LINE_ALIGN, line_height=5.5) as table:
        heading = table.row()
        for text in LINE_HEADINGS:
            heading.cell(text, align="CENTER")
        for line in lines:
            row = table.row()
            row.cell(str(line.get("no", "")))
            name = _cut(str(line.get("name") or ""))
            sku = _cut(str(line.get("sku") or ""), 60)
            row.cell(f"{name} (арт. {sku})" if sku and sku != name else name)
            row.cell(str(line.get("quantity", "")))
            row.cell(str(line.get("unit") or "шт"))
            row.cell(ru_amount(line.get("price", 0)))
            row.cell(ru_amount(line.get("amount", 0)))


def _cut(text: str, limit: int = MAX_NAME) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _totals(pdf: FPDF, document: Mapping[str, Any]) -> None:
    vat = document.get("vat") or {}
    vat_text = "—" if vat.get("rate") == "none" else ru_amount(vat.get("amount", 0))
    rows = (
        ("Итого:", ru_amount(document["total"])),
        (f"{vat.get('label', 'Без НДС')}:", vat_text),
        ("Всего к оплате:", ru_amount(document["total"])),
    )
    pdf.ln(2)
    for label, value in rows:
        pdf.set_font("Invoice", "B", 9)
        pdf.cell(152, 5.5, label, align="R")
        pdf.cell(28, 5.5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _in_words(pdf: FPDF, document: Mapping[str, Any]) -> None:
    count = len(document.get("lines") or [])
    currency = document.get("currency") or "RUB"
    unit = "руб." if currency == "RUB" else currency
    pdf.ln(3)
    pdf.set_font("Invoice", size=9)
    summary = f"Всего наименований {count}, на сумму {ru_amount(document['total'])} {unit}"
    pdf.multi_cell(0, 5, summary, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Invoice", "B", 10)
    pdf.multi_cell(
        0, 6, str(document.get("total_in_words", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def _signatures(pdf: FPDF) -> None:
    pdf.ln(3)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(10)
    pdf.set_font("Invoice", "B", 9)
    pdf.cell(30, 5, "Руководитель")
    pdf.cell(55, 5, "_" * 28)
    pdf.cell(10, 5, "")
    pdf.cell(25, 5, "Бухгалтер")
    pdf.cell(55, 5, "_" * 28, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def draw_invoice(pdf: FPDF, document: Mapping[str, Any]) -> None:
    """Draw the whole invoice starting at the current position."""
    seller = document.get("seller") or {}
    _bank_block(pdf, seller)
    _title(pdf, document)
    _labelled(pdf, "Поставщик:", _party(seller))
    _labelled(pdf, "Покупатель:", _party(document.get("buyer") or {}))
    order = document.get("order") or {}
    reference = order.get("order_number") or order.get("external_id")
    if reference:
        _labelled(pdf, "Основание:", f"Заказ № {reference}")
    _lines_table(pdf, list(document.get("lines") or []))
    _totals(pdf, document)
    _in_words(pdf, document)
    _signatures(pdf)
