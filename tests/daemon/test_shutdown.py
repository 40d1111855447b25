"""Issue 12, Why 6: SIGTERM with a busy push queue used to cancel the push task after the grace
and leave its rows ``processing`` for a hard-coded five minutes.

Now the daemon stops claiming, lets what it holds finish within the grace, and hands back
the rest: the push whose re-fetch never answers is ``pending`` again, owned by nobody,
the moment the daemon has stopped — for the next process to take at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from mpsync.connector.base import PushEvent
from mpsync.daemon import Daemon
from mpsync.sandbox import SandboxServer
from mpsync.store.engine import create_store_engine
from mpsync.sync.pushes import store_events
from tests.sync.conftest import make_settings

GRACE = 2.0


async def test_stop_hands_back_a_push_still_in_flight_within_the_grace(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    settings = make_settings(sandbox, url)
    engine = create_store_engine(url)
    daemon = Daemon(engine, settings, serve_http=False, grace=GRACE)
    never = asyncio.Event()
    running = asyncio.create_task(daemon.run())
    try:
        await _until(lambda: daemon.ready)  # the store migrated, every task started
        connector = daemon.runtime.connectors.connector(settings.account("oz"))

        async def hangs(_: Sequence[str]) -> list[dict[str, Any]]:
            await never.wait()  # a marketplace that never answers
            return []

        connector.fetch_orders = hangs  # type: ignore[method-assign]
        event = PushEvent("TYPE_NEW_POSTING", "stuck", ("0000-1",), [], "order", {})
        await asyncio.to_thread(store_events, engine, "oz", [event], datetime.now(UTC))
        await _until(lambda: _row(engine)[0] == "processing")
        stopping = time.monotonic()
        daemon.request_stop()
        await asyncio.wait_for(running, timeout=GRACE + 10)
        took = time.monotonic() - stopping
    finally:
        never.set()
        engine.dispose()
    assert took < GRACE + 3, f"stopping took {took:.1f}s for a {GRACE}s grace"
    state, owner = _row(create_store_engine(url))
    assert (state, owner) == ("pending", None)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def _row(engine: Any) -> tuple[str, str | None]:
    with engine.connect() as connection:
        row = connection.execute(text("SELECT state, lease_owner FROM pushes")).one()
    return str(row[0]), row[1]
