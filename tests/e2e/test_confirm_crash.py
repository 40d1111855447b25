"""Issue 12, point 6: ``kill -9`` mid-confirm; after a restart every order is confirmed, once.

A real ``mpsync run`` auto-confirms Wildberries tasks against the sandbox, whose every
answer is slowed so the kill lands while confirm calls are in flight: some went through
at the marketplace but were never recorded, the rest of the claimed rows stay
``pending`` under the dead process's lease. The restarted daemon (same machine: the dead
pid frees that lease at once) reads those orders back, settles the ones already
confirmed, and confirms the rest — no task is added to a supply twice, none is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from tests.e2e.conftest import free_port, ready

ROOT = Path(__file__).parents[2]


def _config(path: Path, db: Path, server: SandboxServer, port: int) -> Path:
    path.write_text(
        f'[store]\nurl = "sqlite:///{db}"\n[server]\nhost = "127.0.0.1"\nport = {port}\n'
        '[logging]\nformat = "json"\nlevel = "info"\n[coordination]\nlease = "3s"\n'
        '[workflow]\nauto_confirm = ["wb"]\ninterval = "1s"\n'
        '[[accounts]]\nid = "wb"\nmarketplace = "wildberries"\ntoken = "t0ken-wb"\n'
        f'api_base_url = "{server.url_for("wildberries")}"\n'
        'poll = { orders = "1s", stock = "1h", prices = "1h", history = "1d", jitter = "0s" }\n',
        encoding="utf-8",
    )
    return path


def _count(engine: Engine, sql: str) -> int:
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    except OperationalError:
        return -1  # not created yet, or busy: proves nothing either way


def _start(cfg: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "mpsync", "run", "--config", str(cfg)],
                                cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)  # fmt: skip


def _wait(condition: Callable[[], bool], seconds: float, process: subprocess.Popen[bytes],
          log: Path, what: str) -> None:  # fmt: skip
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"daemon exited waiting for {what}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()}"
        time.sleep(0.02)


def test_kill_mid_confirm_then_restart_confirms_every_order_once(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(seed=31, backlog=0, orders_per_minute=4, start_time=start,
                           rate_limit_scale=0)  # fmt: skip
    config.faults.slow_rate, config.faults.slow_seconds = 1.0, 0.1
    with SandboxServer(config) as server:
        server.state.advance(10)  # a burst of new tasks, then the world stands still
        world = server.state.world
        tasks = len(world.tables["wildberries"])
        port, db, log = free_port(), tmp_path / "confirm.db", tmp_path / "daemon.log"
        cfg = _config(tmp_path / "mpsync.toml", db, server, port)
        engine = create_store_engine(f"sqlite:///{db}")
        daemon = _start(cfg, log)
        try:
            confirmed = lambda: sum(len(rows) for rows in world.supplies.values())  # noqa: E731
            ok = "SELECT COUNT(*) FROM write_backs WHERE state = 'ok'"
            # Kill while calls the marketplace took are not recorded yet: the worst moment.
            _wait(lambda: _count(engine, ok) >= 4 and confirmed() > _count(engine, ok), 60,
                  daemon, log, "confirm calls in flight")  # fmt: skip
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=10)
            at_kill = {
                "confirmed at the marketplace": confirmed(),
                "recorded ok": _count(engine, ok),
                "left pending": _count(engine, "SELECT COUNT(*) FROM write_backs "
                                               "WHERE state = 'pending'"),
            }  # fmt: skip
            daemon = _start(cfg, log)
            _wait(lambda: ready(port) and _count(engine, ok) == tasks, 60, daemon, log,
                  "every task confirmed")  # fmt: skip
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=40) == 0, log.read_text()[-3000:]
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        with engine.connect() as connection:
            states = Counter(dict(connection.execute(text(
                "SELECT state || ':' || attempts, COUNT(*) FROM write_backs GROUP BY 1")).all()))  # fmt: skip
        settled = _count(engine, "SELECT COUNT(*) FROM write_backs "
                                 "WHERE message LIKE '%not called again%'")  # fmt: skip
        engine.dispose()
        in_supplies = Counter(row for rows in world.supplies.values() for row in rows)
        refused = {endpoint: counts for endpoint, counts in server.state.stats()["endpoints"].items()
                   if "409" in counts}  # fmt: skip
    print(
        f"\nWB tasks {tasks}; at the kill: {at_kill}; after the restart: settled by "
        f"read-back {settled}, write-backs {dict(states)}"
    )
    assert at_kill["left pending"] > 0, "the kill did not land mid-confirm"
    assert at_kill["confirmed at the marketplace"] > at_kill["recorded ok"]
    # Every task was confirmed, each exactly once at the marketplace.
    assert len(in_supplies) == tasks and set(in_supplies.values()) == {1}
    assert refused == {}
    assert states == {"ok:1": tasks}
    # The calls that got through before the kill were read back, not repeated.
    assert settled == at_kill["confirmed at the marketplace"] - at_kill["recorded ok"]
