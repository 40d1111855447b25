"""``mpsync run`` as a real process: serves, syncs on schedule, stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from tests.sync.conftest import T0, store_orders, truth_orders

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_daemon_syncs_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = SandboxConfig(seed=5, backlog=600, orders_per_minute=0, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        port, db = _free_port(), tmp_path / "daemon.db"
        cfg = tmp_path / "mpsync.toml"
        cfg.write_text(
            f'[store]\nurl = "sqlite:///{db}"\n[server]\nport = {port}\n'
            '[logging]\nformat = "json"\nlevel = "info"\n'
            '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\nclient_id = "1"\napi_key = "k3y-ozon"\n'
            f'api_base_url = "{server.url_for("ozon")}"\n'
            'poll = { orders = "1s", history = "60d", jitter = "0s" }\n'
            'webhook = { token = "hook-secret" }\n'
        )
        process = subprocess.Popen([sys.executable, "-m", "mpsync", "run", "--config", str(cfg)],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            engine = create_store_engine(f"sqlite:///{db}")
            while time.monotonic() < deadline:
                try:
                    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code
                except httpx.HTTPError:
                    ready = 0
                if ready == 200 and db.exists() and _runs(engine) >= 2:
                    break
                time.sleep(0.1)
            assert ready == 200, process.stderr.read() if process.poll() is not None else ""
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        stderr = process.stderr.read() if process.stderr else ""
        assert code == 0, stderr[-2000:]
        assert '"event": "stopped"' in stderr
        assert store_orders(engine) == {k: v for k, v in truth_orders(server).items()
                                        if k[0] == "ozon"}  # fmt: skip
        with engine.connect() as connection:
            running = connection.execute(
                text("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'running'")
            ).scalar_one()
        assert running == 0
        engine.dispose()


def _runs(engine: object) -> int:
    try:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            return int(connection.execute(
                text("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'ok'")).scalar_one())  # fmt: skip
    except Exception:
        return 0


def test_a_part_that_fails_to_import_stops_mpsync_run_naming_it() -> None:
    """Issue 15: a broken install never runs silently without a part (auto-confirm,
    invoices, retention): ``mpsync run`` stops with one line naming the part and why."""
    import pytest

    from mpsync.daemon import PARTS, BrokenInstall, require_parts

    require_parts()  # this install has every part
    assert "mpsync.workflow" in PARTS and "mpsync.invoicing" in PARTS
    with pytest.raises(BrokenInstall) as caught:
        require_parts(("mpsync.workflow", "mpsync.no_such_part"))
    assert "mpsync.no_such_part failed to import" in str(caught.value)


def test_every_part_the_daemon_imports_late_is_checked_before_it_starts() -> None:
    """A module ``daemon.py`` imports inside a method (the mail and Telegram reply readers,
    stock sync, the digest...) is loaded by ``require_parts``: a broken one stops ``mpsync
    run`` at start with its name, never half-way through starting its tasks."""
    import ast

    import mpsync.daemon

    tree = ast.parse(Path(mpsync.daemon.__file__).read_text(encoding="utf-8"))
    late = {
        node.module
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mpsync")
    }
    assert {"mpsync.inbox.mailbox", "mpsync.inbox.telegram", "mpsync.workflow"} <= late
    probe = (
        "import sys\n"
        "from mpsync.daemon import require_parts\n"
        "require_parts()\n"
        f"missing = sorted(m for m in {sorted(late)!r} if m not in sys.modules)\n"
        "print(','.join(missing))\n"
    )
    # A fresh interpreter: this one has imported everything already.
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    assert done.stdout.strip() == "", f"not checked by require_parts: {done.stdout.strip()}"
