"""Writing a page of orders: upsert orders, lines, products, customers, status history.

All of it per page with a handful of statements, in the caller's transaction;
status observations are merged through ``mpsync.domain.status`` so replays
and stale reads change nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from mpsync.catalog.store import line_products
from mpsync.coordination.leases import lock_keys
from mpsync.domain import OrderRecord, OrderState, OrderStatus, OrderStatusUpdate, StatusUpdate
from mpsync.domain.events import EventKind
from mpsync.domain.status import Transition, apply_update, can_transition
from mpsync.store.rows import execute_rows
from mpsync.store.tables import Customer, Order, OrderLine, StatusChange
from mpsync.store.types import canonical_dumps
from mpsync.store.upsert import bulk_upsert, insert_new_statement, upsert_statement
from mpsync.sync.events import Event

ORDERS = Order.__table__  # type: ignore[attr-defined]
LINES = OrderLine.__table__  # type: ignore[attr-defined]
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
CHANGES = StatusChange.__table__  # type: ignore[attr-defined]
_LINE_INSERT = insert(LINES)
_CONTENT_EXCLUDE = {"raw", "status", "marketplace_status", "marketplace_substatus",
                    "source_updated_at", "account_id"}  # fmt: skip


@dataclass
class OrderCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    events: list[Event] = field(default_factory=list)


@dataclass
class _Existing:
    id: int
    state: OrderState
    content_hash: str
    source_updated_at: datetime
    marketplace_status: str
    marketplace_substatus: str | None


def _state(seen: dict[str, Any] | None) -> OrderState:
    if not seen:
        return OrderState()
    return OrderState({OrderStatus(k): datetime.fromisoformat(v) for k, v in seen.items()})


def _seen_json(state: OrderState) -> dict[str, str]:
    return {status.value: at.isoformat() for status, at in sorted(state.seen.items())}


def content_hash(record: OrderRecord) -> str:
    data = record.model_dump(mode="json", exclude=_CONTENT_EXCLUDE)
    return hashlib.sha256(canonical_dumps(data).encode()).hexdigest()[:32]


def _load_existing(
    connection: Connection, account_id: str, external_ids: Iterable[str]
) -> dict[str, _Existing]:
    ids = list(external_ids)
    found: dict[str, _Existing] = {}
    columns = (ORDERS.c.id, ORDERS.c.external_id, ORDERS.c.status_seen, ORDERS.c.content_hash,
               ORDERS.c.source_updated_at, ORDERS.c.marketplace_status,
               ORDERS.c.marketplace_substatus)  # fmt: skip
    for start in range(0, len(ids), 900):
        query = select(*columns).where(
            ORDERS.c.account_id == account_id, ORDERS.c.external_id.in_(ids[start : start + 900])
        )
        for row in connection.execute(query):
            found[row.external_id] = _Existing(
                row.id, _state(row.status_seen), row.content_hash, row.source_updated_at,
                row.marketplace_status, row.marketplace_substatus,
            )  # fmt: skip
    return found


def _latest_per_id(records: Sequence[Any]) -> list[Any]:
    latest: dict[str, Any] = {}
    for record in records:
        kept = latest.get(record.external_id)
        if kept is None or record.source_updated_at >= kept.source_updated_at:
            latest[record.external_id] = record
    return list(latest.values())


def _observe(
    state: OrderState, record: OrderRecord | OrderStatusUpdate
) -> tuple[OrderState, list[Transition]]:
    if record.status is None:
        return state, []
    return apply_update(state, StatusUpdate(record.status, record.source_updated_at))


@dataclass
class _Plan:
    full: list[tuple[OrderRecord, _Existing | None, OrderState]] = field(default_factory=list)
    status_only: list[tuple[OrderRecord | OrderStatusUpdate, _Existing, OrderState]] = field(
        default_factory=list
    )
    transitions: dict[str, list[Transition]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)  # external_id → content hash

    def content_changed(self, record: OrderRecord, old: _Existing | None) -> bool:
        return old is None or self.hashes[record.external_id] != old.content_hash


def _plan(records: Sequence[OrderRecord | OrderStatusUpdate], existing: dict[str, _Existing],
          counts: OrderCounts) -> _Plan:  # fmt: skip
    plan = _Plan()
    for record in records:
        old = existing.get(record.external_id)
        if old is None and isinstance(record, OrderStatusUpdate):
            counts.unchanged += (
                1  # a status for an order we never saw: the next full read brings it
            )
            continue
        state, transitions = _observe(old.state if old else OrderState(), record)
        if transitions:
            plan.transitions[record.external_id] = transitions
        stale = old is not None and record.source_updated_at < old.source_updated_at
        raw_news = old is not None and _takes_raw(record, old, state) and _raw_changed(record, old)
        if isinstance(record, OrderRecord) and (old is None or not stale):
            plan.hashes[record.external_id] = content_hash(record)
            if (
                old is not None
                and not transitions
                and state.seen == old.state.seen
                and not plan.content_changed(record, old)
                and not raw_news
            ):
                counts.unchanged += 1
                continue
            plan.full.append((record, old, state))
        elif old is not None and (state.seen != old.state.seen or raw_news):
            plan.status_only.append((record, old, state))
        else:
            counts.unchanged += 1
    return plan


def _takes_raw(record: OrderRecord | OrderStatusUpdate, old: _Existing | None,
               state: OrderState) -> bool:  # fmt: skip
    """Whether the record's raw status says where the order is now.

    Not when it is older than what is stored, nor when its canonical status is one the
    order has already moved past: a lagging read (an earlier status served again) that
    carries no change time of its own is stamped with the time it was read, so it looks
    newest; its raw status must not overwrite the one the order has moved on to. A newer
    status the timeline refuses (a cancellation after delivery) is still the
    marketplace's latest word, and its raw status is kept.
    """
    if old is None:
        return True
    if record.source_updated_at < old.source_updated_at:
        return False
    if record.status is None or state.status is None or record.status == state.status:
        return True
    return not can_transition(record.status, state.status)  # behind: a lagging read


def _raw_changed(record: OrderRecord | OrderStatusUpdate, old: _Existing) -> bool:
    """A different raw status; a missing substatus is no news, not a change."""
    if record.marketplace_status != old.marketplace_status:
        return True
    sub = record.marketplace_substatus
    return sub is not None and sub != old.marketplace_substatus


def _raw_status(record: OrderRecord | OrderStatusUpdate, old: _Existing | None,
                state: OrderState) -> tuple[str, str | None]:  # fmt: skip
    """The (status, substatus) to store: the record's when it takes, else the stored one."""
    if old is not None and not _takes_raw(record, old, state):
        return old.marketplace_status, old.marketplace_substatus
    return record.marketplace_status, _substatus(record, old)


