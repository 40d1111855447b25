"""Stock levels and prices: read back from the store, and pushed to a marketplace.

``mpsync stock list/push`` and ``mpsync prices list/push`` call these. The store holds
what the last stock and price reads saw; a push goes to the marketplace, and the next
read (``poll.stock`` / ``poll.prices``) brings the new figure back into the store.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from mpsync.connector.base import Connector, PriceUpdate, StockUpdate, WriteResult
from mpsync.store.tables import Account, Price, StockLevel

STOCK = StockLevel.__table__  # type: ignore[attr-defined]
PRICES = Price.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]


class PushRefused(ValueError):
    """The account's marketplace cannot take this push (no such write-back)."""


def list_stock(
    engine: Engine,
    *,
    account: str | None = None,
    sku: str | None = None,
    below: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Stock rows by account, SKU and warehouse; ``below``: available under N; 0 = all rows."""
    available = STOCK.c.on_hand - STOCK.c.reserved
    query = (
        select(STOCK, ACCOUNTS.c.marketplace)
        .join(ACCOUNTS, ACCOUNTS.c.id == STOCK.c.account_id)
        .order_by(STOCK.c.account_id, STOCK.c.sku, STOCK.c.warehouse)
    )
    if account:
        query = query.where(STOCK.c.account_id == account)
    if sku:
        query = query.where(STOCK.c.sku == sku)
    if below is not None:
        query = query.where(available < below)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [
            {
                "account": row.account_id,
                "marketplace": row.marketplace,
                "sku": row.sku,
                "warehouse": row.warehouse,
                "on_hand": row.on_hand,
                "reserved": row.reserved,
                "available": row.on_hand - row.reserved,
                "source_updated_at": _iso(row.source_updated_at),
                "updated_at": _iso(row.updated_at),
            }
            for row in connection.execute(query)
        ]


def list_prices(
    engine: Engine, *, account: str | None = None, sku: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Prices by account and SKU, money as decimal strings; ``limit=0`` returns all."""
    query = (
        select(PRICES, ACCOUNTS.c.marketplace)
        .join(ACCOUNTS, ACCOUNTS.c.id == PRICES.c.account_id)
        .order_by(PRICES.c.account_id, PRICES.c.sku)
    )
    if account:
        query = query.where(PRICES.c.account_id == account)
    if sku:
        query = query.where(PRICES.c.sku == sku)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [
            {
                "account": row.account_id,
                "marketplace": row.marketplace,
                "sku": row.sku,
                "price": _money(row.price),
                "old_price": _money(row.old_price),
                "min_price": _money(row.min_price),
                "currency": row.currency,
                "source_updated_at": _iso(row.source_updated_at),
                "updated_at": _iso(row.updated_at),
            }
            for row in connection.execute(query)
        ]


async def push_stock(connector: Connector, update: StockUpdate) -> WriteResult:
    """Publish one stock figure; refused before any request if the marketplace cannot."""
    _require(connector, "push_stock", "stock")
    return await connector.push_stock([update])


async def push_price(connector: Connector, update: PriceUpdate) -> WriteResult:
    """Publish one price; refused before any request if the marketplace cannot."""
    _require(connector, "push_prices", "prices")
    return await connector.push_prices([update])


def _require(connector: Connector, action: str, what: str) -> None:
    if action not in connector.capabilities.actions:
        raise PushRefused(
            f"account {connector.account.id!r} ({connector.name}) cannot take {what} pushes"
        )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
