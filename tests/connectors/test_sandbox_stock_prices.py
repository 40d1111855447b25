"""Stock and prices read through the sync engine from the in-process sandbox: the store ends
up equal to the sandbox's truth, and a stock write-back shows in the next stock read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from mpsync.config import Settings, load_config_data
from mpsync.connector.base import StockUpdate
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sandbox.catalog import Product
from mpsync.sync.service import SyncService

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ACCOUNTS = {"wb": "wildberries", "oz": "ozon", "ym": "yandex_market"}
BOUND: dict[str, Callable[[Product], dict[str, str]]] = {
    "wildberries": lambda p: {"nmID": str(p.nm_id), "chrtId": str(p.chrt_id)},
    "ozon": lambda p: {"product_id": str(p.ozon_product_id), "sku": str(p.ozon_sku)},
    "yandex_market": lambda p: {"offerId": p.sku},
}
PAGE_SIZES = {"wb": "goods_page_size", "oz": "info_page_size", "ym": "offers_page_size"}


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=5, backlog=20, orders_per_minute=0.5, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def _settings(sandbox: SandboxServer, store_url: str) -> Settings:
    credentials = sandbox.config.credentials.as_dict()
    accounts = [
        {"id": key, "marketplace": name, "api_base_url": sandbox.url_for(name), **credentials[name]}
        for key, name in ACCOUNTS.items()
    ]
    return load_config_data({"store": {"url": store_url}, "accounts": accounts}, env={})


def _service(sandbox: SandboxServer, store: Engine, store_url: str) -> SyncService:
    async def no_sleep(_: float) -> None:
        return None

    settings = _settings(sandbox, store_url)
    service = SyncService(
        Runtime.build(store, settings, clock=lambda: sandbox.state.world.now_dt, sleep=no_sleep)
    )
    service.runtime.register_accounts()
    return service


def _money(value: Any) -> str | None:
    """Driver values as text: SQLite gives 6164 where PostgreSQL gives 6164.00."""
    return None if value is None else f"{Decimal(str(value)):.2f}"


def store_stock(store: Engine) -> dict[tuple[str, str, str], int]:
    with store.connect() as connection:
        rows = connection.execute(
            text("SELECT account_id, sku, warehouse, on_hand, reserved FROM stock_levels")
        ).all()
    return {(ACCOUNTS[r.account_id], r.sku, r.warehouse): r.on_hand - r.reserved for r in rows}


def truth_stock(sandbox: SandboxServer) -> dict[tuple[str, str, str], int]:
    return {
        (row["marketplace"], row["sku"], row["warehouse_id"]): row["amount"]
        for row in sandbox.state.truth()["stock"]
    }


def store_prices(store: Engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    with store.connect() as connection:
        rows = connection.execute(
            text("SELECT account_id, sku, price, old_price, min_price, currency FROM prices")
        ).all()
    return {
        (ACCOUNTS[r.account_id], r.sku): (
            _money(r.price),
            _money(r.old_price),
            _money(r.min_price),
            r.currency,
        )
        for r in rows
    }


def truth_prices(sandbox: SandboxServer) -> dict[tuple[str, str], tuple[Any, ...]]:
    """The truth as each marketplace's price read shows it: Ozon's and Yandex Market's carry
    min_price (YM's minimumForBestseller), Wildberries' does not."""
    return {
        (row["marketplace"], row["sku"]): (
            row["price"],
            row["old_price"],
            row["min_price"] if row["marketplace"] in ("ozon", "yandex_market") else None,
            row["currency"],
        )
        for row in sandbox.state.truth()["prices"]
    }


async def _sync(service: SyncService, stream: str) -> None:
    results = await service.sync(stream=stream)
    assert sorted(r.account for r in results) == sorted(ACCOUNTS)
    for result in results:
        assert result.outcome == "ok", result.error
        assert result.counts.dead_lettered == 0 and result.counts.fetched >= 40


@pytest.mark.parametrize("page_size", [None, 15], ids=["default-pages", "pages-of-15"])
async def test_stock_and_prices_sync_reach_the_sandbox_truth(
    sandbox: SandboxServer, store: Engine, store_url: str, page_size: int | None
) -> None:
    service = _service(sandbox, store, store_url)
    if page_size is not None:  # 40 products: three pages each, through the sandbox's cursors
        for account in service.settings.accounts:
            setattr(
                service.runtime.connectors.connector(account), PAGE_SIZES[account.id], page_size
            )
    try:
        await _sync(service, "stock")
        await _sync(service, "prices")
        assert store_stock(store) == truth_stock(sandbox)
        # 40 products on each marketplace, and Ozon's own (FBO) stock of every third one
        assert len(store_stock(store)) == 3 * 40 + 14
        assert store_prices(store) == truth_prices(sandbox)
        assert len(store_prices(store)) == 3 * 40
        if page_size is not None:
            calls = sandbox.state.stats()["endpoints"]
            for listing in (
                "wildberries GET /api/v2/list/goods/filter",
                "ozon POST /v4/product/info/stocks",
                "ozon POST /v5/product/info/prices",
                "yandex_market POST /v2/campaigns/{campaignId}/offers/stocks",
                "yandex_market POST /v2/businesses/{businessId}/offer-prices",
            ):
                assert calls[listing]["200"] >= 3, listing

        again = [*await service.sync(stream="stock"), *await service.sync(stream="prices")]
        assert all(r.counts.inserted == r.counts.updated == 0 for r in again)
    finally:
        await service.runtime.aclose()


async def test_a_stock_push_then_a_stock_read_shows_the_pushed_quantity(
    sandbox: SandboxServer, store: Engine, store_url: str
) -> None:
    service = _service(sandbox, store, store_url)
    product = sandbox.state.world.catalog[2]
    try:
        await _sync(service, "stock")
        before = store_stock(store)
        pushed: dict[tuple[str, str, str], int] = {}
        for account in service.settings.accounts:
            marketplace = ACCOUNTS[account.id]
            (key,) = [k for k in before if k[0] == marketplace and k[1] == product.sku]
            quantity = before[key] + 7
            update = StockUpdate(
                product.sku,
                key[2],  # the warehouse as the read stored it
                quantity,
                # what order lines store as marketplace_sku
                marketplace_sku=f"{product.nm_id}/{product.chrt_id}",
                # the ids the binding holds (WB sets stock by chrtId, Ozon requires product_id)
                ids=BOUND[marketplace](product),
            )
            result = await service.runtime.connectors.connector(account).push_stock([update])
            assert result.ok, (marketplace, result.message)
            pushed[key] = quantity
        await _sync(service, "stock")
    finally:
        await service.runtime.aclose()
    after = store_stock(store)
    assert {key: after[key] for key in pushed} == pushed
    assert after == truth_stock(sandbox)
    assert {k: v for k, v in after.items() if k not in pushed} == {
        k: v for k, v in before.items() if k not in pushed
    }
