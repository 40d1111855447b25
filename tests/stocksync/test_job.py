"""The daemon's stock task: the feed read on its schedule, a propagation per interval and
at once when poked (a marketplace push applied). Time is injected, never slept."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from mpsync.stocksync.job import StockJob
from tests.stocksync.fixture import T0, add_accounts, add_listings, settings
from tests.stocksync.test_propagate import FakeConnector


def test_the_job_reads_the_feed_and_propagates_when_poked(store: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("A,4\nB,2\n", encoding="utf-8")
    config = settings({"wb": {}, "oz": {}}, source={"url": str(feed), "every": "10m"},
                      propagation="1h")  # fmt: skip
    add_accounts(store, ["wb", "oz"])
    add_listings(store, [(a, s, (), 0) for s in ("A", "B") for a in ("wb", "oz")])
    fakes: dict[str, Any] = {"wb": FakeConnector("wb", None), "oz": FakeConnector("oz", None)}
    clock = [T0]
    job = StockJob(store, config, lambda account: fakes[account.id], lambda: clock[0])

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(job.serve(stop))
        await asyncio.wait_for(job.ran.wait(), 30)
        job.ran.clear()
        assert [(u.sku, u.quantity) for u in fakes["wb"].calls[0]] == [("A", 4), ("B", 2)]
        feed.write_text("A,1\nB,2\n", encoding="utf-8")  # not re-read before 10 minutes
        clock[0] = T0 + timedelta(minutes=11)
        job.poke()  # an interval of 1 h, yet a poke propagates at once
        await asyncio.wait_for(job.ran.wait(), 30)
        stop.set()
        await task

    asyncio.run(scenario())
    assert [(u.sku, u.quantity) for u in fakes["oz"].calls[-1]] == [("A", 1)]


def test_replicas_take_turns_under_the_stock_sync_lease(store: Engine) -> None:
    from mpsync.coordination import Coordinator

    config = settings({"wb": {}, "oz": {}})
    add_accounts(store, ["wb", "oz"])
    add_listings(store, [(a, "A", (), 0) for a in ("wb", "oz")])
    from mpsync.stocksync.service import set_stock

    set_stock(store, config, {"A": 3}, reason="count", source="set", now=T0)
    fakes: dict[str, Any] = {"wb": FakeConnector("wb", None), "oz": FakeConnector("oz", None)}
    one, two = Coordinator(store, role="run"), Coordinator(store, role="run")
    first = StockJob(store, config, lambda a: fakes[a.id], lambda: T0, coordinator=one)
    second = StockJob(store, config, lambda a: fakes[a.id], lambda: T0, coordinator=two)

    async def scenario() -> tuple[object, object]:
        lease = one.try_acquire("stock-sync")  # the first replica is propagating
        held = await second.run_once()
        one.release(lease)  # type: ignore[arg-type]
        return held, await first.run_once()

    held, done = asyncio.run(scenario())
    assert held is None and done is not None
    assert [len(calls) for calls in (fakes["wb"].calls, fakes["oz"].calls)] == [1, 1]
    one.shutdown()
    two.shutdown()


def test_an_unreadable_feed_is_logged_without_its_secret(
    store: Engine, capsys: Any, tmp_path: Path
) -> None:
    import structlog

    from mpsync.stocksync.service import feed_origin

    assert feed_origin("https://u:s3cret@erp.example/stock.csv?key=s3cret") == (
        "https://erp.example/stock.csv"
    )
    url = "http://127.0.0.1:9/stock.csv?key=s3cret"  # nothing listens on port 9
    config = settings({"wb": {}}, source={"url": url})
    add_accounts(store, ["wb"])
    job = StockJob(store, config, lambda a: FakeConnector("wb", None), lambda: T0)
    with structlog.testing.capture_logs() as logs:
        asyncio.run(job.run_once())
    unread = [e for e in logs if e["event"] == "stock feed unreadable"]
    assert unread and "s3cret" not in repr(unread)
    assert unread[0]["error"] == "ConnectError"