def _substatus(record: OrderRecord | OrderStatusUpdate, old: _Existing | None) -> str | None:
    if old is None or record.marketplace_substatus is not None:
        return record.marketplace_substatus
    same = record.marketplace_status == old.marketplace_status
    return old.marketplace_substatus if same else None


def write_orders(
    connection: Connection,
    account_id: str,
    marketplace: str,
    records: Sequence[OrderRecord | OrderStatusUpdate],
    *,
    source: str,
    now: datetime,
) -> OrderCounts:
    """Upsert a page of orders (full or status-only) with history and events."""
    counts = OrderCounts()
    latest = _latest_per_id(records)
    # Writers of the same orders (a push and a poll, on two replicas) take turns.
    lock_keys(connection, f"order:{account_id}", (r.external_id for r in latest))
    existing = _load_existing(connection, account_id, (r.external_id for r in latest))
    plan = _plan(latest, existing, counts)
    customers = _upsert_customers(connection, [r for r, _, _ in plan.full], now)
    ids = _upsert_full(connection, account_id, plan, customers, now)
    ids.update({record.external_id: old.id for record, old, _ in plan.status_only})
    _update_status_only(connection, plan, now)
    changed_content = [r for r, old, _ in plan.full if plan.content_changed(r, old)]
    known = {r.external_id for r, old, _ in plan.full if old is not None}
    names = line_products(connection, account_id, [r for r, _, _ in plan.full], now)
    _replace_lines(connection, changed_content, ids, known, names)
    _refresh_customers(connection, set(customers.values()))
    counts.inserted = sum(1 for _, old, _ in plan.full if old is None)
    counts.updated = len(plan.full) + len(plan.status_only) - counts.inserted
    by_id = {r.external_id: r for r in latest}
    counts.events = _history(connection, account_id, marketplace, plan, ids, by_id, source,
                             now, names)  # fmt: skip
    return counts


ORDER_COLUMNS = (
    "account_id", "external_id", "group_key", "order_number", "status", "status_at",
    "status_seen", "confirmed_at", "shipped_at", "marketplace_status", "marketplace_substatus",
    "created_at", "source_updated_at", "ship_by", "delivery_method", "payment_method",
    "currency", "items_total", "total", "customer_id", "buyer_company", "buyer_inn", "buyer_kpp",
    "delivery_address", "content_hash", "raw", "inserted_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = ("order_id", "line_no", "sku", "marketplace_sku", "name", "quantity",
                "unit_price", "total")  # fmt: skip
