"""The outbox dispatcher on SQLite and PostgreSQL: delivery, backoff, leases, digests."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from mpsync.config import load_config_data
from mpsync.notify import (
    DeliveryResult,
    Dispatcher,
    OutgoingMessage,
    RetryPolicy,
    enqueue,
    list_outbox,
)
from mpsync.notify.outbox import OUTBOX, due_condition, mark_sent, select_due, take
from mpsync.status import collect_status

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
NO_JITTER = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=30), jitter=0)


class Crash(BaseException):
    """Stands for the process dying between delivering and recording it."""


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeChannel:
    accepts_replies = False

    def __init__(self, name: str, *results: DeliveryResult, crash: bool = False) -> None:
        self.name = name
        self.language = "ru"
        self.sent: list[OutgoingMessage] = []
        self.results = list(results)
        self.crash = crash
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.sent.append(message)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.crash:
            raise Crash
        return self.results.pop(0) if self.results else DeliveryResult(ok=True, detail="ok")

    async def aclose(self) -> None:
        return None


def make_settings(digest: str = "0s") -> Any:
    return load_config_data(
        {
            "notifications": {
                "channels": [{"name": "a", "type": "console"}, {"name": "b", "type": "console"}],
                "rules": [
                    {"events": ["order.created"], "channels": ["a", "b"]},
                    {"events": ["stock.low"], "channels": ["a"], "digest": digest},
                ],
            }
        },
        env={},
    )


def order_payload(external_id: str = "42") -> dict[str, Any]:
    order = {
        "external_id": external_id,
        "status": "new",
        "total": "990.00",
        "currency": "RUB",
        "lines": [{"sku": "S1", "name": "Кружка", "quantity": 2, "unit_price": "495.00"}],
    }
    return {"account": "ozon-main", "marketplace": "ozon", "order": order}


def put(
    engine: Engine,
    key: str,
    channel: str = "a",
    kind: str = "order.created",
    payload: dict[str, Any] | None = None,
    now: datetime = T0,
) -> bool:
    with engine.begin() as connection:
        return enqueue(
            connection,
            dedupe_key=key,
            channel=channel,
            event_kind=kind,
            payload=payload or order_payload(),
            now=now,
        )


def rows(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        return {row.dedupe_key: row for row in connection.execute(select(OUTBOX))}


def dispatcher(
    engine: Engine, channels: dict[str, Any], clock: FakeClock, digest: str = "0s", **kwargs: Any
) -> Dispatcher:
    return Dispatcher(
        engine,
        make_settings(digest),
        channels,
        clock=clock,
        retry=kwargs.pop("retry", NO_JITTER),
        **kwargs,
    )


def test_enqueue_is_idempotent_and_transactional(engine: Engine) -> None:
    assert put(engine, "ev:a") is True
    assert put(engine, "ev:a") is False
    with pytest.raises(RuntimeError), engine.begin() as connection:
        enqueue(
            connection,
            dedupe_key="ev:b",
            channel="a",
            event_kind="order.created",
            payload={},
            now=T0,
        )
        raise RuntimeError("the producer's transaction fails")
    assert list(rows(engine)) == ["ev:a"]


async def test_delivers_due_row_and_marks_it_sent(engine: Engine) -> None:
    clock, channel = FakeClock(), FakeChannel("a")
    put(engine, "ev:a")
    put(engine, "later:a", now=T0 + timedelta(hours=1))
    clock.advance(seconds=5)
    stats = await dispatcher(engine, {"a": channel}, clock).run_once()
    assert (stats.sent, stats.failed, stats.retried) == (1, 0, 0)
    assert [m.dedupe_key for m in channel.sent] == ["ev:a"]
    assert channel.sent[0].subject.startswith("Новый заказ 42")
    row = rows(engine)["ev:a"]
    assert (row.state, row.attempts, row.sent_at) == ("sent", 1, clock.now)
    assert rows(engine)["later:a"].state == "pending"


async def test_failures_back_off_exponentially_then_fail_visibly(engine: Engine) -> None:
    clock = FakeClock()
    channel = FakeChannel("a", *[DeliveryResult(ok=False, detail="smtp down")] * 3)
    worker = dispatcher(engine, {"a": channel}, clock)
    put(engine, "ev:a")
    assert (await worker.run_once()).retried == 1
    assert rows(engine)["ev:a"].next_attempt_at == T0 + timedelta(seconds=30)
    clock.advance(seconds=29)
    assert (await worker.run_once()).total == 0
    clock.advance(seconds=1)
    assert (await worker.run_once()).retried == 1
    assert rows(engine)["ev:a"].next_attempt_at == clock.now + timedelta(seconds=60)
    clock.advance(seconds=60)
    assert (await worker.run_once()).failed == 1
    row = rows(engine)["ev:a"]
    assert (row.state, row.attempts, row.last_error) == ("failed", 3, "smtp down")
    clock.advance(days=1)
    assert (await worker.run_once()).total == 0 and len(channel.sent) == 3
    report = collect_status(engine, make_settings())
    assert report.backlog["outbox_failed"] == 1
    (failed,) = list_outbox(engine, state="failed")
    assert (failed["dedupe_key"], failed["last_error"], failed["attempts"]) == (
        "ev:a",
        "smtp down",
        3,
    )
    assert "payload" not in failed


async def test_permanent_failure_is_not_retried(engine: Engine) -> None:
    clock = FakeClock()
    channel = FakeChannel("a", DeliveryResult(ok=False, detail="401", permanent=True))
    put(engine, "ev:a")
    assert (await dispatcher(engine, {"a": channel}, clock).run_once()).failed == 1
    assert rows(engine)["ev:a"].state == "failed"


async def test_retry_after_longer_than_backoff_is_honoured(engine: Engine) -> None:
    clock = FakeClock()
    channel = FakeChannel("a", DeliveryResult(ok=False, detail="429", retry_after=120))
    put(engine, "ev:a")
    await dispatcher(engine, {"a": channel}, clock).run_once()
    assert rows(engine)["ev:a"].next_attempt_at == T0 + timedelta(seconds=120)


async def test_crash_after_sending_redelivers_after_lease_with_same_key(engine: Engine) -> None:
    clock = FakeClock()
    put(engine, "ev:a")
    with pytest.raises(Crash):
        await dispatcher(engine, {"a": FakeChannel("a", crash=True)}, clock).run_once()
    assert rows(engine)["ev:a"].state == "sending"
    restarted = FakeChannel("a")
    worker = dispatcher(engine, {"a": restarted}, clock, lease=timedelta(minutes=5))
    clock.advance(minutes=4)
    assert (await worker.run_once()).total == 0
    clock.advance(minutes=1)
    assert (await worker.run_once()).sent == 1
    assert [m.dedupe_key for m in restarted.sent] == ["ev:a"]
    assert rows(engine)["ev:a"].state == "sent"
    assert rows(engine)["ev:a"].attempts == 2


def test_a_claim_whose_lease_was_taken_over_cannot_mark(engine: Engine) -> None:
    put(engine, "ev:a")
    with engine.begin() as connection:
        first = take(
            connection,
            select_due(connection, due_condition(T0), limit=10),
            now=T0,
            lease=timedelta(minutes=5),
        )[0]
    later = T0 + timedelta(minutes=6)
    with engine.begin() as connection:
        second = take(
            connection,
            select_due(connection, due_condition(later), limit=10),
            now=later,
            lease=timedelta(minutes=5),
        )[0]
        assert mark_sent(connection, first, now=later) is False
        assert mark_sent(connection, second, now=later) is True


async def test_claimed_rows_are_not_taken_by_a_second_dispatcher(engine: Engine) -> None:
    clock = FakeClock()
    slow = FakeChannel("a")
    slow.gate = asyncio.Event()
    put(engine, "ev:a")
    first = asyncio.create_task(dispatcher(engine, {"a": slow}, clock).run_once())
    await slow.entered.wait()
    other = FakeChannel("a")
    assert (await dispatcher(engine, {"a": other}, clock).run_once()).total == 0
    slow.gate.set()
    assert (await first).sent == 1 and other.sent == []


async def test_digest_batches_a_channels_rows_per_interval(engine: Engine) -> None:
    clock, a, b = FakeClock(), FakeChannel("a"), FakeChannel("b")
    worker = dispatcher(engine, {"a": a, "b": b}, clock, digest="10m")
    for minute, sku in enumerate(["S1", "S2", "S3"]):
        stock = {
            "account": "wb",
            "marketplace": "wildberries",
            "sku": sku,
            "warehouse": "W",
            "available": 1,
        }
        put(
            engine,
            f"stock-{sku}:a",
            kind="stock.low",
            payload=stock,
            now=T0 + timedelta(minutes=minute),
        )
    put(engine, "ev:a")
    clock.advance(minutes=2)
    stats = await worker.run_once()
    assert stats.sent == 1 and [m.dedupe_key for m in a.sent] == ["ev:a"]
    clock.advance(minutes=8)
    stats = await worker.run_once()
    assert stats.sent == 3 and len(a.sent) == 2
    digest = a.sent[1]
    assert digest.dedupe_key.startswith("digest:a:") and digest.event_kind == "digest"
    assert digest.subject.startswith("Сводка mpsync: 3 уведомления")
    assert all(sku in digest.body for sku in ("S1", "S2", "S3"))
    assert {r.state for r in rows(engine).values()} == {"sent"}


async def test_row_for_unconfigured_channel_fails_with_reason(engine: Engine) -> None:
    put(engine, "ev:gone", channel="gone")
    stats = await dispatcher(engine, {}, FakeClock()).run_once()
    assert stats.failed == 1
    assert "not configured" in rows(engine)["ev:gone"].last_error


async def test_run_loop_sleeps_only_when_idle(engine: Engine) -> None:
    clock, channel = FakeClock(), FakeChannel("a")
    stop = asyncio.Event()
    naps: list[float] = []

    async def sleep(seconds: float) -> None:
        naps.append(seconds)
        stop.set()

    put(engine, "ev:a")
    await dispatcher(engine, {"a": channel}, clock, sleep=sleep).run(stop, interval=7)
    assert naps == [7] and len(channel.sent) == 1


@pytest.mark.parametrize("asked", [math.inf, 1e300, 10.0**20, 6 * 3600.0, math.nan, -5.0])
async def test_a_channels_server_wait_is_capped_and_never_stops_delivery(
    engine: Engine, asked: float
) -> None:
    """Issue #12, Why 1: ``Retry-After: inf`` (or ``1e300``) made ``timedelta`` raise
    ``OverflowError`` in the dispatcher, whose task died: no channel delivered again. A
    wait beyond the cap (6 h) retries at now + the cap; other rows keep going out."""
    clock = FakeClock()
    failing = FakeChannel("a", DeliveryResult(ok=False, detail="503", retry_after=asked))
    other = FakeChannel("b")
    put(engine, "ev:a", channel="a")
    put(engine, "ev:b", channel="b")
    stats = await dispatcher(engine, {"a": failing, "b": other}, clock).run_once()
    assert (stats.retried, stats.sent) == (1, 1)
    due = rows(engine)["ev:a"].next_attempt_at
    if math.isnan(asked) or asked < 0:
        assert due == T0 + timedelta(seconds=30)  # nothing asked: our own backoff
    else:
        assert due == T0 + timedelta(seconds=min(6 * 3600.0, asked))
    assert rows(engine)["ev:b"].state == "sent"
