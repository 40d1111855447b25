"""Writing buyers' questions and reviews, a page at a time, without losing the seller's side.

A read refreshes what the marketplace shows (text, rating, the answer if there is one);
the seller's state (a draft, an answer on its way) stays until a read shows the answer.
The product is the seller's SKU, resolved through the catalogue when the read names only
the marketplace's id; an order the marketplace links is linked, and with it the customer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from mpsync.catalog.store import CHUNK, IdKey, skus_by_ids
from mpsync.connector.base import AnswerPolicy
from mpsync.domain import BuyerMessageRecord
from mpsync.domain.events import MessageState
from mpsync.store.rows import execute_rows
from mpsync.store.tables import BuyerMessage, Order
from mpsync.store.upsert import insert_new_statement

MESSAGES = BuyerMessage.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
Key = tuple[str, str]  # (kind, external_id)
# What a read may change; compared to tell an update from a repeat.
READ_FIELDS = ("sku", "product_ids", "product_name", "order_external_id", "order_id",
               "customer_id", "rating", "text", "pros", "cons", "author", "created_at",
               "deadline", "raw")  # fmt: skip
ANSWER_FIELDS = ("answer", "answer_id", "answered_at")
INSERT_COLUMNS = ("account_id", "kind", "external_id", *READ_FIELDS, "state", *ANSWER_FIELDS,
                  "inserted_at", "updated_at")  # fmt: skip


@dataclass
class MessageCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: list[int] = field(default_factory=list)  # rows this page inserted
    answered_ids: list[int] = field(default_factory=list)  # rows a read showed answered now


Bound = Mapping[IdKey, tuple[str, str | None]]


def write_messages(connection: Connection, account_id: str,
                   records: Sequence[BuyerMessageRecord], now: datetime,
                   policies: Mapping[str, AnswerPolicy]) -> MessageCounts:  # fmt: skip
    """Upsert a page of messages: one SELECT for what is stored, one INSERT, one UPDATE."""
    merged = {(r.kind, r.external_id): r for r in records}
    if not merged:
        return MessageCounts()
    bound = _bound_skus(connection, account_id, merged.values())
    orders = _orders(connection, account_id, merged.values())
    rows = {key: _row(account_id, record, bound, orders, policies, now)
            for key, record in merged.items()}  # fmt: skip
    stored = _stored(connection, account_id, list(merged))
    counts = MessageCounts()
    fresh = [row for key, row in rows.items() if key not in stored]
    if fresh:
        statement = insert_new_statement(connection.dialect.name, MESSAGES,
                                         ("account_id", "kind", "external_id"))  # fmt: skip
        for row in fresh:
            if row["state"] == MessageState.ANSWERED and row["answered_at"] is None:
                row["answered_at"] = now  # first seen answered
        execute_rows(connection, statement, INSERT_COLUMNS,
                     [tuple(row[c] for c in INSERT_COLUMNS) for row in fresh])  # fmt: skip
        counts.inserted = len(fresh)
        counts.new_ids = _ids(connection, account_id, [k for k in rows if k not in stored])
    changes = []
    for key, row in rows.items():
        if key not in stored:
            continue
        change = _change(stored[key], row, now)
        if change is None:
            counts.unchanged += 1
            continue
        changes.append(change)
        if (
            change["state"] == MessageState.ANSWERED
            and stored[key]["state"] != MessageState.ANSWERED
        ):
            counts.answered_ids.append(stored[key]["id"])
    if changes:
        _update(connection, changes)
        counts.updated = len(changes)
    return counts


def _row(account_id: str, record: BuyerMessageRecord, bound: Bound,
         orders: Mapping[str, tuple[int, int | None]], policies: Mapping[str, AnswerPolicy],
         now: datetime) -> dict[str, Any]:  # fmt: skip
    sku, name = record.sku, record.product_name
    for pair in sorted(record.product_ids.items()):
        if pair in bound:
            sku = sku or bound[pair][0]
            name = name or bound[pair][1]
    order_id, customer_id = orders.get(record.order_external_id or "", (None, None))
    policy = policies.get(record.kind)
    window = policy.window if policy is not None else None
    answered = record.has_answer
    return {
        "account_id": account_id, "kind": record.kind, "external_id": record.external_id,
        "sku": sku, "product_ids": dict(record.product_ids) or None, "product_name": name,
        "order_external_id": record.order_external_id, "order_id": order_id,
        "customer_id": customer_id, "rating": record.rating, "text": record.text,
        "pros": record.pros, "cons": record.cons, "author": record.author,
        "created_at": record.created_at,
        "deadline": record.created_at + window if window is not None else None,
        "raw": record.raw, "state": MessageState.ANSWERED if answered else MessageState.UNANSWERED,
        "answer": record.answer, "answer_id": record.answer_id,
        "answered_at": record.answered_at if answered else None,
        "inserted_at": now, "updated_at": now,
    }  # fmt: skip


def _change(stored: Mapping[str, Any], row: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The update a read makes to a stored message, or None when it shows nothing new.

    A value the read lacks (a SKU, an order) keeps the stored one. The seller's state stays
    unless the read shows the message answered; an answer stays once seen.
    """
    values = {name: row[name] if row[name] is not None else stored[name] for name in READ_FIELDS}
    values["text"] = row["text"]
    answered = row["state"] == MessageState.ANSWERED
    state = MessageState.ANSWERED if answered else stored["state"]
    answer = {name: (row[name] if row[name] is not None else stored[name]) if answered
              else stored[name] for name in ANSWER_FIELDS}  # fmt: skip
    if answered and answer["answered_at"] is None:
        answer["answered_at"] = now  # first seen answered
    new = {**values, **answer, "state": state}
    if all(_same(stored[name], value) for name, value in new.items()):
        return None
    return {**new, "_id": stored["id"], "updated_at": now}


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old == new
    return bool(old == new)


