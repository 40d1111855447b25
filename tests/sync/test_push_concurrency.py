"""Issue 12, Why 7: received pushes are applied several at a time, so slow re-fetches of bogus
pushes (ids the marketplace answers 404 for) never hold up real pushes queued after them.

The bogus re-fetches are held open by the test (no real waiting); the real push, stored
after them, is applied meanwhile. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from mpsync.connector.base import PushEvent
from mpsync.connector.errors import ApiError
from mpsync.sandbox import SandboxServer
from mpsync.sync.pushes import PushProcessor, store_events
from tests.sync.conftest import make_settings, service_for

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BOGUS = 6


def _event(key: str, external_id: str) -> PushEvent:
    return PushEvent("TYPE_NEW_POSTING", key, (external_id,), [], "order", {})


def _states(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT dedupe_key, state, last_error FROM pushes")).all()
    return {str(key): (str(state), error) for key, state, error in rows}


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if await asyncio.to_thread(condition):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_bogus_refetches_do_not_queue_real_pushes_behind_them(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    service = service_for(sandbox, store, make_settings(sandbox, store_url))
    real = next(o["external_id"] for o in sandbox.state.truth()["orders"]
                if o["marketplace"] == "ozon")  # fmt: skip
    events = [_event(f"bogus-{i}", f"00000000-{i:04d}-1") for i in range(BOGUS)]
    store_events(store, "oz", [*events, _event("real", real)], NOW)
    connector = service.runtime.connectors.connector(service.settings.account("oz"))
    answer_404, fetch = asyncio.Event(), connector.fetch_orders

    async def slow_404_for_bogus(ids: Sequence[str]) -> list[dict[str, Any]]:
        if ids[0].startswith("00000000-"):
            await answer_404.wait()  # rate-limit waits and retries, in the attack
            raise ApiError("posting not found", status=404)
        return await fetch(ids)

    connector.fetch_orders = slow_404_for_bogus  # type: ignore[method-assign]
    stop, wake = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(PushProcessor(service.runtime).serve(stop, wake))
    try:
        await _until(lambda: _states(store)["real"][0] == "done", "the real push")
        states = _states(store)
        assert {states[f"bogus-{i}"][0] for i in range(BOGUS)} == {"processing"}
        with store.connect() as connection:
            stored = connection.execute(text("SELECT COUNT(*) FROM orders WHERE external_id = :id"),
                                        {"id": real}).scalar_one()  # fmt: skip
        assert stored == 1
        answer_404.set()
        await _until(lambda: all(s == "pending" for k, (s, _) in _states(store).items()
                                 if k.startswith("bogus")), "the bogus pushes to fail")  # fmt: skip
        assert all("404" in (error or "") or "not found" in (error or "")
                   for k, (_, error) in _states(store).items() if k.startswith("bogus"))  # fmt: skip
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=10)
        await service.runtime.aclose()
