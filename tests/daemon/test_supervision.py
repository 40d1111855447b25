"""A supervised daemon task that raises is logged once, counted, shown, and restarted.

Issue 12, Why 1: a dispatcher that died on ``timedelta(seconds=inf)`` stopped every
notification silently. Here the dispatcher (or the push loop) raises once; the daemon
logs it once with the task's name, counts it in ``/metrics``, shows it in ``mpsync status``,
answers ``/readyz`` 503 during the back-off, and restarts it. The back-off's sleep is
injected: the test holds it open, so nothing waits on real time.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from mpsync.config import load_config_data
from mpsync.daemon import Daemon
from mpsync.metrics import Metrics
from mpsync.notify import Dispatcher
from mpsync.status import collect_status
from mpsync.store.engine import create_store_engine
from mpsync.sync.pushes import PushProcessor
from tests.e2e.conftest import free_port

TARGETS = {"dispatcher": (Dispatcher, "run"), "pushes": (PushProcessor, "serve")}


async def _until(condition: Callable[[], Any], what: str, seconds: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def _ready(port: int) -> int | None:
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
    except httpx.HTTPError:
        return None
    return answer.status_code


@pytest.mark.parametrize("task", sorted(TARGETS))
async def test_a_crashed_task_is_logged_counted_shown_and_restarted(
    task: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, url = free_port(), f"sqlite:///{tmp_path / 'store.db'}"
    settings = load_config_data(
        {"store": {"url": url}, "server": {"port": port}, "coordination": {"lease": "3s"}},
        env={},
    )
    owner, method = TARGETS[task]
    original, calls = getattr(owner, method), []

    async def crashing_once(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OverflowError("cannot convert float infinity to integer")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, crashing_once)
    backoff_open, pauses = asyncio.Event(), []

    async def held_sleep(seconds: float) -> None:
        pauses.append(seconds)
        await backoff_open.wait()

    engine = create_store_engine(url)
    metrics = Metrics(engine, settings)
    daemon = Daemon(engine, settings, metrics=metrics, sleep=held_sleep)
    with capture_logs() as logs:
        running = asyncio.create_task(daemon.run())
        try:
            await _until(lambda: task in daemon.supervisor.down(), f"{task} to crash")
            await _until(lambda: daemon.server is not None and daemon.server.started, "http")
            assert await _ready(port) == 503
            await asyncio.to_thread(daemon.coordinator.heartbeat)
            report = await asyncio.to_thread(collect_status, engine, settings)
            [process] = report.processes
            shown = process["tasks"][task]
            assert shown["state"] == "down" and shown["crashes"] == 1
            assert shown["last_error"] == "OverflowError: cannot convert float infinity to integer"
            exposition = metrics.exposition()[0].decode()
            assert f'mpsync_task_crashes_total{{task="{task}"}} 1.0' in exposition
            assert f'mpsync_task_up{{task="{task}"}} 0.0' in exposition
            backoff_open.set()
            await _until(lambda: len(calls) == 2, f"{task} to restart")
            assert await _ready(port) == 200
            assert f'mpsync_task_up{{task="{task}"}} 1.0' in metrics.exposition()[0].decode()
        finally:
            daemon.request_stop()
            await asyncio.wait_for(running, timeout=30)
            engine.dispose()
    crashed = [entry for entry in logs if entry["event"].startswith("task crashed")]
    assert [(entry["task"], entry["error"]) for entry in crashed] == [
        (task, "OverflowError: cannot convert float infinity to integer")
    ]
    assert pauses == [1.0]  # the first back-off step


async def test_an_http_port_taken_is_one_restarting_task_not_a_dead_daemon(
    tmp_path: Path,
) -> None:
    """Issue 14: a second replica on a taken port used to die with 21 tracebacks, exit 3."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        url = f"sqlite:///{tmp_path / 'store.db'}"
        settings = load_config_data({"store": {"url": url}, "server": {"port": port}}, env={})
        backoff_open = asyncio.Event()

        async def held_sleep(_: float) -> None:
            await backoff_open.wait()

        engine = create_store_engine(url)
        daemon = Daemon(engine, settings, sleep=held_sleep)
        with capture_logs() as logs:
            running = asyncio.create_task(daemon.run())
            try:
                await _until(lambda: "http" in daemon.supervisor.down(), "http to go down")
                assert not daemon.is_ready() and not running.done()
                assert daemon.supervisor.down() == ["http"]  # the rest keeps working
            finally:
                daemon.request_stop()
                await asyncio.wait_for(running, timeout=30)
                engine.dispose()
    crashed = [entry for entry in logs if entry["event"].startswith("task crashed")]
    assert [(entry["task"], entry["error"]) for entry in crashed] == [
        ("http", f"RuntimeError: the HTTP server cannot listen on 127.0.0.1:{port}")
    ]
