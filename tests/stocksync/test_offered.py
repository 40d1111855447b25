"""What a channel is offered: on hand − reserved − buffer (units, or a share rounded up),
capped by max_listed, never below 0; ``[stock] items`` overrides per item."""

from __future__ import annotations

from mpsync.stocksync.plan import offered
from tests.stocksync.fixture import settings


def test_buffers_caps_and_item_overrides() -> None:
    config = settings({"wb": {"buffer": "10%", "max_listed": 5}, "oz": {"buffer": 2}},
                      items={"HOT": {"buffer": 0, "max_listed": 1}})  # fmt: skip
    wb, oz = config.accounts
    stock = config.stock
    assert stock is not None
    assert offered(20, 3, wb, stock, "A") == (
        5,
        "on hand 20 − reserved 3 − buffer 2 (10%) = 15, max listed 5",
    )
    assert offered(4, 1, wb, stock, "A") == (2, "on hand 4 − reserved 1 − buffer 1 (10%) = 2")
    assert offered(1, 0, oz, stock, "A") == (
        0,
        "on hand 1 − reserved 0 − buffer 2 = -1, never below 0 → 0",
    )
    assert offered(2, 3, wb, stock, "A") == (0, "on hand 2 − reserved 3 = -1, never below 0 → 0")
    assert offered(9, 0, oz, stock, "HOT") == (1, "on hand 9 − reserved 0 = 9, max listed 1")
