"""Writing the catalogue, a page at a time: product reads and the products order lines name.

A product read's name, barcodes and ids are merged in: what a read lacks keeps what an
earlier read stored. Order lines only fill what the catalogue does not know, and take
their missing names from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from mpsync.domain import OrderRecord, ProductRecord
from mpsync.store.tables import Order, OrderLine, Product, ProductId
from mpsync.store.upsert import bulk_upsert

PRODUCTS = Product.__table__  # type: ignore[attr-defined]
PRODUCT_IDS = ProductId.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
CHUNK = 900  # bound parameters per IN (...), under SQLite's limit
_READ = ("name", "barcodes", "source_updated_at")


@dataclass
class CatalogCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def write_products(connection: Connection, account_id: str, records: Sequence[ProductRecord],
                   now: datetime) -> CatalogCounts:  # fmt: skip
    """Upsert a page of product reads: one statement for the rows, one for their ids."""
    merged = _merge(records)
    if not merged:
        return CatalogCounts()
    rows = [
        {"account_id": account_id, "sku": sku, "name": r.name,
         "barcodes": list(r.barcodes) or None, "source_updated_at": r.source_updated_at,
         "updated_at": now}
        for sku, r in merged.items()
    ]  # fmt: skip
    result = bulk_upsert(connection, PRODUCTS, rows, ["account_id", "sku"], compare=_READ,
                         update=[*_READ, "updated_at"], keep=_READ)  # fmt: skip
    id_rows = [
        {"product_id": result.ids[(account_id, sku)], "name": name, "value": value,
         "updated_at": now}
        for sku, r in merged.items() for name, value in sorted(r.ids.items())
    ]  # fmt: skip
    bound = bulk_upsert(connection, PRODUCT_IDS, id_rows, ["product_id", "name"],
                        compare=["value"], update=["value", "updated_at"])  # fmt: skip
    renamed = [key[1] for key in result.changed if merged[key[1]].name is not None]
    fill_line_names(connection, account_id, renamed)
    rebound = {key[0] for key in bound.changed}
    changed = {key for key, row_id in result.ids.items() if row_id in rebound} | result.updated
    return CatalogCounts(len(result.inserted), len(changed - result.inserted),
                         len(merged) - len(result.inserted | changed))  # fmt: skip


def _merge(records: Sequence[ProductRecord]) -> dict[str, ProductRecord]:
    """One record per SKU: later values win, what a later record lacks an earlier one gives."""
    merged: dict[str, ProductRecord] = {}
    for record in records:
        kept = merged.get(record.sku)
        if kept is not None:
            record = record.model_copy(update={
                "name": record.name or kept.name, "barcodes": record.barcodes or kept.barcodes,
                "source_updated_at": record.source_updated_at or kept.source_updated_at,
                "ids": {**kept.ids, **record.ids},
            })  # fmt: skip
        merged[record.sku] = record
    return merged


def fill_line_names(connection: Connection, account_id: str, skus: Sequence[str]) -> None:
    """Order lines of these SKUs that have no name take the catalogue's."""
    catalogue_name = (
        select(PRODUCTS.c.name)
        .where(PRODUCTS.c.account_id == account_id, PRODUCTS.c.sku == LINES.c.sku)
        .scalar_subquery()
    )
    mine = select(ORDERS.c.id).where(ORDERS.c.account_id == account_id)
    for start in range(0, len(skus), CHUNK):
        connection.execute(
            update(LINES)
            .where(LINES.c.name.is_(None), LINES.c.sku.in_(skus[start : start + CHUNK]),
                   LINES.c.order_id.in_(mine))
            .values(name=catalogue_name)
        )  # fmt: skip


