"""Yandex Market product binding: the products stream reads the offer mappings, write-backs
go to the bound offerId, an unbound SKU is refused naming the command that binds it.

Source: getOfferMappings (yandex-market/yandex-market-partner-api openapi/paths/
v2_businesses_businessId_offer-mappings.yaml at 1318e9b8): offer.offerId (the seller's SKU),
mapping.marketSku (the Market card), offer.name, offer.barcodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from mpsync.catalog import UnboundSkuError, resolve
from mpsync.connector.base import PriceUpdate, StockUpdate
from mpsync.inventory import push_price, push_stock
from mpsync.sandbox import SandboxServer
from mpsync.sandbox.yandex_market_offers import market_sku
from mpsync.sync.service import SyncService
from tests.sync.conftest import make_settings, service_for


@pytest.fixture
def service(sandbox: SandboxServer, store: Engine, store_url: str) -> Iterator[SyncService]:
    svc = service_for(sandbox, store, make_settings(sandbox, store_url))
    yield svc
    asyncio.run(svc.runtime.aclose())


def test_the_products_stream_binds_offers_and_pushes_use_the_binding(
    sandbox: SandboxServer, store: Engine, service: SyncService
) -> None:
    catalog = sandbox.state.world.catalog
    product = catalog[4]
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    async def scenario() -> None:
        account = service.settings.account("ym")
        connector = service.runtime.connectors.connector(account)
        with pytest.raises(UnboundSkuError, match="--account ym --stream products"):
            await push_stock(store, connector, StockUpdate(product.sku, "21000000", 9), now=now)
        (result,) = await service.sync("ym", "products")
        assert result.outcome == "ok" and result.counts.fetched == len(catalog)
        binding = resolve(store, "ym", [product.sku], require=["offerId"])[product.sku]
        assert binding.ids == {"offerId": product.sku, "marketSku": str(market_sku(product))}
        assert (binding.name, binding.barcodes) == (product.name, (product.barcode,))
        stock = StockUpdate(product.sku, "21000000", 9)
        assert (await push_stock(store, connector, stock, now=now)).ok
        assert sandbox.state.world.stock["yandex_market"][product.index] == 9
        price = PriceUpdate(product.sku, Decimal(990), Decimal(1290))
        assert (await push_price(store, connector, price, keep_old_price=False, now=now)).ok
        row = sandbox.state.world.price("yandex_market", product.index)
        assert (row.price_kop, row.old_price_kop) == (99_000, 129_000)
        await service.runtime.aclose()

    asyncio.run(scenario())
