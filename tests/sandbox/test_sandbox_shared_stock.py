"""The sandbox's shared shelf: buyers order only what a marketplace offers, every sale
takes the shelf down, and a sale the shelf cannot cover is an oversell in the truth."""

from __future__ import annotations

from datetime import UTC, datetime

from mpsync.sandbox import SandboxConfig
from mpsync.sandbox.sim import World

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _world(**extra: object) -> World:
    return World(
        SandboxConfig(
            seed=3,
            products=20,
            shared_stock=(1, 5),
            orders_per_minute=0.03,
            start_time=T0,
            rate_limit_scale=0,
            **extra,
        )
    )  # type: ignore[arg-type]


def test_every_marketplace_offers_the_shelf_and_oversells_are_exposed() -> None:
    world = _world()
    assert world.shared is not None
    assert all(1 <= units <= 5 for units in world.shared.shelf)
    assert all(world.stock[mp] == world.shared.shelf for mp in world.stock)
    world.advance(24 * 3600)
    truth = world.shared.truth()
    # Nobody corrects the marketplaces' offers: the same units sell up to three times.
    assert truth["oversells"] and truth["refused_orders"] > 0
    first = truth["oversells"][0]
    assert first["short"] >= 1 and first["stale"] >= 0
    assert set(first) == {"marketplace", "row", "sku", "quantity", "short", "at", "stale"}
    # A marketplace never sells what it does not offer.
    assert all(units >= 0 for mp in world.stock for units in world.stock[mp])


def test_a_shelf_truth_is_the_same_for_the_same_seed_and_bursts_add_orders() -> None:
    calm, busy = _world(), _world(bursts=((60, 30, 0.5),))
    calm.advance(3 * 3600)
    busy.advance(3 * 3600)
    again = _world()
    again.advance(3 * 3600)
    assert again.shared.truth() == calm.shared.truth()  # type: ignore[union-attr]
    assert busy.shared.truth()["sales"] > calm.shared.truth()["sales"]  # type: ignore[union-attr]