def line_products(connection: Connection, account_id: str, records: Iterable[OrderRecord],
                  now: datetime) -> dict[str, str]:  # fmt: skip
    """Catalogue rows for the SKUs order lines name; returns each SKU's name to show.

    One SELECT finds what the catalogue knows; only new SKUs, and names or marketplace
    SKUs it lacks, are written (a page names the same few hundred products again and
    again). A line's name fills a missing catalogue name, never replaces one.
    """
    seen: dict[str, tuple[str | None, str | None]] = {}
    for record in records:
        for line in record.lines:
            name, marketplace_sku = seen.get(line.sku, (None, None))
            seen[line.sku] = (line.name or name, line.marketplace_sku or marketplace_sku)
    stored = _stored(connection, account_id, list(seen))
    rows = []
    for sku, (name, marketplace_sku) in seen.items():
        old_name, old_marketplace_sku = stored.get(sku, (None, None))
        new_name = name if old_name is None else None
        new_marketplace_sku = marketplace_sku if marketplace_sku != old_marketplace_sku else None
        if sku not in stored or new_name or new_marketplace_sku:
            rows.append({"account_id": account_id, "sku": sku, "name": new_name,
                         "marketplace_sku": new_marketplace_sku, "updated_at": now})  # fmt: skip
    if rows:
        columns = ["name", "marketplace_sku"]
        bulk_upsert(connection, PRODUCTS, rows, ["account_id", "sku"], compare=columns,
                    update=[*columns, "updated_at"], keep=columns, returning=None)  # fmt: skip
    return {sku: name for sku, (line_name, _) in seen.items()
            if (name := stored.get(sku, (None, None))[0] or line_name)}  # fmt: skip


def _stored(connection: Connection, account_id: str,
            skus: list[str]) -> dict[str, tuple[str | None, str | None]]:  # fmt: skip
    found: dict[str, tuple[str | None, str | None]] = {}
    for start in range(0, len(skus), CHUNK):
        query = select(PRODUCTS.c.sku, PRODUCTS.c.name, PRODUCTS.c.marketplace_sku).where(
            PRODUCTS.c.account_id == account_id, PRODUCTS.c.sku.in_(skus[start : start + CHUNK])
        )
        found.update(
            {row.sku: (row.name, row.marketplace_sku) for row in connection.execute(query)}
        )
    return found


def ids_of(connection: Connection, product_ids: list[int]) -> dict[int, dict[str, str]]:
    """The bound ids of these catalogue rows, by row id (rows without ids are absent)."""
    found: dict[int, dict[str, str]] = {}
    query = select(PRODUCT_IDS.c.product_id, PRODUCT_IDS.c.name, PRODUCT_IDS.c.value)
    for start in range(0, len(product_ids), CHUNK):
        chunk = product_ids[start : start + CHUNK]
        for link in connection.execute(query.where(PRODUCT_IDS.c.product_id.in_(chunk))):
            found.setdefault(link.product_id, {})[link.name] = link.value
    return {row: dict(sorted(ids.items())) for row, ids in found.items()}


IdKey = tuple[str, str]  # (id name, value)


def skus_by_ids(connection: Connection, account_id: str,
                wanted: Iterable[IdKey]) -> dict[IdKey, tuple[str, str | None]]:  # fmt: skip
    """The seller's SKU (and name) each marketplace id ``(name, value)`` is bound to: the
    reverse of ``resolve``, for reads that name a product by the marketplace's id only
    (an Ozon review's ``sku``, a WB question's ``nmId``). Unbound ids are absent."""
    by_name: dict[str, set[str]] = {}
    for name, value in wanted:
        by_name.setdefault(name, set()).add(value)
    found: dict[IdKey, tuple[str, str | None]] = {}
    title = PRODUCTS.c.name.label("title")
    query = (
        select(PRODUCT_IDS.c.name, PRODUCT_IDS.c.value, PRODUCTS.c.sku, title)
        .join(PRODUCTS, PRODUCTS.c.id == PRODUCT_IDS.c.product_id)
        .where(PRODUCTS.c.account_id == account_id)
    )
    for name, values in by_name.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            rows = connection.execute(
                query.where(PRODUCT_IDS.c.name == name, PRODUCT_IDS.c.value.in_(chunk))
            )
            found.update({(row.name, row.value): (row.sku, row.title) for row in rows})
    return found
