"""``mpsync run`` with ``[stock]``: the daemon reads the listings, then propagates the
ledger's figure to every channel, and still stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from mpsync.sandbox import SandboxConfig, SandboxServer
from tests.daemon.test_run import ROOT, _free_port


def test_the_daemon_propagates_the_ledger_to_every_channel(tmp_path: Path) -> None:
    config = SandboxConfig(seed=5, products=4, shared_stock=(3, 5), orders_per_minute=0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        port, cfg = _free_port(), tmp_path / "mpsync.toml"
        poll = 'poll = { orders = "1m", stock = "2s", products = "2s", jitter = "0s" }\n'
        cfg.write_text(
            f'[store]\nurl = "sqlite:///{tmp_path / "daemon.db"}"\n[server]\nport = {port}\n'
            '[stock]\nsource = "ledger"\npropagation = "1s"\n'
            '[[accounts]]\nid = "wb"\nmarketplace = "wildberries"\ntoken = "t0ken-wb"\n'
            f'api_base_url = "{server.url_for("wildberries")}"\n{poll}'
            '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\nclient_id = "1"\napi_key = "k"\n'
            f'api_base_url = "{server.url_for("ozon")}"\n{poll}',
            encoding="utf-8",
        )  # fmt: skip
        counted = tmp_path / "count.csv"
        counted.write_text("".join(f"SKU-{n:04d},1\n" for n in range(1, 5)), encoding="utf-8")
        run = [sys.executable, "-m", "mpsync"]
        subprocess.run([*run, "stock", "import", str(counted), "--config", str(cfg)],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        process = subprocess.Popen([*run, "run", "--config", str(cfg)], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        world = server.state.world
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                if all(world.stock[mp][p] == 1 for mp in ("wildberries", "ozon")
                       for p in range(4) if (mp, p) != ("ozon", 2)):  # fmt: skip
                    break
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        stderr = process.stderr.read() if process.stderr else ""
        assert code == 0, stderr[-2000:]
        assert [world.stock["wildberries"][p] for p in range(4)] == [1, 1, 1, 1], stderr[-2000:]
        # Ozon lists the third product as OZ-0003 (no barcode, no links.csv): left alone.
        assert [world.stock["ozon"][p] for p in (0, 1, 3)] == [1, 1, 1]
        assert world.stock["ozon"][2] == world.shared.shelf[2] > 1  # type: ignore[union-attr]
        assert "stock propagated" in stderr
