"""Reference payloads: the sandbox's order shapes built as plain dicts, field by field.

The sandbox renders list pages straight to JSON text for speed; these are the dict
renderers it used before, kept as the readable spec the fast path must match byte for
byte (`json.dumps(..., ensure_ascii=False, separators=(",", ":"))`). Faults must be off
(no out-of-order state is simulated here). Imported by name, like sandbox_helpers.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from mpsync.sandbox import SandboxState

Json = dict[str, Any]
_DAY = 86400


def dumps(payload: Any) -> str:
    """The sandbox's wire encoding of a payload."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _rubles(kopecks: int) -> str:
    return str(Decimal(kopecks).scaleb(-2))


def _money_number(kopecks: int) -> int | float:
    return kopecks // 100 if kopecks % 100 == 0 else float(Decimal(kopecks).scaleb(-2))


def _mix(*values: int) -> int:
    mask = (1 << 64) - 1
    h = 0x9E3779B97F4A7C15
    for value in values:
        h = (h ^ (value & mask)) * 0xBF58476D1CE4E5B9 & mask
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & mask
        h ^= h >> 29
    return h


# -- Wildberries ----------------------------------------------------------------------------
def wb_order(state: SandboxState, row: int, new: bool) -> Json:
    world, seed = state.world, state.config.seed
    table = world.tables["wildberries"]
    line = world.lines("wildberries", row)[0]
    product, price = line.product, line.unit_price_kop
    created, group = table.created[row], table.group[row]
    order: Json = {
        "address": None,
        "scanPrice": None,
        "deliveryType": "fbs",
        "orderUid": f"{165_918_930 + group}_{_mix(seed, 9, group):016x}{_mix(seed, 19, group):016x}",
        "article": product.sku,
        "colorCode": "",
        "rid": f"{_mix(seed, 10, row):016x}{_mix(seed, 20, row):016x}",
        "createdAt": _iso(created),
        "offices": ["Подольск"],
        "skus": [product.barcode],
        "id": 13_000_000 + row,
        "warehouseId": 658434,
        "officeId": 15,
        "nmId": product.nm_id,
        "chrtId": product.chrt_id,
        "price": price,
        "convertedPrice": price,
        "currencyCode": 643,
        "convertedCurrencyCode": 643,
        "cargoType": 1,
        "isZeroOrder": False,
        "comment": "",
        "options": {"isB2b": False},
    }
    if new:
        order.update(
            finalPrice=price,
            convertedFinalPrice=price,
            salePrice=price,
            requiredMeta=[],
            optionalMeta=[],
        )  # no ddate/sellerDate: WB sends them for СГТ (cargoType 2) only
    elif row in world.supply_of:
        order["supplyId"] = world.supply_of[row]
    elif world.flows["wildberries"].states[table.state[row]].status != "new":
        # supplyId: "Возвращается, если заказ закреплён за поставкой"
        order["supplyId"] = f"WB-GI-{10_000_000 + row // 100}"
    return order


# -- Ozon -------------------------------------------------------------------------------------
def _ozon_product(line: Any, version: int) -> Json:
    if version == 4:
        return {
            "imei": [],
            "is_blr_traceable": False,
            "is_marketplace_buyout": False,
            "name": line.product.name,
            "offer_id": line.product.sku,
            "price": {"amount": _rubles(line.unit_price_kop), "currency": "RUB"},
            "quantity": line.quantity,
            "sku": line.product.ozon_sku,
        }
    return {
        "price": _rubles(line.unit_price_kop),
        "offer_id": line.product.sku,
        "name": line.product.name,
        "sku": line.product.ozon_sku,
        "quantity": line.quantity,
        "currency_code": "RUB",
        "is_blr_traceable": False,
        "is_marketplace_buyout": False,
        "imei": [],
    }


