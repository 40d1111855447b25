"""What the sandbox's marketplaces pay the seller: one money model behind every finance
endpoint, the returns lists and the truth (kopecks throughout).

An order earns once it is delivered: its sale, a commission at its products' category rate,
logistics per unit, now and then a penalty. Some delivered orders come back (YM: the
orders its flow returns; WB and Ozon: one in ten, three days after delivery) with a reason:
the refund, the commission given back and reverse logistics. Every account pays storage
per day for the catalogue. Everything is a pure function of the seed, the order and the
simulated clock, so every read and the truth agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mpsync.sandbox.catalog import mix
from mpsync.sandbox.config import MARKETPLACES
from mpsync.sandbox.sim import Line, World
from mpsync.sandbox.state import rubles

CATEGORY_RATES = (15, 17, 12, 20)  # commission %, by product.index % 4
LOGISTICS_PER_UNIT = 5_500  # kopecks
REVERSE_PER_UNIT = 4_000
PENALTY = 10_000
STORAGE_PER_PRODUCT_DAY = 25
RETURN_AFTER = 3 * 86400
REASONS = ("Не подошёл размер", "Брак", "Не соответствует описанию", "Передумал")
MSK = timedelta(hours=3)
DAY = 86400


@dataclass(frozen=True)
class Refund:
    """A return: when, of which kind, why, the lines (sku, quantity, kopecks) and money."""

    at: int
    kind: str  # full | partial
    reason: str
    lines: tuple[tuple[Line, int, int], ...]
    amount: int
    commission: int
    reverse_logistics: int


@dataclass(frozen=True)
class OrderMoney:
    row: int
    delivered_at: int
    lines: tuple[Line, ...]
    sale: int
    commission: int
    line_commissions: tuple[int, ...]
    logistics: int
    penalty: int
    refund: Refund | None


def rate(line: Line) -> int:
    return CATEGORY_RATES[line.product.index % len(CATEGORY_RATES)]


def commission_of(line: Line, quantity: int | None = None) -> int:
    """Commission on *quantity* units of a line, rounded half up to the kopeck."""
    total = line.unit_price_kop * (line.quantity if quantity is None else quantity)
    return (total * rate(line) + 50) // 100


def _delivered_at(world: World, mp: str, row: int) -> int | None:
    table, flow = world.tables[mp], world.flows[mp]
    raw = flow.states[table.state[row]]
    if raw.canonical == "delivered" and not raw.kept:
        return int(table.updated[row])
    if raw.canonical == "returned":
        for offset, state in world.script(mp, row):
            if flow.states[state].canonical == "delivered":
                return int(table.created[row]) + offset
    return None


def order_money(world: World, seed: int, mp: str, row: int) -> OrderMoney | None:
    """The order's money as of the world's clock; None while it has earned nothing."""
    delivered = _delivered_at(world, mp, row)
    if delivered is None or delivered > world.now:
        return None
    lines = tuple(world.lines(mp, row))
    sale = sum(line.unit_price_kop * line.quantity for line in lines)
    per_line = tuple(commission_of(line) for line in lines)
    units = sum(line.quantity for line in lines)
    h = mix(seed, 9_016, MARKETPLACES.index(mp), row)
    penalty = PENALTY if h % 25 == 3 and mp != "yandex_market" else 0
    return OrderMoney(row, delivered, lines, sale, sum(per_line), per_line,
                      LOGISTICS_PER_UNIT * units, penalty, _refund(world, mp, row, lines, h,
                                                                   delivered))  # fmt: skip


def _refund(world: World, mp: str, row: int, lines: tuple[Line, ...], h: int,
            delivered: int) -> Refund | None:  # fmt: skip
    table, flow = world.tables[mp], world.flows[mp]
    raw = flow.states[table.state[row]]
    reason = REASONS[(h >> 8) % len(REASONS)]
    if mp == "yandex_market":
        if raw.canonical != "returned":
            return None
        at, kind = (
            int(table.updated[row]),
            "partial" if raw.status.startswith("PARTIALLY") else "full",
        )
    else:
        at, kind = delivered + RETURN_AFTER, "full"
        if h % 10 != 1 or at > world.now:
            return None
    chosen = [(line, line.quantity) for line in lines] if kind == "full" else [(lines[0], 1)]
    taken = tuple((line, qty, line.unit_price_kop * qty) for line, qty in chosen)
    if sum(qty for _, qty, _ in taken) >= sum(line.quantity for line in lines):
        kind = "full"  # a "partial" return of an order's only unit takes it all
    return Refund(at, kind, reason, taken, sum(t[2] for t in taken),
                  sum(commission_of(line, qty) for line, qty, _ in taken),
                  REVERSE_PER_UNIT * sum(qty for _, qty, _ in taken))  # fmt: skip


def storage_days(world: World) -> list[tuple[int, int]]:
    """(day start epoch UTC, kopecks) for every day of the sandbox's history that ended."""
    first = (world.start - world.config.backlog_days * DAY) // DAY
    last = world.now // DAY  # today has not ended
    amount = STORAGE_PER_PRODUCT_DAY * len(world.catalog)
    return [(day * DAY, amount) for day in range(first, last)]


def all_money(world: World, seed: int, mp: str) -> list[OrderMoney]:
    found = (order_money(world, seed, mp, row) for row in range(len(world.tables[mp])))
    return [money for money in found if money is not None]


def moscow_text(epoch: int) -> str:
    """Epoch seconds as Moscow local "YYYY-MM-DD HH:MM:SS"."""
    return (datetime.fromtimestamp(epoch, UTC) + MSK).strftime("%Y-%m-%d %H:%M:%S")


def moscow_date(epoch: int) -> str:
    return moscow_text(epoch)[:10]


def truth(state: Any, marketplace: str | None = None) -> dict[str, Any]:
    """Per marketplace: payout, revenue, returns, fees per kind, and each order's return,
    as mpsync should hold them after reading everything (decimal ruble strings)."""
    chosen = [marketplace] if marketplace else list(MARKETPLACES)
    world, seed = state.world, state.config.seed
    result: dict[str, Any] = {}
    with world.lock:
        for mp in chosen:
            result[mp] = _totals(state, mp, all_money(world, seed, mp), storage_days(world))
    return result


def _totals(state: Any, mp: str, orders: list[OrderMoney],
            storage: list[tuple[int, int]]) -> dict[str, Any]:  # fmt: skip
    fees = {"commission": 0, "logistics": 0, "reverse_logistics": 0, "storage": 0, "penalty": 0}
    revenue = returns = 0
    refunds: dict[str, Any] = {}
    for money in orders:
        revenue += money.sale
        fees["commission"] -= money.commission
        fees["logistics"] -= money.logistics
        fees["penalty"] -= money.penalty
        if money.refund is not None:
            refund = money.refund
            returns -= refund.amount
            fees["commission"] += refund.commission
            fees["reverse_logistics"] -= refund.reverse_logistics
            refunds[state.external_id(mp, money.row)] = {
                "kind": refund.kind, "reason": refund.reason, "refund": rubles(refund.amount),
                "lines": [{"sku": line.product.sku, "quantity": qty} for line, qty, _ in
                          refund.lines],
            }  # fmt: skip
    if mp != "yandex_market":
        fees["storage"] -= sum(amount for _, amount in storage)
    payout = revenue + returns + sum(fees.values())
    return {
        "currency": "RUB", "revenue": rubles(revenue), "returns": rubles(returns),
        "payout": rubles(payout), "fees": {k: rubles(v) for k, v in fees.items() if v},
        "orders": len(orders), "refunds": refunds,
    }  # fmt: skip
