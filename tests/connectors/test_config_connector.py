"""Issue 15: a marketplace with a plain REST API is connected with a TOML file alone.

``docs/examples/shop.toml`` declares auth, the orders stream (cursor paging, a window)
and the mapping; the test starts the shop on 127.0.0.1, configures an account with that
file and syncs it into the store through the same engine as the built-in connectors.
The conformance suite runs over it too (``test_conformance.py``, profile ``shop``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from shop_server import KEY, T0, Shop, make_order
from sqlalchemy import Engine, text

from mpsync.config import load_config_data
from mpsync.connector.config_connector import ConnectorFileError, build_connector
from mpsync.connector.errors import AuthError
from mpsync.runtime import Runtime
from mpsync.sync.service import SyncService

SHOP_TOML = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"


def _settings(store_url: str, shop: Shop, key: str = KEY):  # type: ignore[no-untyped-def]
    account = {"id": "shop-main", "marketplace": "shop", "api_key": key,
               "api_base_url": shop.url, "poll": {"history": "2d"}}  # fmt: skip
    return load_config_data({"store": {"url": store_url}, "connectors": [str(SHOP_TOML)],
                             "accounts": [account]}, env={})  # fmt: skip


def _stored(store: Engine) -> dict[str, tuple[str, str, Decimal, int, str | None]]:
    with store.connect() as connection:
        rows = connection.execute(text(
            "SELECT o.external_id, o.status, o.marketplace_status, o.total,"
            " (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS lines"
            " FROM orders o WHERE o.account_id = 'shop-main'"
        )).all()  # fmt: skip
    return {r.external_id: (r.status, r.marketplace_status, Decimal(r.total), r.lines, None)
            for r in rows}  # fmt: skip


async def test_a_toml_only_connector_syncs_a_local_shop_into_the_store(
    store: Engine, store_url: str
) -> None:
    orders = [
        make_order(n, status)
        for n, status in enumerate(
            ["new", "paid", "packed", "shipped", "delivered", "cancelled", "paid"]
        )
    ]
    with Shop(orders) as shop:
        settings = _settings(store_url, shop)
        service = SyncService(Runtime.build(store, settings, clock=lambda: T0 + timedelta(hours=1)))
        service.runtime.register_accounts()
        try:
            connector = service.runtime.connectors.connector(settings.account("shop-main"))
            await connector.check_credentials()
            [result] = await service.sync("shop-main")
            assert result.outcome == "ok", result.error
            stored = _stored(store)
            assert len(stored) == 7 and result.counts.inserted == 7
            assert {k: v[:2] for k, v in stored.items()} == {
                "1000": ("new", "new"), "1001": ("confirmed", "paid"),
                "1002": ("ready_to_ship", "packed"), "1003": ("shipped", "shipped"),
                "1004": ("delivered", "delivered"), "1005": ("cancelled", "cancelled"),
                "1006": ("confirmed", "paid"),
            }  # fmt: skip
            assert all(v[2] == Decimal("820.50") and v[3] == 2 for v in stored.values())
            listed = [r for r in shop.requests if r.startswith("/api/v1/orders")]
            assert all("updated_from=" in r and "limit=50" in r for r in listed)

            # The shop ships an order: the next incremental run reads the change.
            shop.orders[1001] = make_order(1, "shipped", updated=T0 + timedelta(minutes=50))
            service.clock = lambda: T0 + timedelta(hours=2)
            [again] = await service.sync("shop-main")
            assert again.outcome == "ok" and again.counts.updated >= 1
            assert _stored(store)["1001"][:2] == ("shipped", "shipped")
        finally:
            await service.runtime.aclose()
    with store.connect() as connection:
        phone, email = connection.execute(text(
            "SELECT c.phone, c.email FROM customers c JOIN orders o ON o.customer_id = c.id "
            "WHERE o.external_id = '1000'")).one()  # fmt: skip
    assert (phone, email) == ("+79001234500", "buyer0@example.ru")


async def test_pages_follow_the_declared_cursor_and_a_bad_key_is_an_auth_error(
    store: Engine, store_url: str
) -> None:
    orders = [make_order(n) for n in range(120)]
    with Shop(orders) as shop:
        settings = _settings(store_url, shop)
        service = SyncService(Runtime.build(store, settings, clock=lambda: T0 + timedelta(hours=3)))
        service.runtime.register_accounts()
        try:
            [result] = await service.sync("shop-main")
        finally:
            await service.runtime.aclose()
        assert result.outcome == "ok" and result.counts.inserted == 120
        listed = [r for r in shop.requests if r.startswith("/api/v1/orders")]
        assert sum("cursor=" in r for r in listed) == 2  # pages 2 and 3 of 50, 50, 20
        bad = _settings(store_url, shop, key="wrong")
        service = SyncService(Runtime.build(store, bad))
        try:
            with pytest.raises(AuthError) as caught:
                await service.runtime.connectors.connector(
                    bad.account("shop-main")
                ).check_credentials()
        finally:
            await service.runtime.aclose()
        assert "401" in str(caught.value) and "wrong" not in str(caught.value)


def test_a_broken_connector_file_lists_every_problem(tmp_path: Path) -> None:
    broken = (
        SHOP_TOML.read_text()
        .replace('host = "api"\n', "")
        .replace('path = "/v1/orders"', 'path = "/v1/orders"\nhost = "nowhere"')
        .replace('credential = "api_key"', 'credential = "token"')
        .replace("[streams.orders", "[streams.ordres")
    )
    path = tmp_path / "broken.toml"
    path.write_text(broken)
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(path)
    message = str(caught.value)
    assert "streams.ordres: unknown stream" in message
    assert "streams.ordres.host: 'nowhere'" in message
    assert "names credential 'token'" in message
    assert str(path) in message