def ozon_posting(state: SandboxState, row: int, version: int = 4) -> Json:
    """A posting as the v4 lists (``version=4``) or the v3 get serve it: a v4 product's unit
    price is ``{amount, currency}``, a v3 one's a decimal string with ``currency_code``."""
    world, seed = state.world, state.config.seed
    table = world.tables["ozon"]
    raw = world.flows["ozon"].states[table.state[row]]
    created, group = table.created[row], table.group[row]
    order_number = f"{1_000_000_000 + group:010d}-{_mix(seed, 12, group) % 9000 + 1000:04d}"
    delivery = {
        "id": 1020005003107121,
        "name": "Доставка Ozon самостоятельно, Ногинск",
        "warehouse_id": 1020005003107121,
    }
    cancelled = raw.canonical == "cancelled"
    return {
        "posting_number": f"{order_number}-{row - group + 1}",
        "order_id": 35_000_000_000 + group,
        "order_number": order_number,
        "status": raw.status,
        "substatus": raw.substatus,
        "delivery_method": {
            **delivery,
            "warehouse": "FBS Sandbox",
            "tpl_provider_id": 24,
            "tpl_provider": "Доставка Ozon",
        },
        "tracking_number": "",
        "tpl_integration_type": "ozon",
        "in_process_at": _iso(created),
        "shipment_date": _iso(created + _DAY),
        "delivering_date": _iso(created + 2 * _DAY)
        if raw.canonical in ("shipped", "delivered")
        else None,
        "cancellation": {
            "cancel_reason_id": 352 if cancelled else 0,
            "cancel_reason": "Товар закончился на складе продавца" if cancelled else "",
            "cancellation_type": "seller" if cancelled else "",
            "cancelled_after_ship": False,
            "affect_cancellation_rating": cancelled,
            "cancellation_initiator": "Продавец" if cancelled else "",
        },
        "customer": None,
        "addressee": None,
        "products": [_ozon_product(ln, version) for ln in world.lines("ozon", row)],
        "is_express": False,
        "available_actions": ["cancel", "ship"] if raw.canonical == "new" else [],
        "multi_box_qty": 1,
        "is_multibox": False,
        "parent_posting_number": "",
        **({"quantum_id": 0} if version == 4 else {}),
        "shipment_date_without_delay": _iso(created + _DAY),
        "requirements": {
            "products_requiring_gtd": [],
            "products_requiring_country": [],
            "products_requiring_mandatory_mark": [],
        },
    }


# -- Yandex Market ------------------------------------------------------------------------------
def _money(kopecks: int) -> Json:
    return {"value": _money_number(kopecks), "currencyId": "RUR"}


def _msk(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+03:00", time.gmtime(epoch + 3 * 3600))


def _date(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def _msk_day(epoch: int) -> str:
    """The Moscow calendar day of a moment."""
    return time.strftime("%Y-%m-%d", time.gmtime(epoch + 3 * 3600))


def _ym_line(order_id: int, k: int, unit_kop: int, count: int) -> tuple[int, int, int]:
    """(payment, cashback, subsidy) of a line, all for the whole line (ItemPriceDTO): three
    lines in ten partly paid with Plus points (10 %, whole rubles), one in five with a 5 %
    subsidy on top."""
    line = unit_kop * count
    roll = (order_id * 31 + k) % 10
    cashback = line // 1000 * 100 if roll < 3 else 0
    return line - cashback, cashback, line // 20 if roll in (0, 5) else 0


def ym_order(state: SandboxState, row: int) -> Json:
    world = state.world
    table = world.tables["yandex_market"]
    raw = world.flows["yandex_market"].states[table.state[row]]
    created, updated = table.created[row], table.updated[row]
    lines = world.lines("yandex_market", row)
    order_id = 51_000_000_000 + row
    items, paid, plus, subsidies = [], 0, 0, 0
    for k, ln in enumerate(lines):
        payment, cashback, subsidy = _ym_line(order_id, k, ln.unit_price_kop, ln.quantity)
        paid, plus, subsidies = paid + payment, plus + cashback, subsidies + subsidy
        prices = {"payment": _money(payment), "subsidy": _money(subsidy)}
        if cashback:
            prices["cashback"] = _money(cashback)
        items.append({
            "id": order_id * 10 + k, "offerId": ln.product.sku, "offerName": ln.product.name,
            "count": ln.quantity, "prices": {**prices, "vat": "VAT_20"},
        })  # fmt: skip
    order_prices = {"payment": _money(paid), "subsidy": _money(subsidies)}
    if plus:
        order_prices["cashback"] = _money(plus)
    ship_day = (created + 3 * 3600) // _DAY * _DAY + _DAY  # the Moscow day after creation
    return {
        "orderId": order_id,
        "campaignId": state.config.credentials.ym_campaign_id,
        "programType": "FBS",
        "status": raw.status,
        "substatus": raw.substatus,
        "creationDate": _msk(created),
        "updateDate": _msk(updated),
        "paymentType": "PREPAID",
        "paymentMethod": "YANDEX",
        "fake": False,
        "buyerType": "PERSON",
        "items": items,
        "prices": order_prices,
        "delivery": {
            "type": "PICKUP",
            "serviceName": "Доставка Маркета",
            "deliveryServiceId": 1005486,
            "deliveryPartnerType": "YANDEX_MARKET",
            "warehouseId": "54321",
            "dates": {
                "fromDate": _msk_day(created + 3 * _DAY),
                "toDate": _msk_day(created + 4 * _DAY),
            },
            "shipment": {"id": 100_000 + row, "shipmentDate": _date(ship_day)},
        },
    }
