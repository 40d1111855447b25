"""``mpsync run`` killed with SIGKILL while notifications are in flight, restarted, drained.

The sandbox keeps creating orders (speed > 0) and the daemon posts ``order.created`` and
``order.cancelled`` to a local webhook receiver. After each crash the leases of the rows it
left ``sending`` are expired by hand (waiting the real 5 minutes would not fit a test);
then nothing may be lost, and only rows that were in flight may arrive twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import OperationalError

from mpsync.notify.outbox import OUTBOX
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.store.engine import create_store_engine
from tests.e2e.conftest import WebhookSink, free_port

ROOT = Path(__file__).parents[2]
SECRET = "crash-hook-s3cret"
ROUTED = ("order.created", "order.cancelled")
ACCOUNTS = ("oz", "wb")
CRASHES = 3


def write_config(path: Path, db: Path, server: SandboxServer, port: int, hook: str) -> None:
    creds = server.config.credentials
    poll = 'poll = { orders = "1s", stock = "1h", prices = "1h", history = "1d", jitter = "0s" }'
    path.write_text(
        f'[store]\nurl = "sqlite:///{db}"\n[server]\nhost = "127.0.0.1"\nport = {port}\n'
        '[logging]\nformat = "json"\nlevel = "info"\n'
        '[[accounts]]\nid = "oz"\nmarketplace = "ozon"\n'
        f'client_id = "{creds.ozon_client_id}"\napi_key = "{creds.ozon_api_key}"\n'
        f'api_base_url = "{server.url_for("ozon")}"\n{poll}\n'
        '[[accounts]]\nid = "wb"\nmarketplace = "wildberries"\n'
        f'token = "{creds.wb_token}"\napi_base_url = "{server.url_for("wildberries")}"\n{poll}\n'
        '[[notifications.channels]]\nname = "hook"\ntype = "webhook"\n'
        f'url = "{hook}"\nsecret = "{SECRET}"\ntimeout = 5\n'
        f"[[notifications.rules]]\nevents = {list(ROUTED)!r}\n".replace("'", '"')
        + 'channels = ["hook"]\n',
        encoding="utf-8",
    )


class Daemon:
    """One ``mpsync run`` process at a time, its log appended to one file."""

    def __init__(self, config: Path, log: Path, port: int) -> None:
        self.config, self.log, self.port = config, log, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mpsync", "run", "--config", str(self.config)],
                cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=40)

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def _query(engine: Engine, sql: str, *, strict: bool = True) -> list[tuple[object, ...]]:
    """Rows of *sql*; unless *strict*, an unreadable store (not created yet) reads as empty."""
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql)).all()]
    except Exception:
        if strict:
            raise
        return []


def _ok_runs(engine: Engine, since: datetime | None = None) -> set[str]:
    rows = _query(engine, "SELECT account_id, started_at FROM sync_runs "
                          "WHERE outcome = 'ok' AND stream = 'orders'", strict=False)  # fmt: skip
    found = set()
    for account, started in rows:
        at = datetime.fromisoformat(str(started))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        if since is None or at > since:
            found.add(str(account))
    return found


def _in_flight(engine: Engine) -> Counter[str]:
    rows = _query(engine, "SELECT state, COUNT(*) FROM outbox "
                          "WHERE state IN ('pending', 'sending') GROUP BY state")  # fmt: skip
    return Counter({str(state): int(str(count)) for state, count in rows})


def _wait(condition: object, seconds: float, daemon: Daemon, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except OperationalError:
            pass  # the store is busy: a locked read proves nothing either way
        assert daemon.alive(), f"daemon exited while waiting for {what}:\n{daemon.tail()}"
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}:\n{daemon.tail()}")


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def _expire_leases(engine: Engine) -> list[str]:
    """What the crash left in flight; make it due now, as the lease running out would."""
    with engine.begin() as connection:
        keys = list(connection.execute(
            select(OUTBOX.c.dedupe_key).where(OUTBOX.c.state == "sending")).scalars())  # fmt: skip
        connection.execute(
            update(OUTBOX).where(OUTBOX.c.state == "sending")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )  # fmt: skip
    return [str(key) for key in keys]


def test_sigkill_mid_dispatch_loses_nothing_and_duplicates_only_in_flight_rows(
    tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    webhook_sink.delay = 0.03
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    config = SandboxConfig(seed=21, backlog=60, backlog_days=1, orders_per_minute=90,
                           start_time=start, speed=1, rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        port, db, cfg = free_port(), tmp_path / "crash.db", tmp_path / "mpsync.toml"
        write_config(cfg, db, server, port, webhook_sink.url)
        daemon = Daemon(cfg, tmp_path / "daemon.log", port)
        engine = create_store_engine(f"sqlite:///{db}")
        in_flight: list[list[str]] = []
        try:
            daemon.start()
            _wait(lambda: _ready(port) and _ok_runs(engine) >= set(ACCOUNTS), 30, daemon,
                  "the first sync of every account")  # fmt: skip
            # The first sync read history and notified nobody: those events stay silent.
            silent = {str(row[0]) for row in _query(engine, "SELECT key FROM domain_events")}
            for _ in range(CRASHES):
                _wait(lambda: _in_flight(engine)["sending"] > 0, 10, daemon,
                      "an outbox row being sent")  # fmt: skip
                daemon.kill()
                in_flight.append(_expire_leases(engine))
                daemon.start()
                _wait(lambda: _ready(port), 20, daemon, "the restarted daemon")
            config.orders_per_minute, config.speed = 0, 0  # the world stands still: no
            # status change may queue a notification after the drain and before SIGTERM
            stopped = datetime.now(UTC) + timedelta(seconds=1)
            _wait(lambda: _ok_runs(engine, since=stopped) >= set(ACCOUNTS)
                  and not _in_flight(engine), 90, daemon, "the outbox to drain")  # fmt: skip
            code = daemon.terminate()
        finally:
            if daemon.alive():
                assert daemon.process is not None
                daemon.process.kill()
                daemon.process.wait(timeout=10)
        log = daemon.tail()
        assert code == 0, log
        assert '"event": "stopped"' in log, log
        try:
            _check(engine, silent, in_flight, webhook_sink)
        finally:
            engine.dispose()


def _check(engine: Engine, silent: set[str], in_flight: list[list[str]],
           hook: WebhookSink) -> None:  # fmt: skip
    assert any(in_flight), "no crash hit a row in flight"
    events = [
        str(key)
        for key, kind in _query(engine, "SELECT key, kind FROM domain_events")
        if kind in ROUTED and key not in silent
    ]
    assert len(events) >= 10, "too few orders arrived after the first sync to mean anything"
    outbox = {str(k): str(s) for k, s in _query(engine, "SELECT dedupe_key, state FROM outbox")}
    # No event lost: each routed event has its row, and every row was delivered.
    assert sorted(k for k in (f"{e}:hook" for e in events) if k not in outbox) == []
    assert Counter(outbox.values()) == {"sent": len(outbox)}, Counter(outbox.values())
    received = Counter(d.headers["idempotency-key"] for d in hook.snapshot())
    assert sorted(set(outbox) - set(received)) == []
    assert sorted(set(received) - set(outbox)) == []
    # Duplicates only for rows a crash caught in flight, at most one per such crash.
    allowed = Counter(key for keys in in_flight for key in keys)
    extra = {key: count - 1 for key, count in received.items() if count > 1}
    assert {k: n for k, n in extra.items() if n > allowed[k]} == {}
    # The dispatcher posts one row at a time: a crash interrupts at most one POST.
    assert sum(extra.values()) <= len(in_flight), extra
