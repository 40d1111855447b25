"""One physical stock behind the three marketplaces (``SandboxConfig.shared_stock``).

The seller holds ``low``–``high`` units of each product; every marketplace starts by
offering all of them. A buyer orders only what a marketplace offers; the sale takes the
units off that marketplace's offer and off the shelf. A sale the shelf cannot cover is an
**oversell**: the truth lists it with how long the shelf had been short of it (``stale``),
i.e. for how long that marketplace's offer should already have been lower. A cancellation
puts the units back on the shelf and on the marketplace's offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from mpsync.sandbox.catalog import Rng


def variant(marketplace: str, index: int, sku: str) -> str:
    """The seller SKU a marketplace lists a product under when the shelf is shared: on
    Yandex Market every 4th product is ``<sku>-YM`` (its offer keeps the barcode, so it
    links by barcode), on Ozon every 5th is ``OZ-<n>`` (Ozon's reads carry no barcode:
    only a links.csv links it); everything else keeps the catalogue's SKU."""
    if marketplace == "yandex_market" and index % 4 == 1:
        return f"{sku}-YM"
    if marketplace == "ozon" and index % 5 == 2:
        return f"OZ-{index + 1:04d}"
    return sku


class _Line(Protocol):
    @property
    def product(self) -> Any: ...

    @property
    def quantity(self) -> int: ...


@dataclass
class Oversell:
    marketplace: str
    row: int
    sku: str
    quantity: int
    short: int  # units the shelf lacked
    at: int
    stale: int  # seconds the shelf had been below the quantity sold


@dataclass
class SharedStock:
    """The shelf per product, its history, and the oversells."""

    shelf: list[int]
    history: list[list[tuple[int, int]]]  # per product: (time, units on the shelf)
    oversells: list[Oversell] = field(default_factory=list)
    sales: int = 0
    refused: int = 0  # orders buyers could not place: the marketplace offered too few
    # Per marketplace, the key each order's goods are drawn from (one per attempt, so a
    # buyer turned away does not come back for the same goods forever).
    keys: dict[str, list[int]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)

    catalogs: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def catalog(self, marketplace: str, catalog: tuple[Any, ...]) -> tuple[Any, ...]:
        """The catalogue under *marketplace*'s seller SKUs (see ``variant``)."""
        if marketplace not in self.catalogs:
            self.catalogs[marketplace] = tuple(
                replace(p, sku=variant(marketplace, p.index, p.sku)) for p in catalog
            )
        return self.catalogs[marketplace]

    def next_key(self, marketplace: str) -> int:
        self.keys.setdefault(marketplace, [])
        self.attempts[marketplace] = self.attempts.get(marketplace, -1) + 1
        return self.attempts[marketplace]

    @classmethod
    def build(cls, seed: int, products: int, low: int, high: int, start: int) -> SharedStock:
        shelf = [Rng(seed, 21, p).between(low, high) for p in range(products)]
        return cls(shelf, [[(start, units)] for units in shelf])

    def offers(self, offered: list[int], lines: Sequence[_Line]) -> bool:
        """Whether the marketplace offers every line's quantity (else no order)."""
        wanted: dict[int, int] = {}
        for line in lines:
            wanted[line.product.index] = wanted.get(line.product.index, 0) + line.quantity
        ok = all(offered[p] >= q for p, q in wanted.items())
        self.refused += not ok
        return ok

    def sell(self, marketplace: str, row: int, offered: list[int], lines: Sequence[_Line],
             at: int) -> None:  # fmt: skip
        for line in lines:
            p, quantity = line.product.index, line.quantity
            offered[p] = max(0, offered[p] - quantity)
            before = self.shelf[p]
            if before < quantity:
                self.oversells.append(Oversell(marketplace, row, line.product.sku, quantity,
                                               quantity - max(before, 0), at,
                                               at - self._short_since(p, quantity)))  # fmt: skip
            self._move(p, before - quantity, at)
            self.sales += 1

    def cancelled(self, offered: list[int], lines: Sequence[_Line], at: int) -> None:
        for line in lines:
            p = line.product.index
            offered[p] += line.quantity
            self._move(p, self.shelf[p] + line.quantity, at)

    def _move(self, product: int, units: int, at: int) -> None:
        self.shelf[product] = units
        self.history[product].append((at, units))

    def _short_since(self, product: int, quantity: int) -> int:
        """Since when the shelf has held fewer than *quantity* units without a break."""
        since = self.history[product][-1][0]
        for at, units in reversed(self.history[product]):
            if units >= quantity:
                break
            since = at
        return since

    def truth(self) -> dict[str, Any]:
        return {
            "sales": self.sales,
            "refused_orders": self.refused,
            "shelf": list(self.shelf),
            "oversells": [vars(o) for o in self.oversells],
        }
