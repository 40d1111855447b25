"""Issue 14, point 3: one daemon per SQLite store; CLI commands run beside it.

Real processes on one SQLite file: a second ``mpsync run`` exits 2 at once naming the
first; ``resync``, ``sync``, ``deadletters retry`` and ``db prune`` complete beside the
daemon without "database is locked", and every run keeps its own outcome (a resync
used to relabel the daemon's live run "interrupted").
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from mpsync.coordination import Identity
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from tests.e2e.conftest import free_port, ready
from tests.sync.conftest import T0

ROOT = Path(__file__).parents[2]


def _config(path: Path, db: Path, server: SandboxServer, port: int) -> Path:
    path.write_text(
        f'[store]\nurl = "sqlite:///{db}"\n[server]\nport = {port}\n'
        '[logging]\nformat = "json"\nlevel = "info"\n[coordination]\nlease = "5s"\n'
        '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\nclient_id = "1"\napi_key = "k3y-ozon"\n'
        f'api_base_url = "{server.url_for("ozon")}"\n'
        'poll = { orders = "1s", stock = "1h", prices = "1h", history = "30d", jitter = "0s" }\n',
        encoding="utf-8",
    )
    return path


def _mpsync(*args: str) -> list[str]:
    return [sys.executable, "-m", "mpsync", *args]


@contextmanager
def _daemon(config: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(_mpsync("run", "--config", str(config)), cwd=ROOT,
                                   stdout=sink, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not ready(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield process
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _runs(engine: Engine) -> list[tuple[str, str, str, datetime, datetime | None]]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT kind, outcome, COALESCE(error, ''), started_at, finished_at FROM sync_runs "
            "WHERE stream = 'orders' ORDER BY id")).all()  # fmt: skip
    return [(r[0], r[1], r[2], _at(r[3]), _at(r[4]) if r[4] else None) for r in rows]


def _at(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def test_a_second_daemon_on_one_sqlite_store_exits_2_naming_the_first(tmp_path: Path) -> None:
    config = SandboxConfig(seed=3, backlog=50, orders_per_minute=0, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        port = free_port()
        cfg = _config(tmp_path / "mpsync.toml", tmp_path / "one.db", server, port)
        with _daemon(cfg, port, tmp_path / "first.log") as first:
            started = time.monotonic()
            second = subprocess.run(_mpsync("run", "--config", str(cfg)), cwd=ROOT,
                                    capture_output=True, text=True, timeout=30)  # fmt: skip
            took = time.monotonic() - started
            assert ready(port), "the first daemon must be unaffected"
    assert second.returncode == 2, second.stderr
    # Besides JSON log events (the "mpsync starting" line), exactly one error line.
    events = [json.loads(line) for line in second.stderr.splitlines() if line.startswith("{")]
    assert [e["event"] for e in events] == ["mpsync starting"], second.stderr
    lines = [line for line in second.stderr.splitlines()
             if line.strip() and not line.startswith("{")]  # fmt: skip
    assert len(lines) == 1, second.stderr
    host = Identity.of_this_process().host
    assert f"error: another mpsync run ({host}:{first.pid}, since 20" in lines[0]
    assert "holds this store" in lines[0]
    assert "Traceback" not in second.stderr + second.stdout
    # At once: before any work (its time is the interpreter's start on a busy machine).
    assert took < 30, f"the second daemon took {took:.1f}s to give up"
    assert "mpsync running" not in second.stdout + second.stderr


def test_cli_commands_beside_the_daemon_complete_and_keep_their_runs(tmp_path: Path) -> None:
    config = SandboxConfig(seed=4, backlog=1500, backlog_days=20, orders_per_minute=0,
                           start_time=T0, rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        port, db = free_port(), tmp_path / "beside.db"
        cfg = _config(tmp_path / "mpsync.toml", db, server, port)
        engine = create_store_engine(f"sqlite:///{db}")
        outputs, seen = [], set()
        with _daemon(cfg, port, tmp_path / "daemon.log"):
            since = (T0 - timedelta(days=25)).date().isoformat()
            for args in (("resync", "--account", "oz", "--since", since, "--json"),
                         ("sync", "--account", "oz", "--json"), ("deadletters", "retry", "--all"),
                         ("db", "prune", "--older-than", "1d")):  # fmt: skip
                command = subprocess.Popen(_mpsync(*args, "--config", str(cfg)), cwd=ROOT,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True)  # fmt: skip
                while command.poll() is None:  # what an operator would see meanwhile
                    seen |= {outcome for _, outcome, *_ in _runs(engine)}
                    time.sleep(0.05)
                stdout, stderr = command.communicate(timeout=120)
                outputs.append(stdout + stderr)
                assert command.returncode == 0, (args, stdout[-2000:], stderr[-2000:])
            runs = _runs(engine)
        engine.dispose()
    assert not any("locked" in output for output in outputs), outputs
    # Nobody's live run was ever relabelled "interrupted", not even for a moment.
    assert seen <= {"running", "ok"}, seen
    resyncs = [run for run in runs if run[0] == "resync"]
    syncs = [run for run in runs if run[0] == "sync"]
    assert [(kind, outcome) for kind, outcome, *_ in resyncs] == [("resync", "ok")]
    # Every sync run (the daemon's and the CLI's) ended ok: none was relabelled, none failed.
    assert {outcome for _, outcome, *_ in syncs} == {"ok"}, [r for r in syncs if r[1] != "ok"]
    # And they really overlapped: the daemon synced while the resync ran.
    _, _, _, resync_start, resync_end = resyncs[0]
    assert resync_end is not None
    assert any(resync_start < start < resync_end for _, _, _, start, _ in syncs), runs
