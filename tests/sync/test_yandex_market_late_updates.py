"""Late Yandex Market updates: an order delivered or returned long after it was created.

``getBusinessOrders`` answers for orders created in the last 30 days unless creation dates
are given (OrderDatesFilterDTO.creationDateFrom: "Значение по умолчанию: 30 дней назад";
yandex-market/yandex-market-partner-api openapi/components/schemas at 1318e9b8), and the
sandbox does the same. A return of a 50-day-old order must still reach the store, by the
poll and by its ORDER_RETURN_CREATED notification.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from mpsync.config import load_config_data
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sync.pushes import PushProcessor
from mpsync.sync.service import SyncService
from mpsync.webhooks import WebhookContext, create_app
from tests.sync.conftest import service_for, store_orders
from tests.sync.test_webhooks import call

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MP = "yandex_market"
RETURNED = 9  # RETURNED/UNKNOWN in the sandbox's Yandex Market flow


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=7, backlog=120, backlog_days=60, orders_per_minute=0,
                           start_time=T0, rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def service(sandbox: SandboxServer, store: Engine, store_url: str) -> Iterator[SyncService]:
    account = {"id": "ym", "marketplace": MP, "api_key": "k3y-ym", "business_id": 1000001,
               "campaign_ids": [21000000], "api_base_url": sandbox.url_for(MP),
               "poll": {"history": "90d", "lookback": "10m"},
               "webhook": {"token": "hook-ym-secret"}}  # fmt: skip
    settings = load_config_data({"store": {"url": store_url}, "accounts": [account]}, env={})
    svc = service_for(sandbox, store, settings)
    yield svc
    asyncio.run(svc.runtime.aclose())


def _old_delivered(sandbox: SandboxServer, count: int) -> list[int]:
    world = sandbox.state.world
    table, flow = world.tables[MP], world.flows[MP]
    old = [
        row
        for row in range(len(table))
        if flow.states[table.state[row]].status == "DELIVERED"
        and world.now - table.created[row] > 45 * 86400
    ]
    assert len(old) >= count
    return old[:count]


def _status(store: Engine, sandbox: SandboxServer, row: int) -> str:
    external = sandbox.state.external_id(MP, row)
    return str(store_orders(store)[(MP, external)]["status"])


def test_a_late_return_of_an_old_order_is_read_by_the_poll_and_the_push(
    sandbox: SandboxServer, store: Engine, service: SyncService
) -> None:
    async def scenario() -> None:
        assert (await service.sync("ym", "orders"))[0].error is None
        polled, pushed = _old_delivered(sandbox, 2)
        assert _status(store, sandbox, polled) == _status(store, sandbox, pushed) == "delivered"
        sandbox.state.advance(1)
        world = sandbox.state.world
        for row in (polled, pushed):
            assert world.move(MP, row, RETURNED, world.now)
        # The poll reads the last minutes of updates, 120 days back in creation dates.
        assert (await service.sync("ym", "orders"))[0].error is None
        assert _status(store, sandbox, polled) == "returned"
        # The notification of the other return, processed from the push queue: the order is read
        # by its id, creation slice by creation slice.
        push = {"notificationType": "ORDER_RETURN_CREATED", "campaignId": 21000000,
                "orderId": int(sandbox.state.external_id(MP, pushed)), "returnId": 7,
                "returnType": "RETURN", "createdAt": "2026-11-01T12:01:00Z",
                "items": [{"offerId": "SKU-0001", "count": 1}]}  # fmt: skip
        app = create_app(WebhookContext(service.engine, service.settings, service.runtime.connectors.connector,
                                        service.clock))  # fmt: skip
        status, answer = await call(app, "/webhooks/ym/hook-ym-secret/notification",
                                    json.dumps(push).encode())  # fmt: skip
        assert status == 200 and set(answer) == {"name", "version", "time"}
        stats = await PushProcessor(service.runtime).run_once()
        assert (stats.processed, stats.failed) == (1, 0)
        assert _status(store, sandbox, pushed) == "returned"
        await service.runtime.aclose()

    asyncio.run(scenario())


def test_the_first_sync_reads_history_older_than_30_days(
    sandbox: SandboxServer, store: Engine, service: SyncService
) -> None:
    """``poll.history = 90d``: orders created 60 days ago are read too (explicit creation
    slices; the default window would stop at 30 days)."""

    async def first() -> None:
        await service.sync("ym", "orders")
        await service.runtime.aclose()

    asyncio.run(first())
    stored = {external for (mp, external) in store_orders(store) if mp == MP}
    table = sandbox.state.world.tables[MP]
    oldest = min(range(len(table)), key=lambda row: table.created[row])
    assert sandbox.state.world.now - table.created[oldest] > 55 * 86400
    assert len(stored) == len(table) and sandbox.state.external_id(MP, oldest) in stored
