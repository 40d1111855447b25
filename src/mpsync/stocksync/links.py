"""Links between listings: the same physical product on several accounts is one item.

Listings (an account's seller SKU, from its catalogue and stock reads) join one item when
their SKUs are equal, when they share a barcode, or when a ``links.csv`` row
(``item,account,sku``) says so. An item is named by its ``links.csv`` name, else by the
smallest SKU among its listings. A ``links.csv`` item named like a seller SKU joins the
listings of that SKU (``SKU-1,ozon-main,OZ-77`` links Ozon's OZ-77 to every SKU-1).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from mpsync.store.tables import Product, StockLevel

PRODUCTS = Product.__table__  # type: ignore[attr-defined]
STOCK = StockLevel.__table__  # type: ignore[attr-defined]
Listing = tuple[str, str]  # (account id, seller SKU)


class LinksFileError(ValueError):
    """A ``links.csv`` row that cannot be read (the message names the line)."""


@dataclass
class Links:
    """Items and their listings; ``how`` says why a listing is linked: ``csv`` (a links.csv
    row), ``sku`` (another listing has its SKU), else ``barcode``."""

    items: dict[str, list[Listing]] = field(default_factory=dict)
    item_of: dict[Listing, str] = field(default_factory=dict)
    how: dict[Listing, str] = field(default_factory=dict)

    def item(self, sku: str) -> str | None:
        """The item a SKU names: an item's name, or any listing's SKU."""
        if sku in self.items:
            return sku
        return next((item for (_, s), item in self.item_of.items() if s == sku), None)

    def linked(self, listing: Listing) -> bool:
        """Whether the listing's item has listings on other accounts too."""
        item = self.item_of[listing]
        return len({account for account, _ in self.items[item]}) > 1


class _Union:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, node: object) -> object:
        root = self.parent.setdefault(node, node)
        while root != self.parent[root]:
            root = self.parent[root]
        while node != root:
            node, self.parent[node] = self.parent[node], root
        return root

    def join(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def read_links_file(path: str | Path) -> list[tuple[str, str, str]]:
    """Rows ``(item, account, sku)`` of a links.csv (header ``item,account,sku`` optional)."""
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), 1):
            cells = [cell.strip() for cell in row]
            if not any(cells) or cells[0].startswith("#") or cells == ["item", "account", "sku"]:
                continue
            if len(cells) != 3 or not all(cells):
                raise LinksFileError(f"{path}:{number}: expected item,account,sku; got {row!r}")
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def build_links(
    listings: Iterable[Listing],
    barcodes: Mapping[Listing, Sequence[str]],
    manual: Sequence[tuple[str, str, str]] = (),
) -> Links:
    """Group listings into items by equal SKU, shared barcode and the manual rows."""
    union = _Union()
    every = sorted(set(listings) | {(account, sku) for _, account, sku in manual})
    manual_of = {(account, sku): item for item, account, sku in manual}
    for listing in every:
        union.find(listing)
        union.join(listing, ("sku", listing[1]))
        for code in barcodes.get(listing, ()):
            union.join(listing, ("barcode", code))
    for item, account, sku in manual:
        union.join((account, sku), ("item", item))
        union.join(("item", item), ("sku", item))  # an item named like a SKU takes its listings
    groups: dict[object, list[Listing]] = {}
    for listing in every:
        groups.setdefault(union.find(listing), []).append(listing)
    links = Links()
    for members in groups.values():
        named = sorted({manual_of[m] for m in members if m in manual_of})
        item = named[0] if named else min(sku for _, sku in members)
        links.items[item] = members
        shared = Counter(sku for _, sku in members)
        for member in members:
            links.item_of[member] = item
            links.how[member] = (
                "csv" if member in manual_of else "sku" if shared[member[1]] > 1 else "barcode"
            )
    return links


def load_links(engine: Engine, accounts: Sequence[str], links_file: str | None = None) -> Links:
    """Links of the listings the catalogue and the stock reads of *accounts* know."""
    barcodes: dict[Listing, list[str]] = {}
    listings: set[Listing] = set()
    with engine.connect() as connection:
        query = select(PRODUCTS.c.account_id, PRODUCTS.c.sku, PRODUCTS.c.barcodes)
        for row in connection.execute(query.where(PRODUCTS.c.account_id.in_(accounts))):
            listings.add((row.account_id, row.sku))
            if row.barcodes:
                barcodes[(row.account_id, row.sku)] = list(row.barcodes)
        stock = select(STOCK.c.account_id, STOCK.c.sku).distinct()
        listings.update(
            (r.account_id, r.sku)
            for r in connection.execute(stock.where(STOCK.c.account_id.in_(accounts)))
        )
    manual = read_links_file(links_file) if links_file else []
    manual = [row for row in manual if row[1] in accounts]
    return build_links(listings, barcodes, manual)
