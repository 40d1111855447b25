"""Stock levels and prices: read back from the store, and pushed to a marketplace.

``mpsync stock list/push`` and ``mpsync prices list/push`` call these. The store holds
what the last stock and price reads saw; a push goes to the marketplace, and the next
read (``poll.stock`` / ``poll.prices``) brings the new figure back into the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, literal, select

from mpsync.catalog import binding_stream, resolve
from mpsync.catalog.pushes import (
    PUSHES,
    price_sent,
    push_column,
    record_push,
    stock_sent,
)
from mpsync.connector.base import Connector, PriceUpdate, StockUpdate, WriteResult
from mpsync.stocksync.pushlog import answer_of
from mpsync.store.tables import Account, Price, StockLevel

STOCK = StockLevel.__table__  # type: ignore[attr-defined]
PRICES = Price.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
PUSH_COLUMNS = tuple(
    PUSHES.c[name].label(f"push_{name}")
    for name in ("state", "sent", "ids", "sent_at", "answer", "read", "checked_at")
)


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
    pushed = _last_push("stock", STOCK.c.account_id, STOCK.c.sku, STOCK.c.warehouse)
    query = (
        select(STOCK, ACCOUNTS.c.marketplace, *PUSH_COLUMNS)
        .join(ACCOUNTS, ACCOUNTS.c.id == STOCK.c.account_id)
        .outerjoin(PUSHES, pushed)
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
                **_push(row),
            }
            for row in connection.execute(query)
        ]


def list_prices(
    engine: Engine, *, account: str | None = None, sku: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Prices by account and SKU, money as decimal strings; ``limit=0`` returns all."""
    pushed = _last_push("price", PRICES.c.account_id, PRICES.c.sku, literal(""))
    query = (
        select(PRICES, ACCOUNTS.c.marketplace, *PUSH_COLUMNS)
        .join(ACCOUNTS, ACCOUNTS.c.id == PRICES.c.account_id)
        .outerjoin(PUSHES, pushed)
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
                **_push(row),
            }
            for row in connection.execute(query)
        ]


async def push_stock(engine: Engine, connector: Connector, update: StockUpdate, *,
                     now: datetime) -> WriteResult:  # fmt: skip
    """Publish one stock figure to the ids the SKU is bound to, and record it for read-back.

    Raises ``PushRefused`` (no such write-back) or ``UnboundSkuError`` before any request.
    """
    _require(connector, "push_stock", "stock")
    update = replace(update, ids=_bound(engine, connector, "push_stock", update.sku))
    result = await answer_of(connector.push_stock([update]))
    key = (update.sku, update.warehouse)
    record_push(engine, connector.account.id, "stock", key, stock_sent(update.quantity),
                update.ids, result, now)  # fmt: skip
    return result


async def push_price(engine: Engine, connector: Connector, update: PriceUpdate, *,
                     keep_old_price: bool, now: datetime) -> WriteResult:  # fmt: skip
    """Publish one price to the ids the SKU is bound to, and record it for read-back.

    *keep_old_price*: the old (crossed-out) price stays what the last price read stored;
    otherwise ``update.old_price`` is sent as it is (None: no old price). A minimum price
    not given stays the stored one too (Yandex Market erases one left out).
    """
    _require(connector, "push_prices", "prices")
    update = replace(update, ids=_bound(engine, connector, "push_prices", update.sku))
    stored = _stored_price(engine, connector.account.id, update.sku)
    if keep_old_price:
        if stored is None:
            raise PushRefused(
                f"no price of SKU {update.sku!r} is stored to keep its old price from: run "
                f"`mpsync sync --account {connector.account.id} --stream prices` first, or "
                "give --old-price AMOUNT or --clear-old-price"
            )
        update = replace(update, old_price=stored.old_price)
    if update.min_price is None and stored is not None:
        update = replace(update, min_price=stored.min_price)
    result = await answer_of(connector.push_prices([update]))
    reads_as = (result.details.get("reads_as") or {}).get(update.sku)
    sent = price_sent(update.price, update.old_price, update.min_price, reads_as)
    record_push(engine, connector.account.id, "price", (update.sku, ""), sent, update.ids,
                result, now)  # fmt: skip
    return result


def _bound(engine: Engine, connector: Connector, action: str, sku: str) -> Mapping[str, str]:
    """The SKU's marketplace ids; ``UnboundSkuError`` names the command that binds it."""
    bindings = resolve(engine, connector.account.id, [sku],
                       require=connector.push_ids.get(action, ()),
                       stream=binding_stream(connector))  # fmt: skip
    return bindings[sku].ids


def _stored_price(engine: Engine, account_id: str, sku: str) -> Any:
    """The stored price row of a SKU (``old_price``, ``min_price``), or None."""
    query = select(PRICES.c.old_price, PRICES.c.min_price).where(
        PRICES.c.account_id == account_id, PRICES.c.sku == sku
    )
    with engine.connect() as connection:
        return connection.execute(query).one_or_none()


def _require(connector: Connector, action: str, what: str) -> None:
    if action not in connector.capabilities.actions:
        raise PushRefused(
            f"account {connector.account.id!r} ({connector.name}) cannot take {what} pushes"
        )


def _last_push(kind: str, account: Any, sku: Any, warehouse: Any) -> Any:
    return and_(PUSHES.c.account_id == account, PUSHES.c.kind == kind, PUSHES.c.sku == sku,
                PUSHES.c.warehouse == warehouse)  # fmt: skip


def _push(row: Any) -> dict[str, Any]:
    """The last push of a listed row: ``push`` as the list shows it, ``last_push`` in full."""
    if row.push_state is None:
        return {"push": "", "last_push": None}
    last = {"state": row.push_state, "sent": row.push_sent, "ids": row.push_ids,
            "sent_at": _iso(row.push_sent_at), "answer": row.push_answer,
            "read": row.push_read, "checked_at": _iso(row.push_checked_at)}  # fmt: skip
    return {"push": push_column(last), "last_push": last}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
