"""Browsing the catalogue: every SKU an account knows, with its ids, bound or not.

A SKU is known when order lines, a stock read, a price read or a product read named it;
it is *unbound* when the catalogue holds no marketplace id for it, so no write-back can
target it yet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, exists, select, union

from mpsync.catalog.store import PRODUCT_IDS, PRODUCTS, ids_of
from mpsync.store.tables import Account, Price, StockLevel

STOCK = StockLevel.__table__  # type: ignore[attr-defined]
PRICES = Price.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]


def list_products(
    engine: Engine, *, account: str | None = None, unbound: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Known SKUs by account and SKU; ``unbound``: only those without ids; ``limit=0``: all."""
    sources = [select(t.c.account_id, t.c.sku) for t in (PRODUCTS, STOCK, PRICES)]
    if account:
        sources = [s.where(s.selected_columns.account_id == account) for s in sources]
    known = union(*sources).subquery("known")
    row = and_(PRODUCTS.c.account_id == known.c.account_id, PRODUCTS.c.sku == known.c.sku)
    query = (
        select(known.c.account_id, known.c.sku, ACCOUNTS.c.marketplace, PRODUCTS.c.id,
               PRODUCTS.c.name, PRODUCTS.c.barcodes, PRODUCTS.c.updated_at)
        .select_from(known.join(ACCOUNTS, ACCOUNTS.c.id == known.c.account_id)
                     .outerjoin(PRODUCTS, row))
        .order_by(known.c.account_id, known.c.sku)
    )  # fmt: skip
    if unbound:
        query = query.where(~exists().where(PRODUCT_IDS.c.product_id == PRODUCTS.c.id))
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        ids = ids_of(connection, [r.id for r in rows if r.id is not None])
    return [
        {
            "account": r.account_id,
            "marketplace": r.marketplace,
            "sku": r.sku,
            "name": r.name,
            "bound": bool(ids.get(r.id)),
            "ids": ids.get(r.id, {}),
            "barcodes": list(r.barcodes or []),
            "updated_at": r.updated_at.isoformat() if r.updated_at else None,
        }
        for r in rows
    ]
