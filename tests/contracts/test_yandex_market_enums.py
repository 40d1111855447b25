"""Every enum value of the Yandex Market spec is mapped, or listed here with the reason it is
deliberately kept raw. A value the spec adds later fails here first.

Enums: ``tests/contracts/yandex_market_enums.py`` (openapi/components/schemas at 1318e9b8)
and ``yandex_market_push.py`` (the notifications page).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from mpsync_connectors.yandex_market import YandexMarketConnector
from mpsync_connectors.yandex_market.push import MESSAGE_EVENTS, NOT_ORDERS, ORDER_EVENTS

from mpsync.domain.models import OrderRecord, StockRecord
from mpsync.domain.status import OrderStatus
from mpsync.mapping.convert import ConversionError, currency
from tests.connectors.connector_helpers import account
from tests.contracts.yandex_market_enums import (
    CurrencyType,
    OrderDeliveryType,
    OrderPaymentMethodType,
    OrderStatusType,
    OrderSubstatusType,
    WarehouseStockType,
)
from tests.contracts.yandex_market_push import (
    NotificationType,
    OrderUpdateType,
    RefundStatusType,
    ReturnShipmentStatusType,
    ReturnType,
)
from tests.contracts.yandex_market_samples import business_order

SCHEMA = YandexMarketConnector.load_mapping(account("yandex_market"))
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _mapped(orders: list[dict[str, Any]]) -> tuple[list[OrderRecord], list[str]]:
    page = SCHEMA.map_page("order", orders, "ym", observed_at=NOW)
    assert page.failures == []
    return [r for r in page.records if isinstance(r, OrderRecord)], page.unknown_statuses


KEPT_RAW_STATUSES = {"UNKNOWN": "«неизвестный статус»: no canonical change, the raw value kept"}
# PROCESSING substatuses by canonical status (the rest of OrderSubstatusType are reasons of
# a cancellation or stages of delivery, meaningless in PROCESSING: the order is still the
# seller's to ship there, so `PROCESSING = "new"` covers them).
PROCESSING = {
    "confirmed": {"PACKAGING"},
    "ready_to_ship": {
        "READY_TO_SHIP", "COURIER_SEARCH", "COURIER_SEARCH_NOT_STARTED", "COURIER_FOUND",
        "COURIER_IN_TRANSIT_TO_SENDER", "COURIER_ARRIVED_TO_SENDER", "COURIER_NOT_FOUND",
        "COURIER_NOT_COME_FOR_ORDER",
    },
    "shipped": {
        "SHIPPED", "COURIER_RECEIVED", "DELIVERY_SERVICE_RECEIVED",
        "FIRST_MILE_DELIVERY_SERVICE_RECEIVED",
    },
}  # fmt: skip


def test_every_order_status_is_mapped() -> None:
    statuses = get_args(OrderStatusType)
    records, unknown = _mapped([business_order(status=s, substatus="UNKNOWN") for s in statuses])
    assert unknown == []
    for status, record in zip(statuses, records, strict=True):
        assert record.status is not None or status in KEPT_RAW_STATUSES, status


def test_every_substatus_is_mapped_under_every_status() -> None:
    """The substatus never leaves an order unmapped: in PROCESSING it is the stage, under
    any other status the status decides and the substatus (a cancellation's reason, say)
    is kept raw as ``marketplace_substatus``."""
    pairs = [(st, sub) for st in get_args(OrderStatusType) for sub in get_args(OrderSubstatusType)]
    records, unknown = _mapped([business_order(status=st, substatus=sub) for st, sub in pairs])
    assert unknown == []
    for (status, substatus), record in zip(pairs, records, strict=True):
        assert record.marketplace_substatus == substatus
        if status == "PROCESSING":
            expected = next((c for c, subs in PROCESSING.items() if substatus in subs), "new")
            assert record.status == OrderStatus(expected), f"PROCESSING/{substatus}"


CURRENCY_MAPPED = {"RUR": "RUB", "BYR": "BYN", "TL": "TRY"}
CURRENCY_REFUSED = {"UE": "у.е., a conventional unit: no currency to record an amount in"}
# Passed through as the ISO 4217 code they are, though withdrawn since: the amounts are in
# whatever Market says they are, and converting them (a redenomination) would be a guess.
CURRENCY_WITHDRAWN = {"VEF", "ZMK", "LVL", "LTL", "MRO", "SKK", "TMM", "EEK", "HRK", "SLL"}


def test_every_currency_type_code_becomes_iso_or_is_refused() -> None:
    for code in get_args(CurrencyType):
        if code in CURRENCY_REFUSED:
            with pytest.raises(ConversionError, match="not a currency"):
                currency(code)
            continue
        iso = currency(code)
        assert iso == CURRENCY_MAPPED.get(code, code), code
        assert len(iso) == 3 and iso.isalpha()
    assert set(get_args(CurrencyType)) > CURRENCY_WITHDRAWN


def test_an_order_in_a_non_currency_is_a_dead_letter_naming_why() -> None:
    items = [{"id": 1, "offerId": "A", "offerName": "A", "count": 1,
              "prices": {"payment": {"value": 100, "currencyId": "UE"}}}]  # fmt: skip
    mapped = SCHEMA.map_page("order", [business_order(items=items)], "ym", observed_at=NOW)
    (failure,) = mapped.failures
    assert "not a currency" in failure.reason and failure.field == "currency"


NOTIFICATIONS_KEPT_OUT = {
    "PING": "a check: answered, nothing to store",
    **{kind: "not an order: reviews, chats, questions, order-line services" for kind in NOT_ORDERS},
}


def test_every_notification_type_makes_an_order_event_or_is_listed() -> None:
    # New reviews and questions are read into the buyers' inbox (tests/inbox/test_pushes.py).
    handled = {*ORDER_EVENTS, *MESSAGE_EVENTS, "ORDER_STATUS_UPDATED", "ORDER_CANCELLED"}
    assert handled | set(NOTIFICATIONS_KEPT_OUT) == set(get_args(NotificationType))
    assert not handled & set(NOTIFICATIONS_KEPT_OUT)


# Values carried inside notifications that only trigger a fresh read of the order: the
# order's own status (RETURNED, PARTIALLY_RETURNED, a new shipment date...) is what maps.
KEPT_RAW_IN_PUSHES = {
    "OrderUpdateType": get_args(OrderUpdateType),
    "ReturnType": get_args(ReturnType),
    "RefundStatusType": get_args(RefundStatusType),
    "ReturnShipmentStatusType": get_args(ReturnShipmentStatusType),
}


def test_return_and_update_values_only_trigger_a_read_of_thebusiness_order() -> None:
    for kind in ("ORDER_UPDATED", "ORDER_RETURN_CREATED", "ORDER_RETURN_STATUS_UPDATED"):
        event_kind, _markers = ORDER_EVENTS[kind]
        assert event_kind == "order_changed"
    assert all(KEPT_RAW_IN_PUSHES.values())


STOCK_TYPES_READ = {
    "FIT": "on_hand",
    "AVAILABLE": "on_hand when FIT is absent",
    "FREEZE": "reserved",
}
STOCK_TYPES_NOT_SELLABLE = {
    "QUARANTINE": "held for checks, not sellable",
    "UTILIZATION": "to be disposed of",
    "DEFECT": "defective",
    "EXPIRED": "past its shelf life",
}


def test_every_warehouse_stock_type_is_read_or_listed() -> None:
    assert set(STOCK_TYPES_READ) | set(STOCK_TYPES_NOT_SELLABLE) == set(
        get_args(WarehouseStockType)
    )
    row = {"offerId": "A", "warehouseId": 1, "stocks": [
        {"type": t, "count": 100} for t in STOCK_TYPES_NOT_SELLABLE
    ] + [{"type": "FIT", "count": 7}, {"type": "FREEZE", "count": 2}]}  # fmt: skip
    record = SCHEMA.map_one("stock", row, "ym")
    assert isinstance(record, StockRecord) and (record.on_hand, record.reserved) == (7, 2)


def test_payment_methods_and_delivery_types_are_kept_raw() -> None:
    """``payment_method`` and ``delivery_method`` hold the marketplace's own word."""
    methods, types = get_args(OrderPaymentMethodType), get_args(OrderDeliveryType)
    records, _ = _mapped([business_order(paymentMethod=m) for m in methods])
    assert [r.payment_method for r in records] == list(methods)
    orders = [business_order() for _ in types]
    for order, kind in zip(orders, types, strict=True):
        order["delivery"] = {**order["delivery"], "type": kind}
    records, _ = _mapped(orders)
    assert [r.delivery_method for r in records] == list(types)
