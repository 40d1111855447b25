"""Acceptance of the buyers' inbox against the sandbox, on SQLite and PostgreSQL.

Every question and review of the three marketplaces lands once; an auto rule answers
exactly the messages it matches, once each, through the outbox with read-back, however
often the knowledge base and the outbox run; a draft rule sends nothing until approved.
The sandbox's truth (``GET /_sandbox/buyers``) counts the answers each message received.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from mpsync.config import Settings, load_config_data
from mpsync.inbox.answers import CHANNEL, apply_rules, approve
from mpsync.inbox.service import answer_channel
from mpsync.notify import Dispatcher
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sync.service import SyncService

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RULES = [
    {"name": "delivery", "kinds": ["question"], "match": ["доставка"], "mode": "auto",
     "template": "Здравствуйте! {{ product }} доставляем за 1–3 дня."},
    {"name": "sorry", "kinds": ["review"], "rating_max": 2, "mode": "draft",
     "template": "Нам жаль, что {{ product }} огорчил. Напишите нам, исправим."},
]  # fmt: skip
MARKETPLACES = {"wb": "wildberries", "oz": "ozon", "ym": "yandex_market"}


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=5, backlog=20, orders_per_minute=0, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def _settings(sandbox: SandboxServer, store_url: str) -> Settings:
    poll = {"history": "2d", "lookback": "10m"}
    accounts = [
        {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb", "poll": poll,
         "api_base_url": sandbox.url_for("wildberries")},
        {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": "k3y-ozon",
         "poll": poll, "api_base_url": sandbox.url_for("ozon")},
        {"id": "ym", "marketplace": "yandex_market", "api_key": "k3y-ym", "business_id": 1000001,
         "campaign_ids": [21000000], "poll": poll,
         "api_base_url": sandbox.url_for("yandex_market")},
    ]  # fmt: skip
    return load_config_data({"store": {"url": store_url}, "accounts": accounts,
                             "answers": {"rules": RULES}}, env={})  # fmt: skip


def _service(sandbox: SandboxServer, store: Engine, settings: Settings) -> SyncService:
    async def no_sleep(_: float) -> None:
        return None

    service = SyncService(
        Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt, sleep=no_sleep)
    )
    service.runtime.register_accounts()
    return service


async def _sync(service: SyncService) -> list[Any]:
    results = []
    for stream in ("questions", "reviews"):
        results += await service.sync(stream=stream)
    return results


async def _deliver(store: Engine, settings: Settings, service: SyncService) -> int:
    channel = answer_channel(service.runtime)
    dispatcher = Dispatcher(store, settings, {CHANNEL: channel}, clock=service.clock)
    stats = await dispatcher.run_once(limit=200)
    return int(stats.sent)


def _truth(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return list(httpx.get(f"{sandbox.base_url}/_sandbox/buyers", timeout=10).json())


def _stored(store: Engine) -> list[dict[str, Any]]:
    with store.connect() as connection:
        rows = connection.execute(text(
            "SELECT m.id, a.marketplace, m.kind, m.external_id, m.state, m.rating, m.sku"
            " FROM buyer_messages m JOIN accounts a ON a.id = m.account_id")).mappings()  # fmt: skip
        return [dict(row) for row in rows]


def test_messages_land_once_auto_answers_exactly_its_matches_and_drafts_wait(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    settings = _settings(sandbox, store_url)
    service = _service(sandbox, store, settings)

    async def scenario() -> None:
        try:
            first = await _sync(service)
            assert {r.outcome for r in first} == {"ok"}, [r.error for r in first]
            truth = _truth(sandbox)
            stored = _stored(store)
            keys = {(m["marketplace"], m["kind"], m["external_id"]) for m in stored}
            assert len(stored) == len(keys) == len(truth) == 3 * 2 * 12
            assert keys == {(t["marketplace"], t["kind"], t["id"]) for t in truth}
            again = await _sync(service)
            assert sum(r.counts.inserted for r in again) == 0  # every message lands once

            preset = {t["id"] for t in truth if t["answer"] is not None}
            matching = {t["id"] for t in truth if t["kind"] == "question"
                        and "достав" in t["text"].lower() and t["id"] not in preset}  # fmt: skip
            low = {t["id"] for t in truth if t["kind"] == "review" and t["rating"] <= 2
                   and t["id"] not in preset}  # fmt: skip
            assert matching and low
            for _ in range(2):  # the knowledge base and the outbox run twice: nothing doubles
                with store.begin() as connection:
                    apply_rules(connection, settings, now=service.clock())
                await _deliver(store, settings, service)
            truth = _truth(sandbox)
            answered = {t["id"] for t in truth if t["answers"]}
            assert answered == matching  # exactly the matches; drafts sent nothing
            assert all(t["answers"] == 1 for t in truth if t["id"] in matching)
            states = {m["external_id"]: m["state"] for m in _stored(store)}
            assert {states[i] for i in matching} == {"answered"}  # read back
            assert {states[i] for i in low} == {"draft"}

            draft = next(m for m in _stored(store) if m["external_id"] in low)
            with store.begin() as connection:
                approve(connection, draft["id"], now=service.clock())
            await _deliver(store, settings, service)
            await _deliver(store, settings, service)
            truth = {t["id"]: t for t in _truth(sandbox)}
            assert truth[draft["external_id"]]["answers"] == 1
            assert sum(1 for t in truth.values() if t["answers"]) == len(matching) + 1
        finally:
            await service.runtime.aclose()

    asyncio.run(scenario())


def test_ozon_without_premium_plus_shows_unavailable_in_status(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    """Ozon's question and review methods need Premium Plus: without it the streams end
    ``unavailable`` ("not available for this account"), not failed, and ``status`` says so."""
    from mpsync.status import collect_status

    sandbox.state.config.ozon_premium = False
    settings = _settings(sandbox, store_url)
    service = _service(sandbox, store, settings)

    async def scenario() -> list[Any]:
        try:
            return await _sync(service)
        finally:
            await service.runtime.aclose()

    results = {(r.account, r.stream): r for r in asyncio.run(scenario())}
    for stream in ("questions", "reviews"):
        result = results[("oz", stream)]
        assert result.outcome == "unavailable", result.error
        assert result.error.startswith("not available for this account")
        assert results[("wb", stream)].outcome == "ok"
    report = collect_status(store, settings, now=sandbox.state.world.now_dt)
    shown = {(s.account, s.stream): s for s in report.streams}
    assert shown[("oz", "reviews")].health == "unavailable"
    assert "Premium Plus" in (shown[("oz", "reviews")].error or "")
    assert ("oz", "reviews") not in {(s.account, s.stream) for s in report.unhealthy}


def test_two_replicas_deciding_and_sending_at_once_answer_each_message_once(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    """Two processes' knowledge bases and outboxes run at the same moment on one store
    (threads and tasks standing in for replicas): each matching message is answered once."""
    settings = _settings(sandbox, store_url)
    first, second = (_service(sandbox, store, settings) for _ in range(2))

    def decide() -> int:
        with store.begin() as connection:
            return len(apply_rules(connection, settings, now=first.clock()).sent)

    async def scenario() -> int:
        try:
            await _sync(first)
            queued = await asyncio.gather(asyncio.to_thread(decide), asyncio.to_thread(decide))
            await asyncio.gather(
                _deliver(store, settings, first), _deliver(store, settings, second)
            )
            await _deliver(store, settings, first)
            return sum(queued)
        finally:
            await first.runtime.aclose()
            await second.runtime.aclose()

    queued = asyncio.run(scenario())
    answered = [t for t in _truth(sandbox) if t["answers"]]
    assert queued == len(answered) > 0  # one decision per message, not one per replica
    assert {t["answers"] for t in answered} == {1}
