"""A small store for stock-sync tests: accounts, listings, stock reads and orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from mpsync.config import Settings
from mpsync.store.tables import Account, Order, OrderLine, Product, ProductId, StockLevel

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
WAREHOUSES = {"wb": "507", "oz": "22142605386000", "ym": "7654321"}
MARKETPLACES = {"wb": "wildberries", "oz": "ozon", "ym": "yandex_market"}
IDS = {"wb": "chrtId", "oz": "product_id", "ym": "offerId"}


def settings(
    accounts: dict[str, dict[str, Any]],
    *,
    prices: dict[str, dict[str, Any]] | None = None,
    **stock: Any,
) -> Settings:
    """Accounts by id with their ``stock`` tables (and ``prices`` rules), and ``[stock]``."""
    rules = prices or {}
    return Settings.model_validate(
        {
            "accounts": [
                {"id": a, "marketplace": MARKETPLACES[a], "stock": cfg}
                | ({"prices": rules[a]} if a in rules else {})
                for a, cfg in accounts.items()
            ],
            "stock": stock,
        }
    )


def add_accounts(engine: Engine, accounts: Sequence[str]) -> None:
    with engine.begin() as connection:
        connection.execute(
            Account.__table__.insert(),
            [  # type: ignore[attr-defined]
                {"id": a, "marketplace": MARKETPLACES[a], "created_at": T0} for a in accounts
            ],
        )


def add_listings(
    engine: Engine, rows: Sequence[tuple[str, str, tuple[str, ...], int | None]]
) -> None:
    """(account, sku, barcodes, available read or None) — bound to an id numbered in order."""
    products = Product.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for n, (account, sku, barcodes, available) in enumerate(rows, 1):
            pid = connection.execute(
                products.insert().values(
                    account_id=account, sku=sku, barcodes=list(barcodes) or None, updated_at=T0
                )
            ).inserted_primary_key[0]
            value = str(1000 + n) if account != "ym" else sku
            connection.execute(
                ProductId.__table__.insert().values(  # type: ignore[attr-defined]
                    product_id=pid, name=IDS[account], value=value, updated_at=T0
                )
            )
            if available is not None:
                connection.execute(
                    StockLevel.__table__.insert().values(  # type: ignore[attr-defined]
                        account_id=account,
                        sku=sku,
                        warehouse=WAREHOUSES[account],
                        on_hand=available,
                        reserved=0,
                        updated_at=T0,
                        seen_at=T0,
                    )
                )


def add_order(
    engine: Engine, account: str, external_id: str, status: str, lines: Sequence[tuple[str, int]]
) -> int:
    with engine.begin() as connection:
        order_id = connection.execute(
            Order.__table__.insert().values(  # type: ignore[attr-defined]
                account_id=account,
                external_id=external_id,
                status=status,
                marketplace_status=status,
                created_at=T0,
                source_updated_at=T0,
                currency="RUB",
                content_hash="x",
                inserted_at=T0,
                updated_at=T0,
            )
        ).inserted_primary_key[0]
        connection.execute(
            OrderLine.__table__.insert(),
            [  # type: ignore[attr-defined]
                {"order_id": order_id, "line_no": n, "sku": sku, "quantity": q}
                for n, (sku, q) in enumerate(lines, 1)
            ],
        )
    return int(order_id)


def set_status(engine: Engine, order_id: int, status: str) -> None:
    table = Order.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(table.update().where(table.c.id == order_id).values(status=status))
