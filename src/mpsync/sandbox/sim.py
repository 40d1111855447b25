"""The simulated world: clock, order generation, scripted status progress, stock, prices.

Pure Python and synchronous; HTTP layers read and mutate it under `lock`.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from mpsync.sandbox.catalog import Product, Rng, Warehouses, build_catalog, mix, mix_more
from mpsync.sandbox.config import MARKETPLACES, SandboxConfig, default_start_time
from mpsync.sandbox.shared import SharedStock
from mpsync.sandbox.statuses import FLOWS, Flow
from mpsync.sandbox.store import OrderTable

MP_CODE: dict[str, int] = {name: i for i, name in enumerate(MARKETPLACES)}
_PUSH_BACKLOG = 100_000


class Line(NamedTuple):
    """One order line: product, quantity and unit price in kopecks.

    A NamedTuple, not a frozen dataclass: lines are regenerated for every order a
    page renders, and a tuple is about twice as fast to make.
    """

    product: Product
    quantity: int
    unit_price_kop: int


@dataclass(frozen=True, slots=True)
class PriceRow:
    """A price state of one product on one marketplace (kopecks; discount in %)."""

    price_kop: int
    old_price_kop: int
    min_price_kop: int
    discount: int


@dataclass(frozen=True, slots=True)
class Change:
    """A status event for push delivery: kind is created, changed or cancelled."""

    kind: str
    marketplace: str
    row: int
    old_state: int
    at: int


class World:
    """Orders, stock and prices of the three marketplaces, moved by a simulated clock."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.warehouses = Warehouses()
        self.catalog = build_catalog(config.seed, config.products)
        start = config.start_time or default_start_time()
        self.start = int(start.timestamp())
        self.now = self.start
        self.tables = {mp: OrderTable() for mp in MARKETPLACES}
        self.flows: dict[str, Flow] = FLOWS
        self.changes: deque[Change] = deque(maxlen=_PUSH_BACKLOG)
        self._heap: list[tuple[int, int, int, int, int]] = []
        self._minute = 0
        keys = [mix(config.seed, 2, code) for code in range(len(MARKETPLACES))]
        # mix(key, row, ...) == mix_more(mix(key), row, ...): hash each key once
        self._chains = [mix(key) for key in keys]
        self._prices: dict[str, list[list[tuple[int, PriceRow]]]] = {}
        self.stock: dict[str, list[int]] = {}
        self.supplies: dict[str, list[int]] = {}
        self.supply_of: dict[int, str] = {}
        self.supplies_done: set[str] = set()
        self.price_updates = 0
        # Ozon write quotas (simulated time): last stock write per (product, warehouse),
        # price writes per product in the last hour.
        self.stock_writes: dict[tuple[int, int], int] = {}
        self.price_writes: dict[int, list[int]] = {}
        self.price_uploads = 0
        for mp in MARKETPLACES:
            self._prices[mp] = [[(0, self._initial_price(mp, p))] for p in self.catalog]
            self.stock[mp] = [
                Rng(config.seed, 13, MP_CODE[mp], p.index).between(0, 200) for p in self.catalog
            ]
        self.shared: SharedStock | None = None
        if config.shared_stock is not None:
            low, high = config.shared_stock
            self.shared = SharedStock.build(config.seed, len(self.catalog), low, high, self.start)
            for mp in MARKETPLACES:
                self.stock[mp] = list(self.shared.shelf)
        self._load_backlog()

    # -- clock --------------------------------------------------------------------------
    @property
    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def advance(self, seconds: int) -> int:
        """Move the clock forward; create orders and apply scripted steps due by then."""
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self.lock:
            target = self.now + seconds
            while self._minute * 60 + self.start <= target:
                self._schedule_minute(self._minute)
                self._minute += 1
            applied = 0
            while self._heap and self._heap[0][0] <= target:
                at, kind, code, a, b = heapq.heappop(self._heap)
                self.now = max(self.now, at)
                if kind == 0:
                    self._create_group(MARKETPLACES[code], at, Rng(self.config.seed, 5, code, a, b))
                else:
                    self._apply_step(MARKETPLACES[code], a)
                applied += 1
            self.now = target
            return applied

    # -- generation ---------------------------------------------------------------------
    def _schedule_minute(self, minute: int) -> None:
        if self.config.bursts:
            self._schedule_bursty(minute)
            return
        rate = self.config.orders_per_minute
        count = int((minute + 1) * rate) - int(minute * rate)
        for code in range(len(MARKETPLACES)):
            for j in range(count):
                second = Rng(self.config.seed, 4, code, minute, j).below(60)
                at = self.start + minute * 60 + second
                heapq.heappush(self._heap, (at, 0, code, minute, j))

    def _schedule_bursty(self, minute: int) -> None:
        """Whole orders a minute per marketplace: the burst's rate in its minutes, the base
        rate (as a chance of one order) elsewhere."""
        rate = self.config.orders_per_minute
        for first, length, burst in self.config.bursts:
            if first <= minute < first + length:
                rate = burst
        for code in range(len(MARKETPLACES)):
            extra = Rng(self.config.seed, 22, code, minute).chance(rate % 1)
            for j in range(int(rate) + extra):
                second = Rng(self.config.seed, 4, code, minute, j).below(60)
                at = self.start + minute * 60 + second
                heapq.heappush(self._heap, (at, 0, code, minute, j))

    def _group_size(self, marketplace: str, rng: Rng) -> int:
        roll = rng.below(100)
        if marketplace == "wildberries":
            return 1 if roll < 75 else 2 if roll < 93 else 3
        if marketplace == "ozon":
            return 1 if roll < 88 else 2
        return 1

    def _create_group(
        self, marketplace: str, at: int, rng: Rng, quiet: bool = False, cap: int = 3
    ) -> None:
        table = self.tables[marketplace]
        first = len(table)
        for _ in range(min(cap, self._group_size(marketplace, rng))):
            if self.shared is not None:
                key = self.shared.next_key(marketplace)  # each attempt wants other goods
                lines = self.lines(marketplace, len(table), created=at, key=key)
                if not quiet and not self.shared.offers(self.stock[marketplace], lines):
                    continue  # the marketplace does not offer it: no order
                self.shared.keys[marketplace].append(key)
            row = table.append(at, first)
            if quiet:
                self._fast_forward(marketplace, row)
                continue
            if self.shared is not None:
                self.shared.sell(marketplace, row, self.stock[marketplace], lines, at)
            for line in self.lines(marketplace, row) if self.shared is None else ():
                stock = self.stock[marketplace]
                stock[line.product.index] = max(0, stock[line.product.index] - line.quantity)
            self.changes.append(Change("created", marketplace, row, 0, at))
            self._schedule_next(marketplace, row)

    def _load_backlog(self) -> None:
        total, span = self.config.backlog, self.config.backlog_days * 86400
        for marketplace in MARKETPLACES:
            table, code = self.tables[marketplace], MP_CODE[marketplace]
            while len(table) < total:
                at = self.start - span + len(table) * span // total
                rng = Rng(self.config.seed, 6, code, len(table))
                self._create_group(marketplace, at, rng, quiet=True, cap=total - len(table))
        heapq.heapify(self._heap)

    def _fast_forward(self, marketplace: str, row: int) -> None:
        """Apply every step due by now to a historical order; queue the next one."""
        table = self.tables[marketplace]
        created = table.created[row]
        steps = self.script(marketplace, row)
        done = 0
        while done < len(steps) and created + steps[done][0] <= self.now:
            done += 1
        if done < len(steps):
            self._heap.append((created + steps[done][0], 1, MP_CODE[marketplace], row, 0))
        table.step[row] = done
        if done >= 2:
            table.state[row] = table.prev_state[row] = steps[done - 2][1]
            table.updated[row] = table.prev_updated[row] = created + steps[done - 2][0]
        if done >= 1:
            table.set_state(
                row, steps[done - 1][1], created + steps[done - 1][0], _NEW_STATES[marketplace]
            )

    # -- scripted progress --------------------------------------------------------------
    def script(self, marketplace: str, row: int) -> list[tuple[int, int]]:
        h1 = mix_more(self._chains[MP_CODE[marketplace]], row)
        return self.flows[marketplace].script(h1, mix(h1))

    def _schedule_next(self, marketplace: str, row: int) -> None:
        table = self.tables[marketplace]
        steps = self.script(marketplace, row)
        if table.step[row] < len(steps):
            at = table.created[row] + steps[table.step[row]][0]
            heapq.heappush(self._heap, (at, 1, MP_CODE[marketplace], row, 0))

    def _apply_step(self, marketplace: str, row: int) -> None:
        table = self.tables[marketplace]
        steps = self.script(marketplace, row)
        at, target = steps[table.step[row]]
        table.step[row] += 1
        self.move(marketplace, row, target, table.created[row] + at)
        if table.step[row] < len(steps):
            next_at = table.created[row] + steps[table.step[row]][0]
            heapq.heappush(self._heap, (next_at, 1, MP_CODE[marketplace], row, 0))

    def move(self, marketplace: str, row: int, target: int, at: int) -> bool:
        """Change an order's state if its flow allows it; records a push event."""
        table, flow = self.tables[marketplace], self.flows[marketplace]
        old = table.state[row]
        if not flow.can_move(old, target):
            return False
        table.set_state(row, target, at, _NEW_STATES[marketplace])
        kind = "cancelled" if flow.states[target].canonical == "cancelled" else "changed"
        if kind == "cancelled" and self.shared is not None:
            self.shared.cancelled(self.stock[marketplace], self.lines(marketplace, row), at)
        self.changes.append(Change(kind, marketplace, row, old, at))
        return True

    # -- lines, prices, stock -----------------------------------------------------------
    def lines(self, marketplace: str, row: int, created: int | None = None,
              key: int | None = None) -> list[Line]:  # fmt: skip
        """The order's lines, regenerated from the seed (WB: one unit per task); *created*
        and *key*: the time and goods of an order about to be made (no row yet)."""
        if key is None:
            key = row if self.shared is None else self.shared.keys[marketplace][row]
        h = mix_more(self._chains[MP_CODE[marketplace]], key, 11)
        catalog, history = self.catalog_of(marketplace), self._prices[marketplace]
        size = len(catalog)
        first = h % size
        one_unit = marketplace == "wildberries"
        count = 1 if one_unit else 1 + ((h >> 20) % 10 > 6) + ((h >> 24) % 10 > 8)
        lines = []
        for k in range(min(count, size)):
            product = catalog[(first + k * 7) % size]
            prices = history[product.index]
            if len(prices) == 1:
                unit = prices[0][1]
            else:
                when = self.tables[marketplace].created[row] if created is None else created
                unit = self.price_at(marketplace, product.index, when)
            quantity = 1 if one_unit else 1 + ((h >> (28 + 4 * k)) % 10 > 7)
            lines.append(Line(product, quantity, unit.price_kop))
        return lines

    def _initial_price(self, marketplace: str, product: Product) -> PriceRow:
        old = product.base_price_kop * 5 // 4 // 100 * 100
        if marketplace == "wildberries":
            # WB keeps a whole price before the seller's discount and the discount; what
            # buyers pay follows from them: price × (100 − 20) / 100.
            return PriceRow(old // 100 * 80, old, product.base_price_kop * 4 // 5, 20)
        return PriceRow(product.base_price_kop, old, product.base_price_kop * 4 // 5, 20)

    def price_at(self, marketplace: str, product: int, at: int) -> PriceRow:
        history = self._prices[marketplace][product]
        return history[max(0, bisect_right(history, at, key=lambda h: h[0]) - 1)][1]

    def price(self, marketplace: str, product: int) -> PriceRow:
        return self._prices[marketplace][product][-1][1]

    def set_price(self, marketplace: str, product: int, row: PriceRow) -> None:
        with self.lock:
            self._prices[marketplace][product].append((self.now, row))
            self.price_updates += 1

    def catalog_of(self, marketplace: str) -> tuple[Product, ...]:
        """The catalogue as *marketplace* lists it (with shared stock, some products carry
        another seller SKU there: see ``SharedStock.variants``)."""
        if self.shared is None:
            return self.catalog
        return self.shared.catalog(marketplace, self.catalog)

    def product_by(self, attribute: str, value: object,
                   marketplace: str | None = None) -> Product | None:  # fmt: skip
        chosen = self.catalog if marketplace is None else self.catalog_of(marketplace)
        for product in chosen:
            if getattr(product, attribute) == value:
                return product
        return None


_NEW_STATES: dict[str, frozenset[int]] = {
    mp: frozenset(i for i, s in enumerate(flow.states) if s.canonical == "new")
    for mp, flow in FLOWS.items()
}