def _update(connection: Connection, changes: list[dict[str, Any]]) -> None:
    names = [name for name in changes[0] if name != "_id"]
    statement = (
        update(MESSAGES)
        .where(MESSAGES.c.id == bindparam("_id"))
        .values({name: bindparam(f"_{name}", type_=MESSAGES.c[name].type) for name in names})
    )
    connection.execute(statement, [
        {"_id": change["_id"], **{f"_{name}": change[name] for name in names}}
        for change in changes
    ])  # fmt: skip


def _stored(connection: Connection, account_id: str, keys: list[Key]) -> dict[Key, dict[str, Any]]:
    columns = [MESSAGES.c[name] for name in ("id", "kind", "external_id", "state",
                                             *READ_FIELDS, *ANSWER_FIELDS)]  # fmt: skip
    found: dict[Key, dict[str, Any]] = {}
    for kind in sorted({kind for kind, _ in keys}):
        ids = sorted(external for k, external in keys if k == kind)
        for start in range(0, len(ids), CHUNK):
            query = select(*columns).where(
                MESSAGES.c.account_id == account_id, MESSAGES.c.kind == kind,
                MESSAGES.c.external_id.in_(ids[start : start + CHUNK]),
            )  # fmt: skip
            for row in connection.execute(query).mappings():
                found[(row["kind"], row["external_id"])] = dict(row)
    return found


def _ids(connection: Connection, account_id: str, keys: list[Key]) -> list[int]:
    return sorted(row["id"] for row in _stored(connection, account_id, keys).values())


def _bound_skus(connection: Connection, account_id: str, records: Any
                ) -> dict[tuple[str, str], tuple[str, str | None]]:  # fmt: skip
    wanted = {pair for r in records if r.sku is None or r.product_name is None
              for pair in r.product_ids.items()}  # fmt: skip
    return skus_by_ids(connection, account_id, wanted) if wanted else {}


def _orders(
    connection: Connection, account_id: str, records: Any
) -> dict[str, tuple[int, int | None]]:
    numbers = sorted({r.order_external_id for r in records if r.order_external_id})
    found: dict[str, tuple[int, int | None]] = {}
    for start in range(0, len(numbers), CHUNK):
        query = select(ORDERS.c.external_id, ORDERS.c.id, ORDERS.c.customer_id).where(
            ORDERS.c.account_id == account_id,
            ORDERS.c.external_id.in_(numbers[start : start + CHUNK]),
        )
        found.update(
            {row.external_id: (row.id, row.customer_id) for row in connection.execute(query)}
        )
    return found
