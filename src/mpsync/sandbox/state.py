"""The sandbox as one object: the simulated world plus limits, faults, stats and push.

`SandboxServer.state` is this; the control API at /_sandbox/ calls the same methods.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from mpsync.sandbox import ids
from mpsync.sandbox.catalog import ozon_fbo_stock
from mpsync.sandbox.config import MARKETPLACES, SandboxConfig
from mpsync.sandbox.limits import Limiter
from mpsync.sandbox.push import PushDispatcher
from mpsync.sandbox.sim import World

Sleep = Callable[[float], Awaitable[None]]


def rubles(kopecks: int) -> str:
    """Kopecks as a decimal ruble string ("1530.00"), as str(Decimal) writes it."""
    whole, cents = divmod(abs(kopecks), 100)
    return f"{'-' if kopecks < 0 else ''}{whole}.{cents:02d}"


def iso(epoch: int) -> str:
    """Epoch seconds as ISO-8601 UTC with a Z suffix."""
    return f"{datetime_text(epoch)}Z"


def datetime_text(epoch: int) -> str:
    """Epoch seconds as "YYYY-MM-DDTHH:MM:SS" (UTC).

    Every order on a page carries a few of these: cached days and a table of
    minutes make it ~4x cheaper than strftime.
    """
    day, second = divmod(epoch, 86400)
    minute, second = divmod(second, 60)
    return f"{_day(day)}T{_HH_MM[minute]}{_SS[second]}"


def date_text(epoch: int) -> str:
    """Epoch seconds as "YYYY-MM-DD" (UTC)."""
    return _day(epoch // 86400)


@functools.lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86400))


_HH_MM = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))
_SS = tuple(f"{second:02d}" for second in range(60))


class SandboxState:
    """Everything one sandbox run knows; safe to call from tests in any thread."""

    def __init__(
        self,
        config: SandboxConfig,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self.world = World(config)
        self.limiter = Limiter(config.rate_limit_scale, clock)
        self.random = random.Random(config.seed)
        self.requests: Counter[tuple[str, int]] = Counter()
        self.faults_served: Counter[str] = Counter()
        self.push = PushDispatcher(self)
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- control ------------------------------------------------------------------------
    def advance(self, minutes: float) -> int:
        """Advance simulated time by `minutes`; returns the number of events applied."""
        applied = self.world.advance(round(minutes * 60))
        self.push.collect()
        return applied

    def advance_seconds(self, seconds: int) -> int:
        applied = self.world.advance(seconds)
        self.push.collect()
        return applied

    def reset(self) -> None:
        """Back to the configured start: same seed, same backlog, counters cleared."""
        with self.world.lock:
            self.world = World(self.config)
            self.limiter.reset()
            self.random = random.Random(self.config.seed)
            self.requests.clear()
            self.faults_served.clear()
            transport = self.push.transport
            self.push = PushDispatcher(self)
            self.push.transport = transport

    def set_faults(self, values: dict[str, object]) -> dict[str, float]:
        self.config.faults.update(values)
        return self.config.faults.as_dict()

    def roll(self, fault: str) -> bool:
        """Decide whether to inject `fault` (its probability lives in config.faults)."""
        probability = float(getattr(self.config.faults, f"{fault}_rate"))
        if probability > 0 and self.random.random() < probability:
            self.faults_served[fault] += 1
            return True
        return False

    async def flush_push(self) -> dict[str, int]:
        """Deliver every pending push now (retries included); returns delivery stats."""
        self.push.collect()
        for _ in range(self.config.push_max_attempts):
            if not self.push.pending:
                break
            await self.push.deliver(force=True)
        return self.push.stats()

    def stats(self) -> dict[str, Any]:
        endpoints: dict[str, dict[str, int]] = {}
        for (endpoint, status), count in sorted(self.requests.items()):
            entry = endpoints.setdefault(endpoint, {"total": 0})
            entry["total"] += count
            entry[str(status)] = entry.get(str(status), 0) + count
        return {
            "now": iso(self.world.now),
            "endpoints": endpoints,
            "rate_limited": sum(c for (_e, s), c in self.requests.items() if s in (420, 429)),
            "faults": dict(self.faults_served),
            "orders": {mp: len(table) for mp, table in self.world.tables.items()},
            "push": self.push.stats(),
        }

    # -- truth --------------------------------------------------------------------------
    def external_id(self, marketplace: str, row: int) -> str:
        table = self.world.tables[marketplace]
        if marketplace == "wildberries":
            return str(ids.wb_task_id(row))
        if marketplace == "ozon":
            return ids.ozon_posting_number(self.config.seed, table.group[row], row)
        return str(ids.ym_order_id(row))

    def group_key(self, marketplace: str, row: int) -> str:
        group = self.world.tables[marketplace].group[row]
        if marketplace == "wildberries":
            return ids.wb_order_uid(self.config.seed, group)
        if marketplace == "ozon":
            return ids.ozon_order_number(self.config.seed, group)
        return str(ids.ym_order_id(row))

    def observed(self, marketplace: str, row: int) -> tuple[int, int]:
        """(state, updated) as a read shows it; maybe an older one (out-of-order fault)."""
        table = self.world.tables[marketplace]
        if table.prev_updated[row] != table.updated[row] and self.roll("out_of_order"):
            return table.prev_state[row], table.prev_updated[row]
        return table.state[row], table.updated[row]

    def observer(self, marketplace: str) -> Callable[[int], tuple[int, int]]:
        """`observed` bound to one marketplace, for rendering a page of its orders.

        With the out-of-order fault off it is a plain read (roll would draw nothing).
        """
        if self.config.faults.out_of_order_rate > 0:
            return functools.partial(self.observed, marketplace)
        table = self.world.tables[marketplace]
        state, updated = table.state, table.updated
        return lambda row: (state[row], updated[row])

    def truth_order(self, marketplace: str, row: int) -> dict[str, Any]:
        table = self.world.tables[marketplace]
        raw = self.world.flows[marketplace].states[table.state[row]]
        lines = self.world.lines(marketplace, row)
        total = sum(line.unit_price_kop * line.quantity for line in lines)
        return {
            "marketplace": marketplace,
            "external_id": self.external_id(marketplace, row),
            "group_key": self.group_key(marketplace, row),
            "status": raw.canonical,
            "status_kept": raw.kept,
            "marketplace_status": raw.status,
            "marketplace_substatus": raw.substatus,
            "items_total": rubles(total),
            "total": rubles(total),
            "currency": "RUB",
            "created_at": iso(table.created[row]),
            "updated_at": iso(table.updated[row]),
            "lines": [
                {
                    "sku": line.product.sku,
                    "quantity": line.quantity,
                    "unit_price": rubles(line.unit_price_kop),
                    "total": rubles(line.unit_price_kop * line.quantity),
                }
                for line in lines
            ],
        }

    def truth(
        self, marketplace: str | None = None, offset: int = 0, limit: int | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Ground truth: orders (canonical view), stock and prices per marketplace."""
        chosen = [marketplace] if marketplace else list(MARKETPLACES)
        products = len(self.world.catalog)
        with self.world.lock:
            orders: list[dict[str, Any]] = []
            for mp in chosen:
                count = len(self.world.tables[mp])
                stop = count if limit is None else min(count, offset + limit)
                orders.extend(self.truth_order(mp, row) for row in range(offset, stop))
            return {
                "orders": orders,
                "stock": [
                    *(
                        self._stock_row(mp, i)
                        for mp in chosen
                        for i in range(len(self.world.catalog))
                    ),
                    *(self._fbo_rows() if "ozon" in chosen else ()),
                ],
                "prices": [self._price_row(mp, i) for mp in chosen for i in range(products)],
            }

    def shared_truth(self) -> dict[str, Any] | None:
        """The shelf behind the marketplaces and every oversell (``shared_stock`` only)."""
        with self.world.lock:
            return self.world.shared.truth() if self.world.shared is not None else None

    def _stock_row(self, marketplace: str, product: int) -> dict[str, Any]:
        w = self.world.warehouses
        warehouse = {"wildberries": w.wb_id, "ozon": w.ozon_id, "yandex_market": w.ym_id}[
            marketplace
        ]
        return {
            "marketplace": marketplace,
            "sku": self.world.catalog[product].sku,
            "warehouse_id": str(warehouse),
            "amount": self.world.stock[marketplace][product],
        }

    def _fbo_rows(self) -> list[dict[str, Any]]:
        """Ozon-held (FBO) stock, kept apart from the seller's: mpsync keys it ``ozon-fbo``."""
        rows = []
        for product in self.world.catalog:
            fbo = ozon_fbo_stock(self.config.seed, product.index)
            if fbo is not None:
                rows.append({"marketplace": "ozon", "sku": product.sku,
                             "warehouse_id": "ozon-fbo", "amount": fbo[0] - fbo[1]})  # fmt: skip
        return rows

    def _price_row(self, marketplace: str, product: int) -> dict[str, Any]:
        price = self.world.price(marketplace, product)
        return {
            "marketplace": marketplace,
            "sku": self.world.catalog[product].sku,
            "price": rubles(price.price_kop),
            "old_price": rubles(price.old_price_kop),
            "min_price": rubles(price.min_price_kop),
            "currency": "RUB",
        }


def money_number(kopecks: int) -> int | float:
    """Kopecks as a JSON number in rubles (wire format only; the model stays integer).

    kopecks / 100 is the correctly rounded float of the same decimal that
    float(Decimal(kopecks).scaleb(-2)) gives, without the Decimal.
    """
    return kopecks // 100 if kopecks % 100 == 0 else kopecks / 100
