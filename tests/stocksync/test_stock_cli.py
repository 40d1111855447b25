"""``mpsync stock set/adjust/links/plan`` through the installed script (SQLite)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from tests.stocksync.fixture import add_accounts, add_listings

SCRIPT = Path(sys.executable).parent / "mpsync"
CONFIG = """
[store]
url = "sqlite:///{db}"

[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t"

[[accounts]]
id = "oz"
marketplace = "ozon"
client_id = "1"
api_key = "k"
stock = {{ push = true, buffer = "50%", max_listed = 0 }}

[stock]
source = "ledger"
propagation = "60s"
"""


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args, "--config", str(config)], capture_output=True,
                          text=True, timeout=60, check=False, env={"PATH": "/usr/bin:/bin",
                          "HOME": str(config.parent), "LANG": "C.UTF-8", "TZ": "UTC"})  # fmt: skip


def test_set_adjust_links_and_plan_json(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    config = tmp_path / "mpsync.toml"
    config.write_text(CONFIG.format(db=db), encoding="utf-8")
    engine = create_store_engine(f"sqlite:///{db}", create=True)
    upgrade(engine)
    add_accounts(engine, ["wb", "oz"])
    add_listings(engine, [("wb", "A", ("46001",), 0), ("oz", "A-OZ", ("46001",), 0),
                          ("oz", "LONE", (), 1)])  # fmt: skip
    engine.dispose()
    done = _run(config, "stock", "set", "A-OZ", "5", "--reason", "count")
    assert done.returncode == 0, done.stderr
    assert "A: unset → 5 (count)" in done.stdout  # A-OZ names item A (shared barcode)
    done = _run(config, "stock", "adjust", "A", "-2", "--reason", "broken in the warehouse")
    assert done.returncode == 0 and "A: 5 → 3" in done.stdout, done.stderr
    done = _run(config, "stock", "adjust", "A", "-9", "--reason", "oops")
    assert done.returncode == 2 and "would go below 0" in done.stderr
    links = json.loads(_run(config, "stock", "links", "--json").stdout)
    assert {(r["account"], r["sku"], r["item"], r["linked_by"]) for r in links} == {
        ("wb", "A", "A", "barcode"),
        ("oz", "A-OZ", "A", "barcode"),
        ("oz", "LONE", "LONE", ""),
    }
    unlinked = json.loads(_run(config, "stock", "links", "--unlinked", "--json").stdout)
    assert [r["sku"] for r in unlinked] == ["LONE"]
    plan = json.loads(_run(config, "stock", "plan", "--json").stdout)
    assert plan == [
        {"account": "oz", "sku": "A-OZ", "warehouse": "22142605386000", "current": 0,
         "target": 1, "reason": "on hand 3 − reserved 0 − buffer 2 (50%) = 1"},
        {"account": "wb", "sku": "A", "warehouse": "507", "current": 0, "target": 3,
         "reason": "on hand 3 − reserved 0 = 3"},
    ]  # fmt: skip
