"""Price offers for ``updateBusinessPrices``, checked against the spec before anything is sent.

``UpdateBusinessPricesDTO``: ``value`` above 0; ``discountBase`` (the crossed-out price) a
whole number 5–99 % above it; ``minimumForBestseller`` up to 100,000,000 — and leaving it out
ERASES the one set before, so the stored minimum is sent back. ``currencyId`` is a
``CurrencyType`` code (``RUR`` for rubles).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mpsync.connector.base import PriceUpdate

# CurrencyType.yaml, the codes the Partner API takes.
YM_CURRENCIES = frozenset(
    (
        "RUR",
        "USD",
        "EUR",
        "UAH",
        "AUD",
        "GBP",
        "BYR",
        "BYN",
        "DKK",
        "ISK",
        "KZT",
        "CAD",
        "CNY",
        "NOK",
        "XDR",
        "SGD",
        "TRY",
        "SEK",
        "CHF",
        "JPY",
        "AZN",
        "ALL",
        "DZD",
        "AOA",
        "ARS",
        "AMD",
        "AFN",
        "BHD",
        "BGN",
        "BOB",
        "BWP",
        "BND",
        "BRL",
        "BIF",
        "HUF",
        "VEF",
        "KPW",
        "VND",
        "GMD",
        "GHS",
        "GNF",
        "HKD",
        "GEL",
        "AED",
        "EGP",
        "ZMK",
        "ILS",
        "INR",
        "IDR",
        "JOD",
        "IQD",
        "IRR",
        "YER",
        "QAR",
        "KES",
        "KGS",
        "COP",
        "CDF",
        "CRC",
        "KWD",
        "CUP",
        "LAK",
        "LVL",
        "SLL",
        "LBP",
        "LYD",
        "SZL",
        "LTL",
        "MUR",
        "MRO",
        "MKD",
        "MWK",
        "MGA",
        "MYR",
        "MAD",
        "MXN",
        "MZN",
        "MDL",
        "MNT",
        "NPR",
        "NGN",
        "NIO",
        "NZD",
        "OMR",
        "PKR",
        "PYG",
        "PEN",
        "PLN",
        "KHR",
        "SAR",
        "RON",
        "SCR",
        "SYP",
        "SKK",
        "SOS",
        "SDG",
        "SRD",
        "TJS",
        "THB",
        "TWD",
        "BDT",
        "TZS",
        "TND",
        "TMM",
        "UGX",
        "UZS",
        "UYU",
        "PHP",
        "DJF",
        "XAF",
        "XOF",
        "HRK",
        "CZK",
        "CLP",
        "LKR",
        "EEK",
        "ETB",
        "RSD",
        "ZAR",
        "KRW",
        "NAD",
        "TL",
        "UE",
    )
)
# ISO 4217 codes the Partner API spells its own way. BYR (the pre-2016 Belarusian ruble), TL
# and UE are never sent: BYN and TRY are listed themselves, UE is no currency.
ISO_TO_YM = {"RUB": "RUR"}
NEVER_SENT = frozenset({"BYR", "TL", "UE"})
MAX_MINIMUM = Decimal(100_000_000)


def ym_currency(iso: str) -> str | None:
    """The ``CurrencyType`` code of an ISO alpha code, or None when the API has none."""
    code = ISO_TO_YM.get(iso.upper(), iso.upper())
    return code if code in YM_CURRENCIES and code not in NEVER_SENT else None


def _discount_base(item: PriceUpdate) -> tuple[int | None, str | None]:
    old = item.old_price
    if not old:  # None: none known; 0: the seller removes it (PriceUpdate)
        return None, None
    if old != old.to_integral_value():
        return None, f"old price {old} is not a whole number (Yandex Market takes whole rubles)"
    share = (old - item.price) / old if old > 0 else Decimal(0)
    if not Decimal("0.05") <= share <= Decimal("0.99"):
        return None, (
            f"old price {old} is not 5–99 % above the price {item.price}; "
            "give --old-price accordingly"
        )
    return int(old), None


def price_offer(item: PriceUpdate) -> tuple[dict[str, Any] | None, str | None]:
    """The offer of one update (to its bound ``offerId``), or why it cannot be sent (naming
    the SKU)."""
    currency = ym_currency(item.currency)
    if currency is None:
        return None, f"{item.sku}: currency {item.currency} is not one Yandex Market takes"
    if item.price <= 0:
        return None, f"{item.sku}: price {item.price} must be above 0"
    base, problem = _discount_base(item)
    if problem:
        return None, f"{item.sku}: {problem}"
    price: dict[str, Any] = {"value": item.price, "currencyId": currency}
    if base is not None:
        price["discountBase"] = base
    if item.min_price is not None:
        if not 0 < item.min_price <= MAX_MINIMUM:
            return None, f"{item.sku}: minimum price {item.min_price} is out of 0..100000000"
        price["minimumForBestseller"] = item.min_price
    return {"offerId": item.ids["offerId"], "price": price}, None
