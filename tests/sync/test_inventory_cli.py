"""``mpsync stock`` and ``mpsync prices``: list what the reads stored, push, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from mpsync.sandbox import SandboxServer
from tests.catalog.binding import bind, unbind
from tests.sync.conftest import cli_json as _json
from tests.sync.conftest import run_cli as _run


def test_stock_and_prices_list_what_the_reads_stored(sandbox: SandboxServer, config: Path) -> None:
    for stream in ("stock", "prices"):
        assert _run(config, "sync", "--stream", stream).exit_code == 0
    truth = sandbox.state.truth("ozon")
    stock = _json(config, "stock", "list", "--account", "oz", "--limit", "0")
    assert {(r["sku"], r["warehouse"], r["available"]) for r in stock} == {
        (t["sku"], t["warehouse_id"], t["amount"]) for t in truth["stock"]
    }
    low = min(t["amount"] for t in truth["stock"]) + 1
    below = _json(config, "stock", "list", "--account", "oz", "--below", str(low), "--limit", "0")
    assert below and all(r["available"] < low for r in below)
    prices = _json(config, "prices", "list", "--account", "oz", "--limit", "0")
    assert {(r["sku"], r["price"]) for r in prices} == {
        (t["sku"], t["price"]) for t in truth["prices"]
    }
    table = _run(config, "stock", "list", "--limit", "3")
    assert table.exit_code == 0 and "Stock (3)" in table.stdout


def test_push_then_read_shows_the_new_figures(
    sandbox: SandboxServer, config: Path, store: Engine
) -> None:
    for stream in ("stock", "prices"):
        assert _run(config, "sync", "--account", "oz", "--stream", stream).exit_code == 0
    row = sandbox.state.truth("ozon")["stock"][2]
    sku, warehouse = row["sku"], row["warehouse_id"]
    (stored,) = _json(config, "prices", "list", "--account", "oz", "--sku", sku)
    bind(store, sandbox, "oz", "ozon", sku)
    pushed = _run(config, "stock", "push", "--account", "oz", "--sku", sku,
                  "--warehouse", warehouse, "--quantity", "7")  # fmt: skip
    assert pushed.exit_code == 0, pushed.output
    assert "accepted" in pushed.stdout
    priced = _run(config, "prices", "push", "--account", "oz", "--sku", sku, "--price", "1990,50")
    assert priced.exit_code == 0, priced.output
    (price,) = _json(config, "prices", "list", "--account", "oz", "--sku", sku)
    assert price["push"] == "pending"
    assert price["last_push"]["sent"]["old_price"] == stored["old_price"]
    for stream in ("stock", "prices"):
        assert _run(config, "sync", "--account", "oz", "--stream", stream).exit_code == 0
    (stock,) = _json(config, "stock", "list", "--account", "oz", "--sku", sku)
    (price,) = _json(config, "prices", "list", "--account", "oz", "--sku", sku)
    assert (stock["on_hand"], price["price"]) == (7, "1990.50")
    # Without --old-price the crossed-out price stays what the store had.
    assert price["old_price"] == stored["old_price"] is not None
    assert (stock["push"], price["push"]) == ("taken", "taken")
    table = _run(config, "prices", "list", "--account", "oz", "--sku", sku)
    assert "taken" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stock", "push", "--account", "nope", "--sku", "A", "--warehouse", "1",
          "--quantity", "1"], "--account 'nope' is not in the config"),
        (["prices", "push", "--account", "oz", "--sku", "A", "--price", "cheap"],
         "--price 'cheap' is not a number"),
        (["prices", "push", "--account", "oz", "--sku", "A", "--price", "-5"],
         "--price '-5' must be a positive amount"),
        (["prices", "push", "--account", "oz", "--sku", "A", "--price", "5",
          "--currency", "rubles"], "--currency 'rubles' is not an ISO code"),
        (["stock", "push", "--account", "oz", "--sku", "no-such-sku", "--warehouse", "1",
          "--quantity", "1"], "SKU 'no-such-sku' of account 'oz' is not bound"),
        (["prices", "push", "--account", "oz", "--sku", "A", "--price", "5",
          "--old-price", "6", "--clear-old-price"], "not both"),
    ],
)  # fmt: skip
def test_bad_pushes_are_refused_with_a_clear_error(
    config: Path, args: list[str], message: str
) -> None:
    result = _run(config, *args)
    # Exit codes: 2 a usage error; 3 the push could not be made (unbound SKU).
    assert result.exit_code == (3 if "is not bound" in message else 2)
    assert message in result.stderr


def test_resync_order_rereads_named_orders(config: Path, store_url: str) -> None:
    from sqlalchemy import text

    from mpsync.store.engine import create_store_engine

    assert _run(config, "sync", "--account", "oz", "--stream", "orders").exit_code == 0
    engine = create_store_engine(store_url)
    with engine.begin() as connection:
        number, raw = connection.execute(text(
            "SELECT external_id, marketplace_status FROM orders WHERE account_id = 'oz'"
            " ORDER BY id LIMIT 1")).one()  # fmt: skip
        connection.execute(text("UPDATE orders SET marketplace_status = 'bogus'"
                                " WHERE external_id = :n"), {"n": number})  # fmt: skip
    reread = _run(config, "resync", "--account", "oz", "--order", number, "--json")
    assert reread.exit_code == 0, reread.output
    assert json.loads(reread.stdout)[0]["updated"] == 1
    with engine.connect() as connection:
        fixed = connection.execute(text("SELECT marketplace_status FROM orders"
                                        " WHERE external_id = :n"), {"n": number}).scalar_one()  # fmt: skip
    engine.dispose()
    assert fixed == raw
    unknown = _run(config, "resync", "--account", "oz", "--order", "0000-0000-9")
    assert unknown.exit_code == 3 and "0000-0000-9" in unknown.stderr
    both = _run(config, "resync", "--account", "oz", "--order", number, "--since", "2026-01-01")
    assert both.exit_code == 2 and "leave out --since" in both.stderr
    stock = _run(config, "resync", "--account", "oz", "--order", number, "--stream", "stock")
    assert stock.exit_code == 2 and "--stream" in stock.stderr
    neither = _run(config, "resync", "--account", "oz")
    assert neither.exit_code == 2 and "give --since" in neither.stderr


def test_check_online_reaches_every_account(config: Path) -> None:
    result = _run(config, "check", "--online")
    assert result.exit_code == 0, result.output
    for account in ("wb", "oz", "ym"):
        assert account in result.stdout


def test_a_complete_stock_read_zeroes_rows_it_no_longer_lists(
    sandbox: SandboxServer, config: Path, store_url: str
) -> None:
    from sqlalchemy import text

    from mpsync.store.engine import create_store_engine

    assert _run(config, "sync", "--account", "oz", "--stream", "stock").exit_code == 0
    engine = create_store_engine(store_url)
    with engine.begin() as connection:  # a product the marketplace no longer lists
        connection.execute(text(
            "INSERT INTO stock_levels (account_id, sku, warehouse, on_hand, reserved, updated_at)"
            " VALUES ('oz', 'GONE-1', '1', 5, 1, '2026-01-01 00:00:00.000000')"))  # fmt: skip
    assert _run(config, "sync", "--account", "oz", "--stream", "stock").exit_code == 0
    engine.dispose()
    listed = _json(config, "stock", "list", "--account", "oz", "--limit", "0")
    rows = {(r["sku"], r["warehouse"]): r for r in listed}
    assert (rows["GONE-1", "1"]["on_hand"], rows["GONE-1", "1"]["reserved"]) == (0, 0)
    truth = sandbox.state.truth("ozon")["stock"]
    # listed rows kept (Ozon-held FBO rows too)
    assert all(rows[t["sku"], t["warehouse_id"]]["available"] == t["amount"] for t in truth)


def test_products_list_shows_bound_and_unbound_skus(
    sandbox: SandboxServer, config: Path, store: Engine
) -> None:
    for stream in ("orders", "stock"):
        assert _run(config, "sync", "--account", "oz", "--stream", stream).exit_code == 0
    seen = {r["sku"] for r in _json(config, "stock", "list", "--account", "oz", "--limit", "0")}
    # Ozon's stock read names each SKU's product_id: it bound them all. Forget those ids,
    # as for an account whose reads bind nothing, then bind one SKU.
    read = _json(config, "products", "list", "--account", "oz", "--limit", "0")
    assert seen <= {r["sku"] for r in read if set(r["ids"]) == {"product_id", "sku"}}
    unbind(store, "oz")
    bind(store, sandbox, "oz", "ozon", "SKU-0001")
    rows = _json(config, "products", "list", "--account", "oz", "--limit", "0")
    by_sku = {r["sku"]: r for r in rows}
    assert seen <= set(by_sku)  # every SKU a stock read saw is known, bound or not
    first = by_sku["SKU-0001"]
    assert first["bound"] and set(first["ids"]) == {"product_id", "sku"} and first["name"]
    unbound = _json(config, "products", "list", "--account", "oz", "--unbound", "--limit", "0")
    assert {r["sku"] for r in unbound} == set(by_sku) - {"SKU-0001"}
    assert all(not r["bound"] and r["ids"] == {} for r in unbound)
    table = _run(config, "products", "list", "--account", "oz", "--unbound")
    assert table.exit_code == 0 and f"Unbound products ({len(unbound)})" in table.stdout
    assert "oz: bind its SKUs with `mpsync sync --account oz" in table.stdout
    wrong = _run(config, "products", "list", "--account", "nope")
    assert wrong.exit_code == 2 and "--account 'nope' is not in the config" in wrong.stderr


def test_an_unbound_sku_is_refused_in_one_line_before_any_request(
    sandbox: SandboxServer, config: Path, store: Engine
) -> None:
    assert _run(config, "sync", "--account", "oz", "--stream", "prices").exit_code == 0
    unbind(store, "oz")  # the price read bound them (its items name product_id)
    before = dict(sandbox.state.requests)
    for args in (["stock", "push", "--warehouse", "1020005003107121", "--quantity", "3"],
                 ["prices", "push", "--price", "990"]):  # fmt: skip
        result = _run(config, args[0], args[1], "--account", "oz", "--sku", "SKU-0002", *args[2:])
        assert result.exit_code == 3
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "SKU 'SKU-0002'" in lines[0], result.stderr
        assert "mpsync sync --account oz" in lines[0] and "Traceback" not in result.output
    assert dict(sandbox.state.requests) == before  # refused before any request
