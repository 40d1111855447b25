"""Pushes against the sandbox, per marketplace: sent to the bound ids, recorded, and judged
by the next read (`stock list` / `prices list` column ``push``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mpsync_connectors.wildberries.writes import price_pair, sells_at
from sqlalchemy import Engine

from mpsync.sandbox import SandboxServer
from mpsync.sandbox.sim import PriceRow
from tests.catalog.binding import bind
from tests.sync.conftest import cli_json, run_cli

# account → (marketplace, a push the marketplace refuses).
CASES = {
    "oz": ("ozon", ["prices", "push", "--sku", "SKU-0005", "--price", "10", "--currency", "USD"]),
    "ym": ("yandex_market", ["stock", "push", "--sku", "SKU-0005", "--quantity", "3000000000"]),
    # PUT /api/v3/stocks takes amounts up to 100 000 (02-products.yaml)
    "wb": ("wildberries", ["stock", "push", "--sku", "SKU-0005", "--quantity", "100001"]),
}


# The price pushed to SKU-0003: Wildberries quarantines a price three times below the
# current one (it sells at 4336 in the sandbox), so it gets one it takes.
ASKED = {"wb": "3333"}


def shown(marketplace: str, price: str, old_price: str | None) -> tuple[str, str | None]:
    """(price, old_price) a price read shows after a push of *price*, the old price kept.

    Wildberries takes a whole price before the seller's discount and a whole percentage:
    the pair nearest to the asked figures (``writes.price_pair``) is what it then shows.
    """
    if marketplace != "wildberries":
        return price, old_price
    pair = price_pair(Decimal(price), None if old_price is None else Decimal(old_price))
    return f"{sells_at(*pair)}", (None if old_price is None else f"{pair[0]}.00")


def _row(config: Path, kind: str, account: str, sku: str, warehouse: str = "") -> dict[str, Any]:
    """The SKU's price row, or its stock row at *warehouse* (the seller's: Ozon also lists
    the stock it holds itself, under ``ozon-fbo``; the first numeric one by default)."""
    rows = cli_json(config, kind, "list", "--account", account, "--sku", sku)
    if kind == "stock":
        rows = [r for r in rows if r["warehouse"] == warehouse or
                (not warehouse and r["warehouse"].isdigit())][:1]  # fmt: skip
    (row,) = rows
    return row


def _ok(config: Path, *args: str) -> None:
    result = run_cli(config, *args)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("account", sorted(CASES))
def test_pushes_are_read_back(
    sandbox: SandboxServer, config: Path, store: Engine, account: str
) -> None:
    marketplace, refused = CASES[account]
    for stream in ("stock", "prices"):
        _ok(config, "sync", "--account", account, "--stream", stream)
    warehouse = _row(config, "stock", account, "SKU-0003")["warehouse"]
    before = _row(config, "prices", account, "SKU-0003")
    old_price, min_price = before["old_price"], before["min_price"]
    bind(store, sandbox, account, marketplace, "SKU-0003", "SKU-0004", "SKU-0005")
    push = ("--account", account, "--warehouse", warehouse)
    _ok(config, "stock", "push", *push, "--sku", "SKU-0003", "--quantity", "11")
    _ok(config, "stock", "push", *push, "--sku", "SKU-0004", "--quantity", "12")
    asked = ASKED.get(account, "777")
    _ok(config, "prices", "push", "--account", account, "--sku", "SKU-0003", "--price", asked)
    _ok(config, "prices", "push", "--account", account, "--sku", "SKU-0004", "--price", "500",
        "--clear-old-price")  # fmt: skip
    assert _row(config, "stock", account, "SKU-0003", warehouse)["push"] == "pending"
    # Between the push and the read the marketplace moves on (a sale, an edit in its
    # cabinet): the read shows something else than was sent.
    world = sandbox.state.world
    index = world.product_by("sku", "SKU-0004").index  # type: ignore[union-attr]
    world.stock[marketplace][index] = 3
    result = run_cli(config, refused[0], refused[1], "--account", account, *refused[2:],
                     *(("--warehouse", warehouse) if refused[0] == "stock" else ()))  # fmt: skip
    assert result.exit_code == 3 and "refused" in result.stderr
    for stream in ("stock", "prices"):
        _ok(config, "sync", "--account", account, "--stream", stream)
    assert _row(config, "stock", account, "SKU-0003", warehouse)["push"] == "taken"
    assert (
        _row(config, "stock", account, "SKU-0004", warehouse)["push"]
        == "differs (sent 12, reads 3)"
    )
    price = _row(config, "prices", account, "SKU-0003")
    assert (price["price"], price["old_price"]) == shown(marketplace, f"{asked}.00", old_price)
    assert price["push"] == "taken"
    # The minimum price was not given: the stored one was sent back and stays.
    assert price["min_price"] == min_price == price["last_push"]["sent"].get("min_price")
    assert price["last_push"]["ids"] == bound_ids(store, account, "SKU-0003")
    cleared = _row(config, "prices", account, "SKU-0004")
    assert cleared["push"] == "taken" and cleared["last_push"]["sent"]["old_price"] is None
    # Cleared: no crossed-out price (WB shows its price before a discount of 0 there).
    assert cleared["old_price"] in (None, cleared["price"])
    kind = "stock" if refused[0] == "stock" else "prices"
    assert _row(config, kind, account, "SKU-0005", warehouse)["push"].startswith("refused: ")
    # The marketplace changes the price itself later: the taken push stays taken.
    third = world.product_by("sku", "SKU-0003").index  # type: ignore[union-attr]
    world.set_price(marketplace, third, PriceRow(99900, 99900, 0, 0))
    _ok(config, "sync", "--account", account, "--stream", "prices")
    later = _row(config, "prices", account, "SKU-0003")
    assert Decimal(later["price"]) == Decimal(999) and later["push"] == "taken"


def bound_ids(store: Engine, account: str, sku: str) -> dict[str, str]:
    from mpsync.catalog import resolve

    return dict(resolve(store, account, [sku])[sku].ids)
