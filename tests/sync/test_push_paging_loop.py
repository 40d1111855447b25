"""Issue 15: a push whose re-fetch meets a looping cursor fails that row, with the error
naming the stream and the token, within two requests; the daemon's push loop goes on
serving the pushes after it.

Ozon ``TYPE_STOCKS_CHANGED`` carries product ids only: the push processor reads their stock with
``/v4/product/info/stocks`` (cursor paging). Here the API hands the same cursor back forever.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine, text

from mpsync.connector.base import PushEvent
from mpsync.sandbox import SandboxServer
from mpsync.sync.pushes import PushProcessor, store_events
from tests.sync.conftest import T0, make_settings, service_for
from tests.sync.test_push_concurrency import _states, _until


async def test_a_looping_cursor_fails_its_push_and_the_push_loop_keeps_serving(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    service = service_for(sandbox, store, make_settings(sandbox, store_url))
    real = next(o["external_id"] for o in sandbox.state.truth()["orders"]
                if o["marketplace"] == "ozon")  # fmt: skip
    stock = PushEvent("TYPE_STOCKS_CHANGED", "stock-1", ("123",), [], "stock", {})
    order = PushEvent("TYPE_NEW_POSTING", "real", (real,), [], "order", {})
    store_events(store, "oz", [stock], T0)
    connector = service.runtime.connectors.connector(service.settings.account("oz"))
    call, stock_calls = connector.call, []  # type: ignore[attr-defined]

    async def looping_stocks(method: str, host: str, path: str, **options: Any) -> Any:
        if path == "/v4/product/info/stocks":
            stock_calls.append(options.get("json_body"))
            return {"items": [{"offer_id": "a", "product_id": 123, "stocks": []}],
                    "cursor": "same-cursor", "has_next": True}  # fmt: skip
        return await call(method, host, path, **options)

    connector.call = looping_stocks  # type: ignore[attr-defined]
    stop, wake = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(PushProcessor(service.runtime).serve(stop, wake))
    try:
        await _until(lambda: _states(store)["stock-1"][1] is not None, "the looping push to fail")
        state, error = _states(store)["stock-1"]
        assert state == "pending"  # to be retried later, with backoff
        assert len(stock_calls) == 2
        assert "PaginationLoopError" in (error or "") and "same-cursor" in (error or "")
        assert "stock stream" in (error or "")
        store_events(store, "oz", [order], T0)  # the loop still serves what comes next
        wake.set()
        await _until(lambda: _states(store)["real"][0] == "done", "the push after it")
        assert not serving.done()
        with store.connect() as connection:
            stored = connection.execute(text("SELECT COUNT(*) FROM orders WHERE external_id = :id"),
                                        {"id": real}).scalar_one()  # fmt: skip
        assert stored == 1
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=10)
        await service.runtime.aclose()
