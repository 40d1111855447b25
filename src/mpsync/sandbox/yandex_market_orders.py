"""Yandex Market business orders: the JSON of an order, and which orders a filter selects.

Money follows ``ItemPriceDTO``: every amount is the line's (all ``count`` units); the goods
cost ``payment + cashback`` (Plus points), ``subsidy`` is Market's payout on top. Calendar
days (``shipmentDate``, delivery dates, the creation-date filter) are Moscow days.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mpsync.sandbox import ids
from mpsync.sandbox.http import ApiError, Ctx, Json, integer, items, obj, status_members, timestamp
from mpsync.sandbox.jsontext import json_members, quote
from mpsync.sandbox.sim import Line
from mpsync.sandbox.state import date_text, datetime_text, money_number

MP = "yandex_market"
DAY = 86400
MSK = 3 * 3600
WINDOW_DAYS = 30


def iso_msk(epoch: int) -> str:
    """Epoch seconds as ISO-8601 in Moscow time (+03:00), as the Partner API answers."""
    return f"{datetime_text(epoch + MSK)}+03:00"


def msk_date(epoch: int) -> str:
    """The Moscow calendar day of a moment, ``YYYY-MM-DD``."""
    return date_text(epoch + MSK)


def ship_day(created: int) -> int:
    """Epoch of the Moscow midnight that starts the order's ship-by day (the day after)."""
    return ((created + MSK) // DAY + 1) * DAY - MSK


@functools.lru_cache(maxsize=4096)
def money(kopecks: int) -> str:
    """{value, currencyId} as JSON text; cached, as prices and totals repeat."""
    return f'{{"value":{money_number(kopecks)!r},"currencyId":"RUR"}}'


def line_money(order_id: int, k: int, line: Line) -> tuple[int, int, int]:
    """(payment, cashback, subsidy) of line *k* in kopecks, all for the whole line.

    Three lines in ten are partly paid with Plus points (10 % in whole rubles); one in
    five gets a 5 % Market subsidy.
    """
    total = line.unit_price_kop * line.quantity
    roll = (order_id * 31 + k) % 10
    cashback = total // 1000 * 100 if roll < 3 else 0
    subsidy = total // 20 if roll in (0, 5) else 0
    return total - cashback, cashback, subsidy


@functools.lru_cache(maxsize=16384)
def _offer_members(sku: str, name: str, count: int, money3: tuple[int, int, int]) -> str:
    """An item's members after its id; cached, as pages repeat a few offers and prices."""
    payment, cashback, subsidy = money3
    extra = f',"cashback":{money(cashback)}' if cashback else ""
    return (
        f'"offerId":{quote(sku)},"offerName":{quote(name)},"count":{count},'
        f'"prices":{{"payment":{money(payment)},"subsidy":{money(subsidy)}{extra},"vat":"VAT_20"}}'
    )


def _delivery(warehouse_id: int) -> Json:
    """The delivery fields every order shares (dates and shipment follow)."""
    return {
        "type": "PICKUP",
        "serviceName": "Доставка Маркета",
        "deliveryServiceId": 1005486,
        "deliveryPartnerType": "YANDEX_MARKET",
        "warehouseId": str(warehouse_id),
    }


def order_renderer(ctx: Ctx) -> Callable[[int], str]:
    """Render orders as JSON text; statuses and the fixed delivery fields are rendered once."""
    world = ctx.state.world
    table, lines, observed = world.tables[MP], world.lines, ctx.state.observer(MP)
    statuses = status_members(world.flows[MP])
    campaign = ctx.state.config.credentials.ym_campaign_id
    delivery = json_members(_delivery(world.warehouses.ym_id))

    def render(row: int) -> str:
        state, updated = observed(row)
        created, order_id = table.created[row], ids.ym_order_id(row)
        parts, paid, plus, subsidies = [], 0, 0, 0
        for k, line in enumerate(lines(MP, row)):
            split = line_money(order_id, k, line)
            paid, plus, subsidies = paid + split[0], plus + split[1], subsidies + split[2]
            members = _offer_members(line.product.sku, line.product.name, line.quantity, split)
            parts.append(f'{{"id":{order_id * 10 + k},{members}}}')
        cashback = f',"cashback":{money(plus)}' if plus else ""
        prices = f'"payment":{money(paid)},"subsidy":{money(subsidies)}{cashback}'
        local = created + MSK  # Moscow days: delivery 3-4 days on, ship-by the next day
        dates = f'"fromDate":"{date_text(local + 3 * DAY)}","toDate":"{date_text(local + 4 * DAY)}"'
        shipment = f'"id":{100_000 + row},"shipmentDate":"{date_text(local + DAY)}"'
        return (
            f'{{"orderId":{order_id},"campaignId":{campaign},"programType":"FBS",{statuses[state]},'
            f'"creationDate":"{iso_msk(created)}","updateDate":"{iso_msk(updated)}",'
            '"paymentType":"PREPAID","paymentMethod":"YANDEX","fake":false,"buyerType":"PERSON",'
            f'"items":[{",".join(parts)}],"prices":{{{prices}}},'
            f'"delivery":{{{delivery},"dates":{{{dates}}},"shipment":{{{shipment}}}}}}}'
        )

    return render


# -- filter -------------------------------------------------------------------------------
def _day(value: Any, what: str) -> int | None:
    """A ``YYYY-MM-DD`` filter date as the epoch of that Moscow midnight."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ApiError(400, f"dates.{what} must be a date, YYYY-MM-DD")
    return timestamp(value, f"dates.{what}") - MSK


def _days(
    dates: Json, prefix: str, default_low: int | None = None, default_high: int | None = None
) -> tuple[int | None, int | None]:
    """``[From, To)`` of a date pair: From included, To excluded, at most 30 days apart when
    both are given; a To less than a day after From is From + 1 day (OrderDatesFilterDTO)."""
    low = _day(dates.get(f"{prefix}DateFrom"), f"{prefix}DateFrom")
    high = _day(dates.get(f"{prefix}DateTo"), f"{prefix}DateTo")
    if low is not None and high is not None:
        high = max(high, low + DAY)
        if high - low > WINDOW_DAYS * DAY:
            raise ApiError(400, f"the {prefix} date window must be at most 30 days")
    return (default_low if low is None else low), (default_high if high is None else high)


def _updates(dates: Json) -> tuple[int | None, int | None]:
    low_raw, high_raw = dates.get("updateDateFrom"), dates.get("updateDateTo")
    low = timestamp(low_raw, "dates.updateDateFrom") if low_raw else None
    high = timestamp(high_raw, "dates.updateDateTo") if high_raw else None
    if low is not None and high is not None and not 0 <= high - low <= WINDOW_DAYS * DAY:
        raise ApiError(400, "the update date window must be at most 30 days")
    return low, high


def select(ctx: Ctx, body: Json) -> tuple[range, Callable[[int], bool]]:
    """Rows to scan and the test each must pass.

    The creation window always applies: without dates it is the last 30 days (from the
    Moscow day 30 days ago through now), so older orders need explicit creation dates,
    whatever the other filters say.
    """
    world = ctx.state.world
    table, flow = world.tables[MP], world.flows[MP]
    dates = obj(body.get("dates") or {}, "dates")
    today = (world.now + MSK) // DAY * DAY - MSK
    created_from, created_to = _days(dates, "creation", today - WINDOW_DAYS * DAY, world.now + 1)
    ship_from, ship_to = _days(dates, "shipment")
    updated_from, updated_to = _updates(dates)
    statuses, substatuses = set(body.get("statuses") or []), set(body.get("substatuses") or [])
    allowed = {
        i
        for i, raw in enumerate(flow.states)
        if (not statuses or raw.status in statuses)
        and (not substatuses or raw.substatus in substatuses)
    }
    wanted = body.get("orderIds")
    order_rows = (
        {ids.ym_row(integer(v, "orderIds[]")) for v in items(wanted, "orderIds", 1, 50)}
        if wanted
        else None
    )
    rows = table.rows_created_between(created_from, None if created_to is None else created_to - 1)
    state, updated, made = table.state, table.updated, table.created

    def keep(row: int) -> bool:
        if state[row] not in allowed or (order_rows is not None and row not in order_rows):
            return False
        day = ship_day(made[row])
        if (ship_from is not None and day < ship_from) or (ship_to is not None and day >= ship_to):
            return False
        if updated_from is not None and updated[row] < updated_from:
            return False
        return updated_to is None or updated[row] <= updated_to

    return rows, keep
