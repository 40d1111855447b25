"""Test helper: bind a sandbox's SKUs in the catalogue directly, the way a read would.

For tests of what happens after binding; the reads that bind are tested on their own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from mpsync.catalog import write_products
from mpsync.catalog.store import PRODUCT_IDS, PRODUCTS
from mpsync.domain import ProductRecord
from mpsync.sandbox import SandboxServer

# The ids each marketplace's write-backs are sent to (PLAN "Product binding").
_IDS = {
    "wildberries": lambda p: {"nmID": str(p.nm_id), "chrtId": str(p.chrt_id)},
    "ozon": lambda p: {"product_id": str(p.ozon_product_id), "sku": str(p.ozon_sku)},
    "yandex_market": lambda p: {"offerId": p.sku},
}


def bind(store: Engine, sandbox: SandboxServer, account_id: str, marketplace: str,
         *skus: str) -> None:  # fmt: skip
    """Bind *skus* (all of the sandbox's catalogue when none are named) of an account."""
    records = [
        ProductRecord(account_id=account_id, sku=p.sku, name=p.name, barcodes=(p.barcode,),
                      ids=_IDS[marketplace](p))
        for p in sandbox.state.world.catalog if not skus or p.sku in skus
    ]  # fmt: skip
    with store.begin() as connection:
        write_products(connection, account_id, records, datetime.now(UTC))


def unbind(store: Engine, account_id: str) -> None:
    """Forget every id the reads bound an account's SKUs to (the SKUs stay known)."""
    with store.begin() as connection:
        connection.execute(
            PRODUCT_IDS.delete().where(
                PRODUCT_IDS.c.product_id.in_(
                    select(PRODUCTS.c.id).where(PRODUCTS.c.account_id == account_id)
                )
            )
        )
