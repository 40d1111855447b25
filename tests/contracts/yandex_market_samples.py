"""A minimal Yandex Market business order (BusinessOrderDTO's required fields), for tests
that vary one field of it."""

from __future__ import annotations

from typing import Any


def business_order(**changes: Any) -> dict[str, Any]:
    """A PROCESSING/STARTED order of one 100-ruble line; *changes* replace top-level keys."""
    order = {
        "orderId": 1, "campaignId": 2, "status": "PROCESSING", "substatus": "STARTED",
        "creationDate": "2026-11-19T09:00:00+03:00", "paymentType": "PREPAID",
        "paymentMethod": "YANDEX", "fake": False,
        "items": [{"id": 1, "offerId": "A", "offerName": "A", "count": 1,
                   "prices": {"payment": {"value": 100, "currencyId": "RUR"}}}],
        "delivery": {"type": "PICKUP", "serviceName": "x", "deliveryServiceId": 1,
                     "deliveryPartnerType": "YANDEX_MARKET", "dates": {"fromDate": "2026-11-22"}},
    }  # fmt: skip
    return {**order, **changes}
