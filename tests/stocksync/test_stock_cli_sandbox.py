"""``stock import/links/plan/sync`` and ``prices base/plan/apply`` against the sandbox's
shared shelf, through the real connectors; the next stock read shows the pushes taken."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mpsync.cli import app
from mpsync.sandbox import SandboxConfig, SandboxServer


@pytest.fixture
def shelf() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=5, products=6, shared_stock=(2, 4), orders_per_minute=0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def _config(tmp_path: Path, server: SandboxServer) -> Path:
    path = tmp_path / "mpsync.toml"
    path.write_text(f"""
[store]
url = "sqlite:///{tmp_path / 'store.db'}"

[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t0ken-wb"
api_base_url = "{server.url_for("wildberries")}"

[[accounts]]
id = "oz"
marketplace = "ozon"
client_id = "100001"
api_key = "k3y-ozon"
api_base_url = "{server.url_for("ozon")}"
stock = {{ push = true, buffer = 0, max_listed = 0 }}
prices = {{ markup = "10%", round = "9", min_margin = "0%", old_price = "0%" }}

[[accounts]]
id = "ym"
marketplace = "yandex_market"
api_key = "k3y-ym"
business_id = 1000001
campaign_ids = [21000000]
api_base_url = "{server.url_for("yandex_market")}"

[stock]
source = "ledger"
propagation = "60s"
""", encoding="utf-8")  # fmt: skip
    return path


def _run(config: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == code, result.output
    return result


def _json(config: Path, *args: str) -> Any:
    return json.loads(_run(config, *args, "--json").stdout)


def test_stock_sync_and_prices_apply_through_the_sandbox(shelf: SandboxServer,
                                                         tmp_path: Path) -> None:  # fmt: skip
    config = _config(tmp_path, shelf)
    for stream in ("products", "stock", "prices"):
        _run(config, "sync", "--stream", stream)
    counted = tmp_path / "count.csv"
    counted.write_text("sku,quantity\n" + "".join(f"SKU-{n:04d},1\n" for n in range(1, 7)))
    assert (
        "6 row(s) read, 6 item(s) changed" in _run(config, "stock", "import", str(counted)).stdout
    )
    unlinked = _json(config, "stock", "links", "--unlinked")
    assert [(r["account"], r["sku"]) for r in unlinked] == [("oz", "OZ-0003")]  # no barcode
    plan = _json(config, "stock", "plan")
    # 6 items × 3 accounts at 2-4 units now, 1 on the shelf; Ozon's OZ-0003 is no item of
    # the ledger (unlinked): 17 figures to push.
    assert len(plan) == 17 and {row["target"] for row in plan} == {1}
    assert {r["sku"] for r in plan if r["account"] == "ym"} >= {"SKU-0002-YM"}  # by barcode
    pushed = _json(config, "stock", "sync")
    assert len(pushed["pushed"]) == 17 and pushed["failed"] == [] and pushed["refused"] == {}
    world = shelf.state.world
    assert all(world.stock[mp][p] == 1 for mp in world.stock for p in range(6)
               if (mp, p) != ("ozon", 2))  # fmt: skip
    assert _json(config, "stock", "plan") == []  # sent: nothing more until a read says else
    _run(config, "sync", "--stream", "stock")
    listed = _json(config, "stock", "list", "--limit", "0")
    assert {r["push"] for r in listed if r["push"]} == {"taken"}
    # Prices: Ozon's rule, base 1000 × 1.1 = 1100 → …9 = 1109.
    _run(config, "prices", "base", "SKU-0001", "1000")
    planned = _json(config, "prices", "plan")
    assert [(r["account"], r["sku"], r["target"]) for r in planned] == [
        ("oz", "SKU-0001", "1109.00")
    ]
    applied = _json(config, "prices", "apply")
    assert len(applied["pushed"]) == 1 and applied["failed"] == []
    assert world.price("ozon", 0).price_kop == 110_900
