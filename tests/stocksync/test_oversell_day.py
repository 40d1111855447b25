"""Acceptance (issue 18): the sandbox sells the same items on three marketplaces for a
simulated day — 1 to 5 units of each on one shelf, bursts of orders; 5 products listed
on Yandex Market under their own SKU (linked by barcode), 4 on Ozon (linked by a
links.csv) — once without
mpsync's propagation and once with it; both oversell counts are printed.

With propagation, mpsync runs as the daemon would every minute (``[stock] propagation =
"60s"``): the orders read (``poll.orders = 1m``), the stock read every 10 minutes, then
one propagation through the real connectors over HTTP. The sandbox applies a stock push
at once (push delay 0), so no oversell may come later than one propagation interval plus
the order poll after the shelf ran short. Minutes in which the sandbox changed nothing
are skipped (nothing to read, nothing to push) unless a row is waiting to go.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from mpsync.config import load_config_data
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sandbox.sim import World
from mpsync.stocksync.propagate import propagate
from mpsync.stocksync.service import link_rows, set_stock
from mpsync.store.engine import create_store_engine
from mpsync.store.migrate import upgrade
from mpsync.sync.service import SyncService

T0 = datetime(2026, 12, 1, tzinfo=UTC)
DAY = 24 * 60
PROPAGATION = 60  # seconds: [stock] propagation
ORDER_POLL = 60  # seconds: poll.orders
PUSH_DELAY = 0  # the sandbox shows a pushed figure at once


def _config() -> SandboxConfig:
    return SandboxConfig(seed=3, products=20, shared_stock=(1, 5), orders_per_minute=0.03,
                         bursts=((540, 30, 0.3), (1140, 20, 0.5)), start_time=T0,
                         rate_limit_scale=0, backlog=0)  # fmt: skip


def _settings(server: SandboxServer, url: str, links: Path) -> object:
    poll = {"history": "1d", "lookback": "10m"}
    accounts = [
        {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb", "poll": poll,
         "api_base_url": server.url_for("wildberries")},
        {"id": "oz", "marketplace": "ozon", "client_id": "100001", "api_key": "k3y-ozon",
         "poll": poll, "api_base_url": server.url_for("ozon")},
        {"id": "ym", "marketplace": "yandex_market", "api_key": "k3y-ym", "business_id": 1000001,
         "campaign_ids": [21000000], "poll": poll, "api_base_url": server.url_for("yandex_market")},
    ]  # fmt: skip
    stock = {"source": "ledger", "propagation": "60s", "links": str(links)}
    return load_config_data({"store": {"url": url}, "accounts": accounts, "stock": stock},
                            env={})  # fmt: skip


def _fingerprint(world: World) -> tuple[int, ...]:
    return tuple(x for t in world.tables.values() for x in (len(t), sum(t.step)))


async def _day_with_mpsync(server: SandboxServer, engine: Engine, settings: object) -> int:
    world = server.state.world

    async def no_sleep(_: float) -> None:
        return None

    service = SyncService(
        Runtime.build(engine, settings, clock=lambda: world.now_dt, sleep=no_sleep)
    )  # type: ignore[arg-type]
    service.runtime.register_accounts()
    accounts = settings.accounts  # type: ignore[attr-defined]
    connectors = {a.id: service.runtime.connectors.connector(a) for a in accounts}
    try:
        for account in accounts:
            for stream in ("products", "stock"):
                await service.sync_stream(account, stream)
        shelf = {p.sku: units for p, units in zip(world.catalog, world.shared.shelf, strict=True)}  # type: ignore[union-attr]
        set_stock(engine, settings, shelf, reason="counted", source="set", now=world.now_dt)  # type: ignore[arg-type]
        seen, waiting, propagations = _fingerprint(world), True, 0
        for minute in range(1, DAY + 1):
            server.state.advance_seconds(60)
            now = _fingerprint(world)
            if now == seen and not waiting:
                continue
            seen = now
            for account in accounts:
                await service.sync_stream(account, "orders")
                if minute % 10 == 0:
                    await service.sync_stream(account, "stock")
            result = await propagate(engine, settings, connectors, now=world.now_dt)  # type: ignore[arg-type]
            waiting = any(not row.push for row in result.plan.rows) or bool(result.failed)
            propagations += 1
        return propagations
    finally:
        await service.runtime.aclose()


def test_a_simulated_day_oversells_only_within_one_propagation(tmp_path: Path) -> None:
    alone = World(_config())
    alone.advance(DAY * 60)
    without = alone.shared.truth()  # type: ignore[union-attr]

    engine = create_store_engine(f"sqlite:///{tmp_path / 'day.db'}", create=True)
    upgrade(engine)
    with SandboxServer(_config()) as server:
        links = tmp_path / "links.csv"  # Ozon's own SKUs for some products (no barcode there)
        catalog = server.state.world.catalog
        oz = [p for p in server.state.world.catalog_of("ozon") if p.sku != catalog[p.index].sku]
        links.write_text("".join(f"{catalog[p.index].sku},oz,{p.sku}\n" for p in oz))
        settings = _settings(server, str(engine.url), links)
        propagations = asyncio.run(_day_with_mpsync(server, engine, settings))
        linked = link_rows(engine, settings, unlinked=False)  # type: ignore[arg-type]
        with_ = server.state.shared_truth()
    engine.dispose()
    assert with_ is not None
    how = Counter(row["linked_by"] for row in linked)
    # 20 items × 3 accounts: 5 listed on YM under their own SKU (linked by barcode), 4 on
    # Ozon (linked by links.csv), one of them both; the rest share their SKU.
    assert how == {"sku": 50, "barcode": 6, "csv": 4}, how
    bound = PROPAGATION + ORDER_POLL + PUSH_DELAY
    late = [o for o in with_["oversells"] if o["stale"] > bound]
    print(f"\nsimulated day, 20 items x 3 marketplaces, 1-5 units each, bursts of orders:"
          f"\n  without propagation: {len(without['oversells'])} oversells in "
          f"{without['sales']} sales"
          f"\n  with propagation:    {len(with_['oversells'])} oversells in {with_['sales']} sales"
          f" ({propagations} propagations); stale for (s): "
          f"{sorted(o['stale'] for o in with_['oversells'])}")  # fmt: skip
    assert late == [], late
    assert len(with_["oversells"]) < len(without["oversells"])