CHANGE_COLUMNS = ("order_id", "from_status", "to_status", "marketplace_status", "at", "source",
                  "recorded_at")  # fmt: skip
_ORDER_KEY = ("account_id", "external_id")
_ORDER_UPDATE = tuple(c for c in ORDER_COLUMNS if c not in (*_ORDER_KEY, "inserted_at"))


def _order_row(record: OrderRecord, old: _Existing | None, state: OrderState,
               customer_id: int | None, digest: str, now: datetime) -> tuple[Any, ...]:  # fmt: skip
    """The ``orders`` row of a record, in ``ORDER_COLUMNS`` order."""
    customer = record.customer
    return (
        record.account_id, record.external_id, record.group_key, record.order_number,
        state.status.value if state.status else None, state.status_at, _seen_json(state),
        *state.milestones, *_raw_status(record, old, state), record.created_at,
        record.source_updated_at, record.ship_by, record.delivery_method, record.payment_method,
        record.currency, record.items_total, record.total, customer_id,
        customer.company_name if customer else None, customer.inn if customer else None,
        customer.kpp if customer else None, record.delivery_address, digest, record.raw, now, now,
    )  # fmt: skip


def _upsert_full(connection: Connection, account_id: str, plan: _Plan,
                 customers: dict[str, int], now: datetime) -> dict[str, int]:  # fmt: skip
    """Write new and changed orders; their ids by external id."""
    if not plan.full:
        return {}
    rows = []
    ids: dict[str, int] = {}
    for record, old, state in plan.full:
        identity = record.customer.identity if record.customer else None
        digest = plan.hashes[record.external_id]
        rows.append(_order_row(record, old, state, customers.get(identity or ""), digest, now))
        if old is not None:
            ids[record.external_id] = old.id
    # _plan kept only new or changed orders: no per-column comparison in SQL.
    statement = upsert_statement(connection.dialect.name, ORDERS, _ORDER_KEY, (), _ORDER_UPDATE)
    execute_rows(connection, statement, ORDER_COLUMNS, rows)
    new = [record.external_id for record, old, _ in plan.full if old is None]
    for start in range(0, len(new), 900):
        query = select(ORDERS.c.external_id, ORDERS.c.id).where(
            ORDERS.c.account_id == account_id, ORDERS.c.external_id.in_(new[start : start + 900])
        )
        ids.update({row.external_id: row.id for row in connection.execute(query)})
    return ids


def _update_status_only(connection: Connection, plan: _Plan, now: datetime) -> None:
    if not plan.status_only:
        return
    rows = []
    for record, old, state in plan.status_only:
        raw, substatus = _raw_status(record, old, state)
        confirmed_at, shipped_at = state.milestones
        rows.append({
            "_id": old.id, "status": state.status.value if state.status else None,
            "status_at": state.status_at, "status_seen": _seen_json(state),
            "confirmed_at": confirmed_at, "shipped_at": shipped_at,
            "marketplace_status": raw, "marketplace_substatus": substatus,
            "source_updated_at": max(record.source_updated_at, old.source_updated_at),
            "updated_at": now,
        })  # fmt: skip
    statement = update(ORDERS).where(ORDERS.c.id == bindparam("_id"))
    connection.execute(statement, rows)


def _replace_lines(connection: Connection, records: Sequence[OrderRecord], ids: dict[str, int],
                   known: set[str], names: Mapping[str, str]) -> None:  # fmt: skip
    """Lines of changed orders replace their old ones (orders new to the store have none);
    a line without a name takes the catalogue's (*names*)."""
    if not records:
        return
    order_ids = [ids[r.external_id] for r in records if r.external_id in known]
    for start in range(0, len(order_ids), 900):
        chunk = order_ids[start : start + 900]
        connection.execute(delete(LINES).where(LINES.c.order_id.in_(chunk)))
    lines = [
        (ids[r.external_id], line.line_no, line.sku, line.marketplace_sku,
         line.name or names.get(line.sku), line.quantity, line.unit_price, line.total)
        for r in records for line in r.lines
    ]  # fmt: skip
    execute_rows(connection, _LINE_INSERT, LINE_COLUMNS, lines)


