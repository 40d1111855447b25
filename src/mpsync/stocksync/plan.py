"""What each channel should be offered, and which pushes that takes (``mpsync stock plan``).

available = on hand − reserved on every channel − the channel's buffer (units, or a share
of what is left, rounded up), capped by ``max_listed`` (0: no cap), never below 0. A row
is planned only where that differs from what the channel shows (its last stock read) and
no push of the same figure is still waiting for its read-back. Rows that must not go out
now say why in ``reason`` and have ``push = False``: the account's pushes are off, the
marketplace takes one update per (product, warehouse) per interval, or the guard refuses
a propagation that would zero too many of an account's listings at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select

from mpsync.config import Settings
from mpsync.config.model import AccountConfig
from mpsync.config.stock import StockConfig, parse_share
from mpsync.domain.events import PushState
from mpsync.stocksync.ledger import on_hand as ledger_on_hand
from mpsync.stocksync.links import Links, Listing, load_links
from mpsync.stocksync.reservations import reconcile, reserved
from mpsync.store.tables import InventoryPush, StockLevel

STOCK = StockLevel.__table__  # type: ignore[attr-defined]
PUSHES = InventoryPush.__table__  # type: ignore[attr-defined]
JSON_KEYS = ("account", "sku", "warehouse", "current", "target", "reason")


@dataclass(eq=False)
class PlanRow:
    account: str
    sku: str
    warehouse: str
    current: int | None
    target: int
    reason: str
    item: str = ""
    push: bool = True

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        return {key: row[key] for key in JSON_KEYS}


@dataclass
class StockPlan:
    rows: list[PlanRow] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # account → the guard's message
    links: Links = field(default_factory=Links)
    figures: dict[str, int] = field(default_factory=dict)  # item → available before buffers

    @property
    def pushes(self) -> list[PlanRow]:
        return [row for row in self.rows if row.push]


@dataclass(frozen=True)
class _Seen:
    current: dict[tuple[str, str, str], int]  # (account, sku, warehouse) → available read
    read_at: dict[tuple[str, str, str], datetime | None]
    warehouses: dict[Listing, list[str]]
    default_warehouse: dict[str, str]
    last_push: dict[tuple[str, str, str], Any]


def stock_config(settings: Settings) -> StockConfig:
    return settings.stock or StockConfig()


def sync_accounts(settings: Settings) -> list[AccountConfig]:
    return [account for account in settings.accounts if account.enabled]


def build_plan(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime,
    intervals: Mapping[str, Any] | None = None,
    force: bool = False,
) -> StockPlan:
    """Reconcile reservations and work out the plan (one transaction).

    *intervals*: per account id, the marketplace's minimum time between two updates of
    one (product, warehouse) figure (``Connector.stock_pair_interval``). *force*: the
    guard lets the propagation through (the seller checked the source).
    """
    config = stock_config(settings)
    accounts = sync_accounts(settings)
    ids = [account.id for account in accounts]
    links = load_links(engine, ids, config.links)
    with engine.begin() as connection:
        source = config.source
        reconcile(connection, ids, links.item_of, ledger=not _master(source), now=now)
        held = reserved(connection, links.item_of)
        stock = _on_hand(connection, source, links)
        longest = max((i for i in (intervals or {}).values() if i), default=timedelta(0))
        seen = _seen(connection, ids, now - longest)
    figures = {item: stock[item] - held.get(item, 0) for item in stock}
    plan = StockPlan(links=links, figures=figures)
    master = _master(source)
    for account in accounts:
        if account.id == master:
            continue
        rows = _account_rows(account, config, links, stock, held, seen)
        _hold(rows, account, seen, (intervals or {}).get(account.id), now)
        if not force and account.stock.push:  # nothing goes out anyway when off
            _guard(plan, rows, account.id, config, seen)
        plan.rows.extend(rows)
    plan.rows.sort(key=lambda r: (r.account, r.sku, r.warehouse))
    return plan


def _master(source: Any) -> str | None:
    if isinstance(source, str) and source.startswith("account:"):
        return source.removeprefix("account:")
    return None


def _on_hand(connection: Connection, source: Any, links: Links) -> dict[str, int]:
    """On hand per item: the ledger's (a feed writes into it), or the master account's
    stock reads summed over its warehouses."""
    master = _master(source)
    if master is None:
        return ledger_on_hand(connection)
    query = select(STOCK.c.sku, STOCK.c.on_hand).where(STOCK.c.account_id == master)
    figures = Counter[str]()
    for row in connection.execute(query):
        figures[links.item_of.get((master, row.sku), row.sku)] += row.on_hand
    return dict(figures)


def _seen(connection: Connection, accounts: Sequence[str], recent: datetime) -> _Seen:
    """The channels' last reads, and the pushes a plan must know: those waiting for a
    read-back or refused, and those sent after *recent* (the marketplace's pair interval)."""
    current: dict[tuple[str, str, str], int] = {}
    warehouses: dict[Listing, list[str]] = {}
    per_account: dict[str, Counter[str]] = {}
    query = select(
        STOCK.c.account_id, STOCK.c.sku, STOCK.c.warehouse, STOCK.c.on_hand, STOCK.c.reserved
    ).where(STOCK.c.account_id.in_(accounts))
    for r in connection.execute(query):
        current[(r.account_id, r.sku, r.warehouse)] = r.on_hand - r.reserved
        warehouses.setdefault((r.account_id, r.sku), []).append(r.warehouse)
        per_account.setdefault(r.account_id, Counter())[r.warehouse] += 1
    read = and_(STOCK.c.account_id == PUSHES.c.account_id, STOCK.c.sku == PUSHES.c.sku,
                STOCK.c.warehouse == PUSHES.c.warehouse)  # fmt: skip
    pushes = (
        select(PUSHES.c.account_id, PUSHES.c.sku, PUSHES.c.warehouse, PUSHES.c.sent,
               PUSHES.c.state, PUSHES.c.sent_at, STOCK.c.seen_at, STOCK.c.updated_at)
        .outerjoin(STOCK, read)
        .where(PUSHES.c.kind == "stock", PUSHES.c.account_id.in_(accounts),
               or_(PUSHES.c.state.in_((PushState.PENDING, PushState.REFUSED)),
                   PUSHES.c.sent_at > recent))
    )  # fmt: skip
    last, read_at = {}, {}
    for p in connection.execute(pushes):
        last[(p.account_id, p.sku, p.warehouse)] = p
        read_at[(p.account_id, p.sku, p.warehouse)] = p.seen_at or p.updated_at
    default = {account: min(c, key=lambda w: (-c[w], w)) for account, c in per_account.items()}
    return _Seen(current, read_at, {k: sorted(v) for k, v in warehouses.items()}, default, last)


def _account_rows(
    account: AccountConfig,
    config: StockConfig,
    links: Links,
    stock: Mapping[str, int],
    held: Mapping[str, int],
    seen: _Seen,
) -> list[PlanRow]:
    rows = []
    for listing, item in links.item_of.items():
        if listing[0] != account.id or item not in stock:
            continue
        warehouse = _warehouse(account, listing, seen)
        if warehouse is None:
            continue
        target, reason = offered(stock[item], held.get(item, 0), account, config, item)
        key = (account.id, listing[1], warehouse)
        current, last = _current(seen, key), seen.last_push.get(key)
        if current == target:
            continue
        if last is not None and last.state == PushState.REFUSED and _sent(last) == target:
            continue  # refused already (the seller was told): not sent again as it is
        rows.append(PlanRow(account.id, listing[1], warehouse, current, target, reason, item))
    return sorted(rows, key=lambda r: (r.sku, r.warehouse))


def _current(seen: _Seen, key: tuple[str, str, str]) -> int | None:
    """What the channel offers now: its last read, or a push it took after that read."""
    read = seen.current.get(key)
    last = seen.last_push.get(key)
    if last is None or last.state != PushState.PENDING:
        return read
    read_at = seen.read_at.get(key)
    if read_at is None or last.sent_at >= read_at:
        figure = (last.sent or {}).get("available")
        return figure if isinstance(figure, int) else read
    return read


def _sent(push: Any) -> Any:
    return (push.sent or {}).get("available")


def _warehouse(account: AccountConfig, listing: Listing, seen: _Seen) -> str | None:
    if account.stock.warehouse:
        return account.stock.warehouse
    known = seen.warehouses.get(listing)
    return known[0] if known else seen.default_warehouse.get(account.id)


def offered(
    on_hand: int, held: int, account: AccountConfig, config: StockConfig, item: str
) -> tuple[int, str]:
    """The figure a channel is offered, and the sum that makes it, in words."""
    override = config.items.get(item)
    buffer = (
        account.stock.buffer if override is None or override.buffer is None else override.buffer
    )
    cap = (
        account.stock.max_listed
        if override is None or override.max_listed is None
        else override.max_listed
    )
    free = on_hand - held
    units = buffer if isinstance(buffer, int) else math.ceil(max(free, 0) * parse_share(buffer))
    target = max(free - units, 0)
    reason = f"on hand {on_hand} − reserved {held}"
    if units:
        reason += f" − buffer {units}" + (f" ({buffer})" if isinstance(buffer, str) else "")
    reason += f" = {free - units}"
    if target != free - units:
        reason += f", never below 0 → {target}"
    if cap and target > cap:
        target = cap
        reason += f", max listed {cap}"
    return target, reason


def _hold(
    rows: list[PlanRow], account: AccountConfig, seen: _Seen, interval: Any, now: datetime
) -> None:
    """Rows that must wait: the account's pushes are off, or the pair was set too lately."""
    for row in rows:
        if not account.stock.push:
            row.push, row.reason = False, f"{row.reason}; held: stock.push = false"
            continue
        last = seen.last_push.get((row.account, row.sku, row.warehouse))
        if interval and last is not None and now - last.sent_at < interval:
            wait = math.ceil((interval - (now - last.sent_at)).total_seconds())
            row.push = False
            row.reason += (
                f"; waits {wait}s: the marketplace takes one update per product "
                f"and warehouse every {int(interval.total_seconds())}s"
            )


def _guard(
    plan: StockPlan, rows: list[PlanRow], account: str, config: StockConfig, seen: _Seen
) -> None:
    """Refuse the account's propagation when it would zero more than the configured share
    of the listings it offers now (and at least ``guard_min`` of them): a broken feed."""
    offering = sum(1 for (a, _, _), figure in seen.current.items() if a == account and figure > 0)
    zeroing = [r for r in rows if r.target == 0 and (r.current or 0) > 0]
    share = config.guard_share
    if len(zeroing) < config.guard_min or Decimal(len(zeroing)) <= share * offering:
        return
    message = (
        f"refused by the guard: {len(zeroing)} of the {offering} listings offered "
        f"would go to 0 at once (more than {config.guard}); check the stock source, "
        "then `mpsync stock sync --force`"
    )
    plan.refused[account] = message
    for row in rows:
        row.push = False
        row.reason += f"; {message}"
