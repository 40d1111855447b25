"""Issue 13 point 2: an interrupted resync resumes its saved window; Ctrl-C says where.

The window, "until" included, is saved when the resync starts, so the same command
run later (when "now" has moved) resumes instead of starting again from day 1.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.sync.service import SyncService
from tests.operator.conftest import SCRIPT, write_config
from tests.sync.conftest import T0, make_settings, store_orders, truth_orders

SINCE = (T0 - timedelta(days=30)).date().isoformat()


def _count(url: str) -> int:
    engine = create_store_engine(url, create=False)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM orders")).scalar_one())
    finally:
        engine.dispose()


def test_ctrl_c_says_where_and_the_same_command_resumes(tmp_path: Path, home: Path) -> None:
    config = SandboxConfig(seed=5, backlog=2500, orders_per_minute=0, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        cfg = write_config(tmp_path, '[logging]\nformat = "json"\nlevel = "warning"\n'
                           '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\nclient_id = "100001"\n'
                           f'api_key = "k3y-ozon"\napi_base_url = "{server.url_for("ozon")}"\n')  # fmt: skip
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(create_store_engine(url))
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
        base = [str(SCRIPT), "resync", "--config", str(cfg), "--account", "oz", "--since", SINCE]
        first = subprocess.Popen([*base, "--until", T0.isoformat()], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 90
        while _count(url) < 400 and first.poll() is None:
            assert time.monotonic() < deadline, "resync made no progress"
            time.sleep(0.02)
        assert first.poll() is None, "the resync finished before Ctrl-C"
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        stopped = err.split("interrupted at day ")[1].split("/")
        day, total = int(stopped[0]), int(stopped[1].split()[0])
        assert total == 31 and 1 <= day < total
        assert f"of {SINCE} → 2026-11-01T12:00+00:00" in err
        # The hint works in a fresh shell: the script's absolute path (no venv on PATH).
        assert f"resume:\n  {SCRIPT} resync --config {cfg} --account oz --since {SINCE}" in err

        # Later, without --until: the saved window resumes, it does not restart.
        second = subprocess.run(base, env=env, text=True, capture_output=True, timeout=120,
                                check=False)  # fmt: skip
        assert second.returncode == 0, second.stderr
        resumed = f"resuming {SINCE} → 2026-11-01T12:00+00:00 from day "
        assert resumed in second.stdout, second.stdout
        from_day = int(second.stdout.split(resumed)[1].split("/")[0])
        assert day <= from_day <= day + 1
        engine = create_store_engine(url)
        truth = {k: v for k, v in truth_orders(server).items() if k[0] == "ozon"}
        assert store_orders(engine) == truth
        engine.dispose()


def test_plan_resumes_the_same_window_and_restart_starts_over(tmp_path: Path) -> None:
    config = SandboxConfig(seed=7, backlog=30, orders_per_minute=0, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        url = f"sqlite:///{tmp_path / 's.db'}"
        engine = create_store_engine(url)
        upgrade(engine)
        settings = make_settings(server, url)
        now = [T0]

        async def no_sleep(_: float) -> None:
            return None

        service = SyncService(Runtime.build(engine, settings, clock=lambda: now[0], sleep=no_sleep))
        service.runtime.register_accounts()
        account = settings.account("oz")
        since = T0 - timedelta(days=10)

        async def scenario() -> None:
            plan = await service.plan_resync(account, "orders", since)
            assert (plan.day, plan.total, plan.resumed) == (1, 10, False)
            # Saved at start: an interrupted run before any page still resumes.
            await asyncio.to_thread(service._save_window, account.id, "resync:orders",
                                    {**plan.meta(), "chunk_since": (since + timedelta(days=4))
                                     .isoformat(), "resume": None})  # fmt: skip
            now[0] += timedelta(days=2)  # "now" moves on
            again = await service.plan_resync(account, "orders", since)
            assert (again.resumed, again.day, again.until) == (True, 5, plan.until)
            fresh = await service.plan_resync(account, "orders", since, restart=True)
            assert (fresh.resumed, fresh.day, fresh.total) == (False, 1, 12)
            other = await service.plan_resync(account, "orders", since + timedelta(days=1))
            assert not other.resumed and other.replaced is not None
            result = await service.resync(account, "orders", since, plan=again)
            assert result.outcome == "ok"
            done = await service.plan_resync(account, "orders", since)
            assert not done.resumed and done.replaced is None  # finished windows are dropped
            await service.runtime.aclose()

        asyncio.run(scenario())
        engine.dispose()