def _upsert_customers(connection: Connection, records: Sequence[OrderRecord],
                      now: datetime) -> dict[str, int]:  # fmt: skip
    rows = {}
    for record in records:
        customer = record.customer
        identity = customer.identity if customer else None
        if customer is None or identity is None:
            continue
        rows[identity] = {
            "identity": identity, "phone": customer.phone, "email": customer.email,
            "name": customer.name, "company_name": customer.company_name, "inn": customer.inn,
            "kpp": customer.kpp, "orders_count": 0, "spent": 0, "updated_at": now,
        }  # fmt: skip
    if not rows:
        return {}
    compare = ["phone", "email", "name", "company_name", "inn", "kpp"]
    result = bulk_upsert(connection, CUSTOMERS, list(rows.values()), ["identity"],
                         compare=compare, update=[*compare, "updated_at"])  # fmt: skip
    return {key[0]: customer_id for key, customer_id in result.ids.items()}


def _refresh_customers(connection: Connection, customer_ids: set[int]) -> None:
    """Recompute first/last order, count and spent for the customers a page touched."""
    if not customer_ids:
        return
    mine = ORDERS.c.customer_id == CUSTOMERS.c.id
    counted = mine & ((ORDERS.c.status.is_(None)) | (ORDERS.c.status != OrderStatus.CANCELLED))
    connection.execute(
        update(CUSTOMERS)
        .where(CUSTOMERS.c.id.in_(sorted(customer_ids)))
        .values(
            orders_count=select(func.count()).where(counted).scalar_subquery(),
            spent=select(func.coalesce(func.sum(ORDERS.c.total), 0)).where(counted)
            .scalar_subquery(),
            first_order_at=select(func.min(ORDERS.c.created_at)).where(mine).scalar_subquery(),
            last_order_at=select(func.max(ORDERS.c.created_at)).where(mine).scalar_subquery(),
        )
    )  # fmt: skip


def _history(connection: Connection, account_id: str, marketplace: str, plan: _Plan,
             ids: dict[str, int], records: dict[str, Any], source: str, now: datetime,
             names: Mapping[str, str]) -> list[Event]:  # fmt: skip
    """Status-change rows and domain events for every accepted change."""
    created = {r.external_id for r, old, _ in plan.full if old is None}
    changes: list[tuple[Any, ...]] = []
    events: list[Event] = []
    for external_id in created:
        record = records[external_id]
        events.append(
            Event(
                f"{account_id}:{external_id}:{EventKind.ORDER_CREATED}",
                EventKind.ORDER_CREATED,
                account_id,
                ids[external_id],
                order_payload(account_id, marketplace, record, EventKind.ORDER_CREATED, names),
            )
        )
    for external_id, transitions in plan.transitions.items():
        record = records[external_id]
        for t in transitions:
            changes.append((ids[external_id], t.source, t.target, record.marketplace_status, t.at,
                            source, now))  # fmt: skip
            if t.source is None:
                continue
            kind = (
                EventKind.ORDER_CANCELLED
                if t.target == OrderStatus.CANCELLED
                else EventKind.ORDER_STATUS_CHANGED
            )
            payload = order_payload(account_id, marketplace, record, kind, names)
            payload["order"].update({"from_status": t.source.value,
                                     "previous_status": t.source.value,
                                     "status": t.target.value})  # fmt: skip
            key = f"{account_id}:{external_id}:{t.source.value}>{t.target.value}"
            events.append(Event(key, kind, account_id, ids[external_id], payload))
    statement = insert_new_statement(connection.dialect.name, CHANGES)
    execute_rows(connection, statement, CHANGE_COLUMNS, changes)
    return events


def order_payload(account_id: str, marketplace: str, record: OrderRecord | OrderStatusUpdate,
                  kind: str, names: Mapping[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """What a notification may show about an order: no customer contacts; a line without a
    name shows the catalogue's (*names*, by SKU)."""
    order: dict[str, Any] = {
        "external_id": record.external_id,
        "status": record.status.value if record.status else None,
        "marketplace_status": record.marketplace_status,
        "reason": record.marketplace_substatus,
    }
    if isinstance(record, OrderRecord):
        order.update({
            "order_number": record.order_number, "group_key": record.group_key,
            "total": str(record.total), "currency": record.currency,
            "created_at": record.created_at.isoformat(),
            "ship_by": record.ship_by.isoformat() if record.ship_by else None,
            "lines": [{"sku": line.sku, "name": line.name or (names or {}).get(line.sku),
                       "quantity": line.quantity,
                       "unit_price": str(line.unit_price)} for line in record.lines],
        })  # fmt: skip
    return {"account": account_id, "marketplace": marketplace, "kind": kind, "order": order}
