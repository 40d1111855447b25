"""Resolving seller SKUs to the marketplace ids the catalogue binds them to.

Every write-back goes through ``resolve``: an SKU without the ids it needs is refused
with ``UnboundSkuError`` (naming the SKU and the command that binds it), never guessed
from the SKU text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from mpsync.catalog.store import CHUNK, PRODUCTS, ids_of
from mpsync.connector.base import Connector


@dataclass(frozen=True)
class Binding:
    """One SKU of an account and the marketplace ids it is bound to."""

    account_id: str
    sku: str
    ids: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    barcodes: tuple[str, ...] = ()


class UnboundSkuError(LookupError):
    """An SKU the catalogue does not bind to the marketplace ids a write-back needs."""

    def __init__(self, account_id: str, sku: str, missing: Collection[str] = (),
                 stream: str | None = None) -> None:  # fmt: skip
        self.account_id, self.sku, self.missing = account_id, sku, tuple(missing)
        self.command = bind_command(account_id, stream)
        what = f"has no {', '.join(self.missing)}" if self.missing else "has no marketplace ids"
        super().__init__(
            f"SKU {sku!r} of account {account_id!r} is not bound: the catalogue {what}; "
            f"run `{self.command}` to bind it (see `mpsync products list --unbound`)"
        )


def binding_stream(connector: type[Connector] | Connector) -> str | None:
    """The stream whose read binds a connector's SKUs (None: every stream may)."""
    if connector.binding_stream:
        return connector.binding_stream
    return "products" if "products" in connector.capabilities.streams else None


def bind_command(account_id: str, stream: str | None) -> str:
    """The command whose read binds an account's SKUs (every stream when none is named)."""
    suffix = f" --stream {stream}" if stream else ""
    return f"mpsync sync --account {account_id}{suffix}"


def resolve(
    engine: Engine,
    account_id: str,
    skus: Iterable[str],
    *,
    require: Collection[str] = (),
    stream: str | None = None,
) -> dict[str, Binding]:
    """The binding of every SKU; raises ``UnboundSkuError`` for the first one without ids
    (or without one of the ids in *require*). *stream* is named in the error's command."""
    wanted = list(dict.fromkeys(skus))
    found = read_bindings(engine, account_id, wanted)
    for sku in wanted:
        binding = found.get(sku)
        ids = binding.ids if binding else {}
        missing = [name for name in require if name not in ids]
        if not ids or missing:
            raise UnboundSkuError(account_id, sku, missing, stream)
    return {sku: found[sku] for sku in wanted}


def read_bindings(engine: Engine, account_id: str, skus: list[str]) -> dict[str, Binding]:
    """Catalogue rows of these SKUs with their ids (two SELECTs per 900 SKUs)."""
    found: dict[str, Binding] = {}
    columns = (PRODUCTS.c.id, PRODUCTS.c.sku, PRODUCTS.c.name, PRODUCTS.c.barcodes)
    with engine.connect() as connection:
        for start in range(0, len(skus), CHUNK):
            chunk = skus[start : start + CHUNK]
            rows = connection.execute(select(*columns).where(
                PRODUCTS.c.account_id == account_id, PRODUCTS.c.sku.in_(chunk)
            )).all()  # fmt: skip
            ids = ids_of(connection, [row.id for row in rows])
            found.update({
                row.sku: Binding(account_id, row.sku, ids.get(row.id, {}), row.name,
                                 tuple(row.barcodes or ()))
                for row in rows
            })  # fmt: skip
    return found
