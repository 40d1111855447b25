"""Wildberries from the command line against the sandbox: the reads bind each SKU to its
nmID/chrtId, pushes go to those ids, an unbound SKU is refused in one line, and the next
read tells whether WB took the push. On SQLite and PostgreSQL.

Sources: ``eslazarev/wildberries-sdk:specs/02-products.yaml`` (goods list ``sizeID`` = the
content API's ``chrtID``; ``POST /api/v2/upload/task`` by ``nmID``; ``PUT
/api/v3/stocks/{warehouseId}`` by ``chrtId``; the price quarantine).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from mpsync_connectors.wildberries.writes import price_pair, sells_at
from sqlalchemy import Engine, text

from mpsync.sandbox import SandboxServer
from tests.sync.conftest import cli_json, run_cli

MP = "wildberries"


def _ok(config: Path, *args: str) -> str:
    result = run_cli(config, *args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_reads_bind_every_sku_to_its_ids_names_and_barcodes(
    sandbox: SandboxServer, config: Path, store: Engine
) -> None:
    _ok(config, "resync", "--account", "wb", "--stream", "orders", "--since", "2026-10-01",
        "--until", "2026-11-02")  # the sandbox's history  # fmt: skip
    _ok(config, "sync", "--account", "wb", "--stream", "prices")  # the goods list: ids
    rows = {r["sku"]: r for r in cli_json(config, "products", "list", "--account", "wb")}
    catalog = sandbox.state.world.catalog
    assert set(rows) == {p.sku for p in catalog}
    for product in catalog:
        ids = {"nmID": str(product.nm_id), "chrtId": str(product.chrt_id)}
        assert rows[product.sku]["ids"] == ids and rows[product.sku]["bound"]
    _ok(config, "sync", "--account", "wb", "--stream", "products")  # the cards: names, barcodes
    rows = {r["sku"]: r for r in cli_json(config, "products", "list", "--account", "wb")}
    for product in catalog:
        assert (rows[product.sku]["name"], rows[product.sku]["barcodes"]) == (
            product.name,
            [product.barcode],
        )
    # WB tasks carry no product name: the order lines take the catalogue's.
    with store.connect() as connection:
        lines = connection.execute(text(
            "SELECT l.sku, l.name FROM order_lines l JOIN orders o ON o.id = l.order_id"
            " WHERE o.account_id = 'wb'")).all()  # fmt: skip
    names = {p.sku: p.name for p in catalog}
    assert lines and all(name == names[sku] for sku, name in lines)


def test_pushes_go_to_the_bound_ids_and_are_read_back(sandbox: SandboxServer, config: Path) -> None:
    """``prices push`` / ``stock push`` for SKU-0001 (nmID 140000003, chrtId 250000007 in
    the sandbox, both unlike the vendorCode) change that card and nothing else."""
    world = sandbox.state.world
    product = world.product_by("sku", "SKU-0001")
    assert product is not None and str(product.nm_id) not in product.sku
    for stream in ("prices", "stock"):
        _ok(config, "sync", "--account", "wb", "--stream", stream)
    stock_before, prices_before = list(world.stock[MP]), [world.price(MP, i) for i in range(40)]
    old = Decimal(world.price(MP, product.index).old_price_kop) / 100
    warehouse = str(world.warehouses.wb_id)
    out = _ok(config, "stock", "push", "--account", "wb", "--sku", "SKU-0001",
              "--warehouse", warehouse, "--quantity", "5")  # fmt: skip
    assert "1 stock level(s) sent" in out
    asked = Decimal("3999")  # not a third of the price it sells at: no quarantine
    out = _ok(config, "prices", "push", "--account", "wb", "--sku", "SKU-0001", "--price", "3999")
    price, discount = price_pair(asked, old)
    assert f"price {price} − {discount}% = {sells_at(price, discount)}" in out
    # the sandbox changed exactly the bound card and size
    assert world.stock[MP][product.index] == 5
    assert [a for i, a in enumerate(world.stock[MP]) if i != product.index] == [
        a for i, a in enumerate(stock_before) if i != product.index
    ]
    row = world.price(MP, product.index)
    assert (row.old_price_kop, row.discount) == (price * 100, discount)
    assert [world.price(MP, i) for i in range(40) if i != product.index] == [
        p for i, p in enumerate(prices_before) if i != product.index
    ]
    for stream in ("prices", "stock"):
        _ok(config, "sync", "--account", "wb", "--stream", stream)
    (shown,) = cli_json(config, "prices", "list", "--account", "wb", "--sku", "SKU-0001")
    assert (shown["price"], shown["push"]) == (f"{sells_at(price, discount)}", "taken")
    assert shown["last_push"]["ids"] == {"nmID": str(product.nm_id), "chrtId": str(product.chrt_id)}
    (stock,) = cli_json(config, "stock", "list", "--account", "wb", "--sku", "SKU-0001")
    assert (stock["on_hand"], stock["push"]) == (5, "taken")


def test_a_quarantined_price_reads_back_as_differing(sandbox: SandboxServer, config: Path) -> None:
    """ "Если новая цена со скидкой будет хотя бы в 3 раза меньше старой, она попадёт в
    карантин": WB accepts the upload, keeps selling at the old price, and the next read
    shows that the push was not taken."""
    _ok(config, "sync", "--account", "wb", "--stream", "prices")
    (before,) = cli_json(config, "prices", "list", "--account", "wb", "--sku", "SKU-0002")
    cheap = f"{Decimal(before['price']) / 4:.0f}"
    _ok(config, "prices", "push", "--account", "wb", "--sku", "SKU-0002", "--price", cheap)
    _ok(config, "sync", "--account", "wb", "--stream", "prices")
    (after,) = cli_json(config, "prices", "list", "--account", "wb", "--sku", "SKU-0002")
    assert after["price"] == before["price"]
    assert after["push"].startswith("differs")


def test_an_unbound_sku_is_refused_in_one_line(sandbox: SandboxServer, config: Path) -> None:
    before = dict(sandbox.state.requests)
    for args in (
        ["stock", "push", "--warehouse", "658434", "--quantity", "3"],
        ["prices", "push", "--price", "990"],
    ):
        result = run_cli(
            config, args[0], args[1], "--account", "wb", "--sku", "SKU-0002", *args[2:]
        )
        assert result.exit_code != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "SKU-0002" in lines[0], result.stderr
        assert "mpsync sync --account wb --stream products" in lines[0]
    assert dict(sandbox.state.requests) == before  # nothing reached WB
