"""Issue 13 points 3 and 9: one stream of JSON events; readiness, watchdog, health, start line.

``mpsync run`` runs as the installed script against a sandbox, as under systemd or
Docker: stdout and stderr are not terminals and $NOTIFY_SOCKET is set.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import logging.config
import socket
import subprocess
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import httpx
import structlog
import uvicorn.config

from mpsync import __version__
from mpsync.logging import configure_logging
from mpsync.sandbox import SandboxConfig, SandboxServer
from tests.operator.conftest import SCRIPT, Cli, write_config


def test_library_records_and_warnings_are_json_events_through_the_redactor() -> None:
    # uvicorn's own logging config (applied by any uvicorn.Config made with the default,
    # a sandbox in the same process say) gives its loggers handlers and propagate=False.
    logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
    out = io.StringIO()
    configure_logging("json", "info", secrets=["s3cret-token"], stream=out)
    logging.getLogger("uvicorn.error").error("Uvicorn cannot bind with s3cret-token")
    logging.getLogger("apscheduler.executors.default").error("Job 'sync:oz:orders' raised")
    logging.getLogger("httpx").info("HTTP Request: GET https://x 200")  # chatter: hidden
    warnings.warn("careful now", UserWarning, stacklevel=1)
    structlog.get_logger("mpsync.test").info("own event", account="oz")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    by_logger = {e.get("logger"): e for e in events}
    assert by_logger["uvicorn.error"]["event"] == "Uvicorn cannot bind with ***"
    assert by_logger["uvicorn.error"]["level"] == "error"
    assert "sync:oz:orders" in by_logger["apscheduler.executors.default"]["event"]
    assert "careful now" in by_logger["py.warnings"]["event"]
    assert "httpx" not in by_logger
    assert any(e["event"] == "own event" and e["account"] == "oz" for e in events)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(what: str, check: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_run_logs_json_only_notifies_systemd_and_answers_health(
    cli: Cli, tmp_path: Path, home: Path
) -> None:
    sandbox = SandboxConfig(seed=3, backlog=10, backlog_days=1, orders_per_minute=40, speed=1,
                            start_time=datetime.now(UTC), rate_limit_scale=0)  # fmt: skip
    port = _free_port()
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(0.2)
    with SandboxServer(sandbox) as server:
        config = write_config(
            tmp_path,
            f"""
[server]
port = {port}
[[accounts]]
id = "oz"
marketplace = "ozon"
client_id = "100001"
api_key = "${{OZON_API_KEY}}"
api_base_url = "{server.url_for("ozon")}"
poll = {{ orders = "1s", stock = "1h", prices = "1h", products = "1h", jitter = "0s" }}
[[notifications.channels]]
name = "console"
type = "console"
[[notifications.rules]]
events = ["order.created"]
channels = ["console"]
""",
        )
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               "OZON_API_KEY": "k3y-ozon", "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
               "WATCHDOG_USEC": "1000000"}  # fmt: skip
        out, err = (tmp_path / "stdout").open("w+"), (tmp_path / "stderr").open("w+")
        daemon = subprocess.Popen([str(SCRIPT), "run", "--config", str(config)], env=env,
                                  stdout=out, stderr=err, cwd=tmp_path)  # fmt: skip
        messages: list[str] = []

        def received(text: str) -> bool:
            with contextlib.suppress(TimeoutError):
                messages.extend(notify.recv(4096).decode().split())
            assert daemon.poll() is None, (tmp_path / "stderr").read_text()
            return text in messages

        try:
            _wait("READY=1", lambda: received("READY=1"))
            _wait("a watchdog ping", lambda: received("WATCHDOG=1"))
            health = cli("healthcheck", "--config", str(config))
            assert health.returncode == 0 and f"127.0.0.1:{port}/healthz: ok" in health.stdout
            _wait("a console notification",
                  lambda: '"notification"' in (tmp_path / "stderr").read_text())  # fmt: skip
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
            notify.close()
    assert daemon.returncode == 0
    assert (tmp_path / "stdout").read_text() == ""  # no boxes off a terminal
    events = [json.loads(line) for line in (tmp_path / "stderr").read_text().splitlines()]
    start = next(e for e in events if e["event"] == "mpsync starting")
    assert start["version"] == __version__ and start["listen"] == f"http://127.0.0.1:{port}"
    assert start["store"] == f"sqlite:///{tmp_path / 'store.db'}"
    assert any(e.get("logger", "").startswith("uvicorn") for e in events)
    note = next(e for e in events if e["event"] == "notification")
    assert note["channel"] == "console" and note["kind"] == "order.created"
    assert "k3y-ozon" not in (tmp_path / "stderr").read_text()
    assert "mpsync_sync_duration_seconds_bucket" in metrics and "_created" not in metrics
    assert "process_resident_memory_bytes" in metrics
    stopped = cli("healthcheck", "--config", str(config))
    assert stopped.returncode == 1 and "no answer from" in stopped.stderr


def test_exit_codes_are_the_documented_ones(cli: Cli, tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there: the sync run fails at run time
    config = write_config(
        tmp_path,
        f"""
[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t0ken"
api_base_url = "http://127.0.0.1:{port}"
""",
    )
    assert cli("--version").returncode == 0
    assert cli("db", "upgrade", "--config", str(config)).returncode == 0
    assert cli("status", "--check", "--config", str(config)).returncode == 1  # never synced
    assert cli("orders", "list", "--sort", "price", "--config", str(config)).returncode == 2
    assert cli("orders", "list", "--config", str(tmp_path / "nope.toml")).returncode == 2
    failed = cli("sync", "--account", "wb", "--stream", "orders", "--config", str(config))
    assert failed.returncode == 3, failed.stderr
    assert f"127.0.0.1:{port}: connection refused" in failed.stdout
    # 130 (Ctrl-C) is checked by tests/operator/test_resync_resumes.py.
