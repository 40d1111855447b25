"""Issue 11 acceptance, as an operator runs it with the installed ``mpsync`` script:

a fresh demo store, then its printed config pointed at a running sandbox: `prices push`
and `stock push` for a Wildberries SKU succeed and reach the bound nmID / chrtId; for an
unbound SKU they exit non-zero with one line naming the SKU.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import free_port

SCRIPT = Path(sys.executable).parent / "mpsync"


def _mpsync(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """``mpsync sandbox`` (seed 1, the demo's) on a free port, frozen in time."""
    port = free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "sandbox", "--port", str(port), "--seed", "1", "--speed", "0"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/_sandbox/stats", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "no sandbox"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _truth(url: str) -> dict[str, Any]:
    """The sandbox's Wildberries stock (by SKU and warehouse) and prices (by SKU)."""
    truth = httpx.get(f"{url}/_sandbox/truth", params={"marketplace": "wildberries"}).json()
    return {
        "stock": {(r["sku"], r["warehouse_id"]): r["amount"] for r in truth["stock"]},
        "prices": {r["sku"]: Decimal(str(r["price"])) for r in truth["prices"]},
    }


def test_wildberries_pushes_from_a_fresh_demo_store(tmp_path: Path, sandbox_url: str) -> None:
    demo = _mpsync("demo", "--duration", "20", "--db", str(tmp_path / "x" / "demo.db"),
                   cwd=tmp_path, timeout=180)  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    printed = re.search(r"Config \(copy it as a starting point\): (\S+)", demo.stdout)
    assert printed, demo.stdout[-2000:]
    # The demo's own sandbox is gone: point the printed config at the running one.
    text = Path(printed.group(1)).read_text(encoding="utf-8")
    config = tmp_path / "mpsync.toml"
    config.write_text(re.sub(r"http://127\.0\.0\.1:\d+", sandbox_url, text), encoding="utf-8")
    run = lambda *args: _mpsync(*args, "--config", str(config), cwd=tmp_path)  # noqa: E731

    listed = run("products", "list", "--account", "wb-demo", "--limit", "0", "--json")
    assert listed.returncode == 0, listed.stderr
    bound = [p for p in json.loads(listed.stdout) if {"nmID", "chrtId"} <= set(p["ids"])]
    stock = json.loads(run("stock", "list", "--account", "wb-demo", "--limit", "0",
                           "--json").stdout)  # fmt: skip
    stocked = {r["sku"]: r["warehouse"] for r in stock}
    product = next(p for p in bound if p["sku"] in stocked)
    sku, warehouse = product["sku"], stocked[product["sku"]]

    before = _truth(sandbox_url)
    prices = run("prices", "push", "--account", "wb-demo", "--sku", sku, "--price", "1399")
    assert prices.returncode == 0, prices.stderr
    pushed = run("stock", "push", "--account", "wb-demo", "--sku", sku, "--warehouse", warehouse,
                 "--quantity", "5")  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    # The sandbox resolves nmID and chrtId to its own products: the bound ids moved this
    # SKU's figures and no other's (a guessed id changes another product, or nothing).
    after = _truth(sandbox_url)
    assert after["stock"].pop((sku, warehouse)) == 5
    assert after["stock"] == {k: v for k, v in before["stock"].items() if k != (sku, warehouse)}
    # WB takes a whole price before the discount and a whole discount percentage: buyers
    # pay within half a rouble of the asked price (02-products.yaml, upload task).
    assert abs(after["prices"].pop(sku) - Decimal(1399)) <= Decimal("0.5")
    assert after["prices"] == {k: v for k, v in before["prices"].items() if k != sku}
    # The next reads say the marketplace took both, with the ids they were sent to.
    for stream in ("stock", "prices"):
        synced = run("sync", "--account", "wb-demo", "--stream", stream)
        assert synced.returncode == 0, synced.stderr
    for kind, extra in (("prices", ()), ("stock", ("--limit", "0"))):
        listed = run(kind, "list", "--account", "wb-demo", "--sku", sku, *extra, "--json")
        (row,) = [
            r for r in json.loads(listed.stdout) if r.get("warehouse", warehouse) == warehouse
        ]
        assert row["push"] == "taken", row
        assert row["last_push"]["ids"] == product["ids"]

    for args in (["prices", "push", "--price", "100"],
                 ["stock", "push", "--warehouse", warehouse, "--quantity", "1"]):  # fmt: skip
        refused = run(*args[:2], "--account", "wb-demo", "--sku", "NOT-BOUND-1", *args[2:])
        assert refused.returncode == 3  # refused work (README, exit codes): non-zero, one line
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "NOT-BOUND-1" in lines[0], refused.stderr
        assert "Traceback" not in refused.stderr + refused.stdout
