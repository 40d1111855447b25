"""The invoice document: a frozen snapshot of seller, buyer, lines, VAT and totals.

Built once when the invoice is issued and stored in ``Invoice.document``; money is
kept as decimal strings so the JSON column never rounds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mpsync.config.model import InvoicingConfig
from mpsync.invoicing.words import amount_in_words

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
INDIVIDUAL_BUYER = "Физическое лицо"


def money(value: Any) -> Decimal:
    """A Decimal rounded to kopecks (half up)."""
    return Decimal(str(value if value is not None else 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_included(amount: Decimal, rate: Decimal | str) -> Decimal:
    """The VAT contained in a VAT-inclusive *amount* at *rate* percent (0 for ``"none"``)."""
    if rate == "none":
        return Decimal("0.00")
    percent = Decimal(str(rate))
    return money(amount * percent / (HUNDRED + percent))


def vat_label(rate: Decimal | str) -> str:
    if rate == "none":
        return "Без НДС"
    return f"В том числе НДС ({_percent(Decimal(str(rate)))}%)"


def _percent(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text.replace(".", ",")


def seller_of(settings: InvoicingConfig) -> dict[str, Any]:
    return {
        "name": settings.seller_name,
        "inn": settings.seller_inn,
        "kpp": settings.seller_kpp,
        "address": settings.seller_address,
        "bank": {
            "name": settings.bank_name,
            "bik": settings.bank_bik,
            "account": settings.bank_account,
            "corr_account": settings.bank_corr_account,
        },
    }


def buyer_of(order: Mapping[str, Any], customer: Mapping[str, Any] | None) -> dict[str, Any]:
    """The buyer as printed: the order's company and ИНН/КПП first, then the customer's."""
    customer = customer or {}
    name = order.get("buyer_company") or customer.get("company_name") or customer.get("name")
    return {
        "name": name or INDIVIDUAL_BUYER,
        "inn": order.get("buyer_inn") or customer.get("inn") or "",
        "kpp": order.get("buyer_kpp") or customer.get("kpp") or "",
    }


def document_lines(
    order: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], rate: Decimal | str
) -> list[dict[str, Any]]:
    """Invoice lines; an order without lines becomes one line for its total."""
    if not lines:
        lines = [
            {
                "name": f"Заказ № {order.get('order_number') or order['external_id']}",
                "sku": "",
                "quantity": 1,
                "unit_price": order.get("total"),
                "total": order.get("total"),
            }
        ]
    result = []
    for number, line in enumerate(lines, start=1):
        quantity = int(line.get("quantity") or 0)
        price = money(line.get("unit_price"))
        amount = money(line.get("total")) or money(price * quantity)
        result.append(
            {
                "no": number,
                "name": line.get("name") or line.get("sku") or "",
                "sku": line.get("sku") or "",
                "quantity": quantity,
                "unit": "шт",
                "price": str(price),
                "amount": str(amount),
                "vat": str(vat_included(amount, rate)),
            }
        )
    return result


def build_document(
    *,
    number: str,
    issued_at: datetime,
    order: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    customer: Mapping[str, Any] | None,
    settings: InvoicingConfig,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """The full snapshot stored in ``Invoice.document`` and printed by ``render_pdf``;
    its date is the seller's calendar day in *zone* (``[display] timezone``)."""
    rate = settings.vat_rate
    items = document_lines(order, lines, rate)
    total = sum((Decimal(item["amount"]) for item in items), Decimal("0.00"))
    currency = str(order.get("currency") or "RUB")
    return {
        "number": number,
        "issued_at": issued_at.isoformat(),
        "date": issued_at.astimezone(zone).date().isoformat(),
        "currency": currency,
        "seller": seller_of(settings),
        "buyer": buyer_of(order, customer),
        "order": {
            "id": order.get("id"),
            "account_id": order.get("account_id"),
            "external_id": order.get("external_id"),
            "order_number": order.get("order_number"),
        },
        "lines": items,
        "vat": {
            "rate": "none" if rate == "none" else str(rate),
            "label": vat_label(rate),
            "amount": str(vat_included(total, rate)),
        },
        "total": str(total),
        "total_in_words": amount_in_words(total, currency),
    }
