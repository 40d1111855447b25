"""Deterministic randomness (splitmix64) and the seller's product catalogue.

Everything the simulator invents is a pure function of the seed and an index.
"""

from __future__ import annotations

from dataclasses import dataclass

_MASK = (1 << 64) - 1

_ADJECTIVES = ("Керамическая", "Стальная", "Хлопковая", "Дорожная", "Детская", "Складная")
_NOUNS = ("кружка", "сковорода", "футболка", "сумка", "лампа", "подушка", "щётка", "ваза")
_COLORS = ("белый", "чёрный", "синий", "красный", "зелёный")


def mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix64 finaliser chained over the values)."""
    return mix_more(0x9E3779B97F4A7C15, *values)


def mix_more(h: int, *values: int) -> int:
    """Continue the chain of `mix`: mix(a, b, c) == mix_more(mix(a, b), c).

    Hot paths hash (constant key..., row); keeping the key's hash saves its rounds.
    """
    for value in values:
        h = (h ^ (value & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & _MASK
        h ^= h >> 29
    return h


class Rng:
    """A tiny splitmix64 stream: fast to create, deterministic from its key."""

    __slots__ = ("_state",)

    def __init__(self, *key: int) -> None:
        self._state = mix(*key)

    def next(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = self._state
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return self.next() % n

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + self.next() % (high - low + 1)

    def chance(self, probability: float) -> bool:
        return (self.next() >> 11) < probability * (1 << 53)


@dataclass(frozen=True, slots=True)
class Product:
    """One catalogue item with its identifiers on every marketplace."""

    index: int
    sku: str
    name: str
    barcode: str
    base_price_kop: int
    nm_id: int
    chrt_id: int
    ozon_product_id: int
    ozon_sku: int


def build_catalog(seed: int, count: int) -> tuple[Product, ...]:
    """The seller's catalogue: `count` products, deterministic from the seed."""
    products = []
    for i in range(count):
        rng = Rng(seed, 7, i)
        name = (
            f"{_ADJECTIVES[rng.below(len(_ADJECTIVES))]} {_NOUNS[rng.below(len(_NOUNS))]}, "
            f"{_COLORS[rng.below(len(_COLORS))]}"
        )
        products.append(
            Product(
                index=i,
                sku=f"SKU-{i + 1:04d}",
                name=name,
                barcode=f"{2000000000000 + mix(seed, 8, i) % 999999999:013d}",
                base_price_kop=rng.between(19, 499) * 1000 - 1000 + rng.below(10) * 100,
                nm_id=140_000_000 + i * 17 + 3,
                chrt_id=250_000_000 + i * 31 + 7,
                ozon_product_id=1_386_000 + i * 13,
                ozon_sku=827_000_000 + i * 29,
            )
        )
    return tuple(products)


def ozon_fbo_stock(seed: int, product: int) -> tuple[int, int] | None:
    """(present, reserved) of a product's stock at Ozon's own warehouses (FBO), or None.

    Every third product also sells from Ozon's warehouses; that stock is Ozon's, the seller
    neither holds nor sets it, and the simulation leaves it as it is.
    """
    if product % 3:
        return None
    rng = Rng(seed, 14, product)
    present = rng.between(0, 60)
    return present, rng.between(0, present // 4)


@dataclass(frozen=True, slots=True)
class Warehouses:
    """Seller warehouse ids on each marketplace (one FBS warehouse each)."""

    wb_id: int = 658434
    wb_office_id: int = 15
    ozon_id: int = 1020005003107121
    ym_id: int = 54321
