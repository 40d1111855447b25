"""Each built-in connector against the sandbox simulator: a full incremental pass with
every record mapped, then a write-back the simulator accepts and reflects.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mpsync.config.model import AccountConfig
from mpsync.connector.base import Connector, FetchWindow, OrderRef
from mpsync.connector.registry import load_connector
from mpsync.domain.models import OrderRecord, OrderStatusUpdate
from mpsync.domain.status import OrderStatus
from mpsync.sandbox import SandboxConfig, SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=1, backlog=200, orders_per_minute=10)) as server:
        server.state.advance(1)  # fresh orders that still await the seller
        yield server


def _connector(sandbox: SandboxServer, name: str) -> Connector:
    credentials = sandbox.config.credentials.as_dict()[name]
    config = AccountConfig.model_validate(
        {
            "id": f"{name}-sbx",
            "marketplace": name,
            "api_base_url": sandbox.url_for(name),
            **credentials,
        }
    )
    return load_connector(name)(config)


async def _pass(connector: Connector, window: FetchWindow) -> tuple[list[Any], list[Any]]:
    schema = type(connector).load_mapping(connector.account)
    records: list[Any] = []
    failures: list[Any] = []
    async for page in connector.fetch("orders", window):
        mapped = schema.map_page(page.record_type, page.records, connector.account.id)
        records += mapped.records
        failures += mapped.failures
    return records, failures


def _window(**kw: Any) -> FetchWindow:
    now = datetime.now(UTC) + timedelta(hours=1)
    return FetchWindow(since=now - timedelta(days=40), until=now, **kw)


@pytest.mark.parametrize("name", ["wildberries", "ozon", "yandex_market"])
async def test_full_incremental_pass_then_write_back(sandbox: SandboxServer, name: str) -> None:
    connector = _connector(sandbox, name)
    records, failures = await _pass(connector, _window())
    orders = [r for r in records if isinstance(r, OrderRecord)]
    assert failures == []
    assert len({o.external_id for o in orders}) >= 50
    assert sum(o.status is not None for o in orders) >= 0.9 * len(orders)
    target = next(o for o in orders if o.status == OrderStatus.NEW)
    ref = OrderRef(target.external_id, target.group_key, target.marketplace_status, target.raw)
    action = connector.confirm if "confirm" in connector.capabilities.actions else connector.ship
    result = await action(ref)
    assert result.ok, result.message
    after = await _status_of(connector, target.external_id)
    assert after not in (None, OrderStatus.NEW)
    await connector.aclose()


async def _status_of(connector: Connector, external_id: str) -> OrderStatus | None:
    records, _ = await _pass(connector, _window(open_ids=[external_id]))
    found = [
        r
        for r in records
        if getattr(r, "external_id", None) == external_id
        and isinstance(r, OrderRecord | OrderStatusUpdate)
    ]
    return found[-1].status if found else None
