"""Auto-confirm against the sandbox: WB tasks join a supply once; a refusal is recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from mpsync.browse import get_order
from mpsync.connector.base import OrderRef
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sync.service import SyncService
from mpsync.workflow import WorkflowRunner, WorkflowStats
from tests.sync.conftest import T0, make_settings, service_for
from tests.workflow.conftest import rows


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=11, backlog=15, backlog_days=2, orders_per_minute=0.5,
                           start_time=T0, rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def _service(sandbox: SandboxServer, store: Engine, store_url: str) -> SyncService:
    settings = make_settings(sandbox, store_url, workflow={"auto_confirm": ["wb", "oz", "ym"]})
    for account in settings.accounts:
        account.poll.history = timedelta(days=3)
    return service_for(sandbox, store, settings)


def _sync_and_run(service: SyncService, *, sync: bool = True) -> WorkflowStats:
    async def go() -> WorkflowStats:
        try:
            if sync:
                await service.sync()
            return await WorkflowRunner(service.runtime, service).run_once()
        finally:
            await service.runtime.aclose()

    return asyncio.run(go())


def _new_wb_ids(store: Engine) -> list[str]:
    sql = "SELECT external_id FROM orders WHERE account_id = 'wb' AND status = 'new'"
    return sorted(r.external_id for r in rows(store, sql))


def test_auto_confirm_records_ok_once_and_the_next_sync_sees_it(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    sandbox.state.advance(20)
    stats = _sync_and_run(_service(sandbox, store, store_url))
    confirmed = rows(store, "SELECT o.external_id, w.state, w.attempts, w.message FROM write_backs w"
                            " JOIN orders o ON o.id = w.order_id")  # fmt: skip
    assert stats.confirmed == len(confirmed) > 0 and stats.confirm_failed == 0
    assert {(r.state, r.attempts) for r in confirmed} == {("ok", 1)}
    accounts = rows(store, "SELECT DISTINCT o.account_id FROM write_backs w"
                           " JOIN orders o ON o.id = w.order_id")  # fmt: skip
    assert [a.account_id for a in accounts] == ["wb"]  # Ozon and YM have no confirm step

    again = _sync_and_run(_service(sandbox, store, store_url))
    assert again.confirmed == 0 and again.confirm_failed == 0
    assert len(rows(store, "SELECT id FROM write_backs")) == len(confirmed)
    truth = {o["external_id"]: o for o in sandbox.state.truth()["orders"]
             if o["marketplace"] == "wildberries"}  # fmt: skip
    for row in confirmed:
        order = get_order(store, f"wb:{row.external_id}")
        assert order is not None and order["status"] != "new"
        assert truth[row.external_id]["marketplace_status"] != "new"


def test_a_refused_confirm_is_failed_with_the_marketplace_message(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    sandbox.state.advance(20)
    service = _service(sandbox, store, store_url)

    async def sync_then_cancel_at_marketplace() -> str:
        try:
            await service.sync()
            victim = _new_wb_ids(store)[0]
            result = await service.runtime.connectors.connector(
                service.settings.account("wb")
            ).cancel(OrderRef(victim))
            assert result.ok
            return victim
        finally:
            await service.runtime.aclose()

    victim = asyncio.run(sync_then_cancel_at_marketplace())
    stats = _sync_and_run(_service(sandbox, store, store_url), sync=False)
    assert stats.confirm_failed == 1 and stats.confirmed >= 1
    order = get_order(store, f"wb:{victim}")
    assert order is not None
    [write_back] = order["write_backs"]
    assert write_back["state"] == "failed"
    assert "cannot be added to a supply" in write_back["message"]

    _sync_and_run(_service(sandbox, store, store_url))  # the sync sees the cancellation
    order = get_order(store, f"wb:{victim}")
    assert order is not None and order["status"] == "cancelled"
    assert order["write_backs"][0]["state"] == "failed"  # not retried: no longer new


def test_write_backs_a_crash_left_pending_are_confirmed_once_after_their_lease(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    """Issue 12, Why 6: pending write-backs left by ``kill -9`` were never retried.

    A process died mid-confirm: its rows are pending under its lease, and the marketplace
    took half of its calls. While the lease runs, nobody touches them; after it, every
    order is confirmed, and the half already confirmed is read back, not called twice.
    """
    sandbox.state.advance(20)
    offset = [timedelta(0)]
    settings = _service(sandbox, store, store_url).settings
    service = SyncService(
        Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt + offset[0])
    )
    service.runtime.register_accounts()

    async def crash_mid_confirm() -> list[str]:
        try:
            await service.sync()
            new = _new_wb_ids(store)
            connector = service.runtime.connectors.connector(settings.account("wb"))
            for external_id in new[::2]:  # the calls that got through before the kill
                assert (await connector.confirm(OrderRef(external_id))).ok
            return new
        finally:
            await service.runtime.aclose()

    new = asyncio.run(crash_mid_confirm())
    assert len(new) >= 4
    now = sandbox.state.world.now_dt
    with store.begin() as connection:
        connection.execute(
            text("INSERT INTO write_backs (order_id, action, state, attempts, created_at, "
                 "lease_owner, lease_until) SELECT id, 'confirm', 'pending', 0, :now, "
                 "'gone-host:4242/dead', :until FROM orders WHERE account_id = 'wb' "
                 "AND status = 'new'"),
            {"now": now, "until": now + timedelta(seconds=60)},
        )  # fmt: skip
    held = _sync_and_run(service, sync=False)
    assert held.confirmed == 0 and held.confirm_retaken == 0  # its lease still runs

    offset[0] = timedelta(seconds=61)
    stats = _sync_and_run(service, sync=False)
    assert stats.confirm_retaken == len(new)
    assert stats.confirmed == len(new) and stats.confirm_failed == 0
    written = rows(store, "SELECT o.external_id, w.state, w.attempts, w.message, w.lease_owner "
                          "FROM write_backs w JOIN orders o ON o.id = w.order_id")  # fmt: skip
    assert {(r.state, r.attempts, r.lease_owner) for r in written} == {("ok", 1, None)}
    settled = sorted(r.external_id for r in written if "not called again" in (r.message or ""))
    assert settled == sorted(new[::2])
    world = sandbox.state.world
    in_supplies = [row for orders in world.supplies.values() for row in orders]
    assert len(in_supplies) == len(set(in_supplies)) == len(new)  # each confirmed once
    refused = {endpoint: counts for endpoint, counts in sandbox.state.stats()["endpoints"].items()
               if "409" in counts}  # fmt: skip
    assert refused == {}
