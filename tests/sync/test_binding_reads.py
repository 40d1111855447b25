"""The catalogue filled by the marketplaces' own reads (sandbox, SQLite and PostgreSQL):
a products sync binds every SKU the other streams saw, and Wildberries order lines, whose
tasks carry no product names, take the catalogue's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from mpsync.sandbox import SandboxServer
from tests.sync.conftest import cli_json, run_cli

# The ids each marketplace's write-backs need (PLAN "Product binding").
NEEDED = {"wb": {"nmID", "chrtId"}, "oz": {"product_id"}, "ym": {"offerId"}}


@pytest.mark.parametrize("account", sorted(NEEDED))
def test_a_products_sync_binds_what_the_other_reads_saw(
    sandbox: SandboxServer, config: Path, store: Engine, account: str
) -> None:
    # A month of orders (the config reads one day of history for wb), then stock and prices.
    resync = run_cli(config, "resync", "--account", account, "--since", "2026-10-01")
    assert resync.exit_code == 0, resync.output
    for stream in ("stock", "prices"):
        assert run_cli(config, "sync", "--account", account, "--stream", stream).exit_code == 0
    assert run_cli(config, "sync", "--account", account, "--stream", "products").exit_code == 0
    products = cli_json(config, "products", "list", "--account", account, "--limit", "0")
    assert products and cli_json(config, "products", "list", "--account", account,
                                 "--unbound", "--limit", "0") == []  # fmt: skip
    catalog = {p.sku: p for p in sandbox.state.world.catalog}
    for row in products:
        assert NEEDED[account] <= set(row["ids"]), row
        assert row["name"] == catalog[row["sku"]].name
    with store.connect() as connection:
        lines = connection.execute(text(
            "SELECT l.sku, l.name FROM order_lines l JOIN orders o ON o.id = l.order_id"
            " WHERE o.account_id = :account"), {"account": account}).all()  # fmt: skip
    assert lines and all(name == catalog[sku].name for sku, name in lines)
