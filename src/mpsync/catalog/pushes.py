"""Stock and price pushes read back: what was sent, the marketplace's answer, and whether
the next read shows it taken.

``record_push`` keeps the last push per (account, kind, SKU, warehouse); the writer calls
``read_back`` with each stock or price page, so a push is ``pending`` until a read that
started after it lists the key, then ``taken`` or ``differs``; a push the marketplace
answered with an error is ``refused``, one it never answered ``failed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from mpsync.connector.base import WriteResult
from mpsync.domain import PriceRecord, StockRecord
from mpsync.domain.events import PushState
from mpsync.store.tables import InventoryPush
from mpsync.store.upsert import bulk_upsert

PUSHES = InventoryPush.__table__  # type: ignore[attr-defined]
CHUNK = 900
OPEN = (PushState.PENDING, PushState.FAILED, PushState.DIFFERS)  # states a read may still judge
FIGURES = ("available", "price", "old_price", "min_price")  # what a read can show back
UNANSWERED = "unanswered"  # WriteResult.details key: the marketplace gave no answer
Key = tuple[str, str]  # (sku, warehouse); "" for prices


def record_push(engine: Engine, account_id: str, kind: str, key: Key, sent: Mapping[str, Any],
                ids: Mapping[str, str], result: WriteResult, now: datetime) -> None:  # fmt: skip
    """Store the last push of *key*: what was sent, with which ids, and the answer:
    ``pending`` until a read judges it, ``refused`` (the marketplace said no) or ``failed``
    (no answer: ``result.details[UNANSWERED]``; the next read still judges it)."""
    state = answered_state(result)
    row = {
        "account_id": account_id, "kind": kind, "sku": key[0], "warehouse": key[1],
        "sent": dict(sent), "ids": dict(ids), "sent_at": now,
        "answer": result.message[:2000] or None, "state": state, "read": None,
        "checked_at": None,
    }  # fmt: skip
    with engine.begin() as connection:
        bulk_upsert(connection, PUSHES, [row], ["account_id", "kind", "sku", "warehouse"],
                    compare=(), update=[c for c in row if c not in ("account_id", "kind", "sku",
                                                                    "warehouse")],
                    returning=None)  # fmt: skip


def answered_state(result: WriteResult) -> PushState:
    """A push's state from the marketplace's answer, until a read judges it."""
    if result.ok:
        return PushState.PENDING
    return PushState.FAILED if result.details.get(UNANSWERED) else PushState.REFUSED


def stock_sent(quantity: int) -> dict[str, Any]:
    return {"available": quantity}


def price_sent(price: Decimal, old_price: Decimal | None, min_price: Decimal | None,
               reads_as: Mapping[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """The money a price push asked for, or what the connector says the marketplace will
    show instead (``WriteResult.details["reads_as"]``, e.g. a Wildberries price/discount
    pair that rounds), with the asked figures kept. A cleared old price (0) or none is
    recorded as None: not compared, a marketplace may show the undiscounted price there."""
    sent: dict[str, Any] = {"price": _text(price), "old_price": _text(old_price or None)}
    if min_price is not None:
        sent["min_price"] = _text(min_price)
    shown = {k: _text(Decimal(str(v))) for k, v in (reads_as or {}).items() if k in sent}
    if shown and shown != {k: sent[k] for k in shown}:
        return {**sent, **shown, "asked": sent}
    return sent


def read_back(connection: Connection, account_id: str,
              records: Sequence[StockRecord | PriceRecord], read_at: datetime,
              now: datetime) -> int:  # fmt: skip
    """Compare the open pushes of these keys with what the read shows; returns how many
    changed state. Only pushes sent before the read started are judged."""
    if not records:
        return 0
    kind = "stock" if isinstance(records[0], StockRecord) else "price"
    seen = {_key(r): _shown(r) for r in records}
    skus = sorted({sku for sku, _ in seen})
    changes = []
    for start in range(0, len(skus), CHUNK):
        query = select(PUSHES.c.id, PUSHES.c.sku, PUSHES.c.warehouse, PUSHES.c.sent,
                       PUSHES.c.state, PUSHES.c.read).where(
            PUSHES.c.account_id == account_id, PUSHES.c.kind == kind,
            PUSHES.c.state.in_(OPEN), PUSHES.c.sent_at <= read_at,
            PUSHES.c.sku.in_(skus[start : start + CHUNK]))  # fmt: skip
        for push in connection.execute(query):
            shown = seen.get((push.sku, push.warehouse))
            if shown is None:
                continue
            state = PushState.TAKEN if _taken(push.sent or {}, shown) else PushState.DIFFERS
            if (state, shown) != (push.state, push.read):
                changes.append({"_id": push.id, "state": state, "read": shown, "checked_at": now})
    if changes:
        statement = update(PUSHES).where(PUSHES.c.id == bindparam("_id"))
        connection.execute(statement, changes)
    return len(changes)


def mark_unlisted(connection: Connection, account_id: str, kind: str, read_at: datetime,
                  now: datetime) -> int:  # fmt: skip
    """After a complete read: pushes sent before it that it did not list (still pending)
    differ — the marketplace shows nothing at that key (Wildberries answers 204 even for
    ids it does not know). Returns how many."""
    result = connection.execute(
        update(PUSHES)
        .where(PUSHES.c.account_id == account_id, PUSHES.c.kind == kind,
               PUSHES.c.state.in_((PushState.PENDING, PushState.FAILED)),
               PUSHES.c.sent_at <= read_at)
        .values(state=PushState.DIFFERS, read={}, checked_at=now)
    )  # fmt: skip
    return int(result.rowcount or 0)


def _key(record: StockRecord | PriceRecord) -> Key:
    return (record.sku, record.warehouse) if isinstance(record, StockRecord) else (record.sku, "")


def _shown(record: StockRecord | PriceRecord) -> dict[str, Any]:
    if isinstance(record, StockRecord):
        return {"available": record.on_hand - record.reserved}
    return {"price": _text(record.price), "old_price": _text(record.old_price),
            "min_price": _text(record.min_price)}  # fmt: skip


def _taken(sent: Mapping[str, Any], shown: Mapping[str, Any]) -> bool:
    """Every value sent reads back equal (money compared as numbers). A cleared old price
    is not compared: a marketplace may show the undiscounted price there."""
    return all(
        value is None or (name in shown and _same(value, shown[name]))
        for name, value in sent.items()
        if name in FIGURES
    )


def _same(sent: Any, shown: Any) -> bool:
    if sent is None or shown is None:
        return sent is shown
    return Decimal(str(sent)) == Decimal(str(shown))


def _text(value: Decimal | None) -> str | None:
    """Money as text with two decimals, as ``prices list`` shows it."""
    return None if value is None else f"{value:.2f}"


def push_column(push: Mapping[str, Any] | None) -> str:
    """The ``push`` column of ``stock list`` / ``prices list``."""
    if not push:
        return ""
    state = push["state"]
    if state in (PushState.REFUSED, PushState.FAILED):
        return f"{state}: {push.get('answer') or 'no message'}"
    if state == PushState.DIFFERS and not push.get("read"):
        sent = push.get("sent") or {}
        figure = next((sent[k] for k in FIGURES if sent.get(k) is not None), "")
        return f"differs (sent {figure}, not listed by the read)"
    if state == PushState.DIFFERS:
        sent, read = push.get("sent") or {}, push.get("read") or {}
        pairs = [(name, value, read.get(name)) for name, value in sent.items()
                 if name in FIGURES and value is not None
                 and not _same(value, read.get(name))]  # fmt: skip
        detail = "; ".join(f"{_label(name)}sent {a}, reads {b if b is not None else 'none'}"
                           for name, a, b in pairs)  # fmt: skip
        return f"differs ({detail})"
    return str(state)


def _label(name: str) -> str:
    """The figure a kind is about goes unnamed; the others are named (``old_price: ``)."""
    return "" if name in ("available", "price") else f"{name}: "
