"""Price rules per channel (``mpsync prices plan`` / ``prices apply``).

price = base price × (1 + markup) + add, never below the floor (cost + minimum margin,
the cost from ``product_costs``), rounded up to end in the rule's digits (…9); the
crossed-out price is the price + ``old_price`` share, rounded the same way ("0%": left as
the marketplace has it). Only prices that differ from the last price read are planned,
and an item a marketplace limits (Ozon: 10 changes an hour) waits once it used them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from mpsync.catalog.pushes import price_sent
from mpsync.catalog.resolve import read_bindings
from mpsync.config import Settings
from mpsync.config.model import AccountConfig
from mpsync.config.stock import AccountPriceConfig, parse_share
from mpsync.connector.base import Connector, PriceUpdate, WriteResult
from mpsync.stocksync.ledger import base_prices
from mpsync.stocksync.links import Links
from mpsync.stocksync.plan import sync_accounts
from mpsync.stocksync.pushlog import LOG, PushRecords, answer_of
from mpsync.store.tables import Price, ProductCost

PRICES = Price.__table__  # type: ignore[attr-defined]
COSTS = ProductCost.__table__  # type: ignore[attr-defined]
CENT = Decimal("0.01")


@dataclass(eq=False)
class PricePlanRow:
    account: str
    sku: str
    current: Decimal | None
    target: Decimal
    old_price: Decimal | None
    current_old_price: Decimal | None
    currency: str
    reason: str
    push: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "sku": self.sku,
            "current": _money(self.current),
            "target": _money(self.target),
            "old_price": _money(self.old_price),
            "current_old_price": _money(self.current_old_price),
            "reason": self.reason,
        }


@dataclass
class PriceApply:
    rows: list[PricePlanRow]
    sent: list[PricePlanRow] = field(default_factory=list)
    failed: dict[tuple[str, str], str] = field(default_factory=dict)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def round_up(amount: Decimal, ending: str) -> Decimal:
    """The smallest price ≥ *amount* ending in *ending* rubles ("9": 1239; "" kopecks)."""
    if not ending:
        return amount.quantize(CENT, rounding=ROUND_CEILING)
    step = Decimal(10) ** len(ending)
    whole = amount.to_integral_value(rounding=ROUND_CEILING)
    base = (whole // step) * step + Decimal(ending)
    return base if base >= amount else base + step


def rule_price(
    base: Decimal, cost: Decimal | None, rule: AccountPriceConfig
) -> tuple[Decimal, Decimal | None, str]:
    """(price, crossed-out price or None, the sum in words)."""
    markup = parse_share(rule.markup)
    raw = base * (1 + markup) + rule.add
    reason = f"base {base:.2f}"
    if markup:
        reason += f" + {rule.markup}"
    if rule.add:
        reason += f" + {rule.add:.2f}"
    reason += f" = {raw:.2f}"
    if cost is not None:
        margin = rule.min_margin
        floor = cost * (1 + parse_share(margin)) if margin.endswith("%") else cost + Decimal(margin)
        if floor > raw:
            raw = floor
            reason += f"; floor cost {cost:.2f} + {margin} = {floor:.2f}"
    price = round_up(raw, rule.round)
    if price != raw:
        reason += f"; rounded to …{rule.round} → {price:.2f}" if rule.round else f" → {price:.2f}"
    share = parse_share(rule.old_price)
    old = round_up(price * (1 + share), rule.round) if share else None
    if old is not None:
        reason += f"; old price +{rule.old_price} → {old:.2f}"
    return price, old, reason


def plan_prices(
    engine: Engine,
    settings: Settings,
    links: Links,
    *,
    now: datetime,
    limits: Mapping[str, Any] | None = None,
) -> list[PricePlanRow]:
    """Price rows for every account with a price rule, only where the figure changes."""
    accounts = [a for a in sync_accounts(settings) if a.prices is not None]
    with engine.connect() as connection:
        bases = base_prices(connection)
        costs = _costs(connection, now)
        current = {
            (r.account_id, r.sku): r
            for r in connection.execute(
                select(PRICES).where(PRICES.c.account_id.in_([a.id for a in accounts]))
            )
        }
        used = _changes_used(connection, accounts, limits or {}, now)
    rows = []
    for account in accounts:
        for listing, item in sorted(links.item_of.items()):
            if listing[0] != account.id or item not in bases:
                continue
            row = _row(account, listing[1], item, bases[item], costs, current.get(listing))
            if row is None:
                continue
            limit = (limits or {}).get(account.id)
            if limit and used.get((account.id, row.sku), 0) >= limit[0]:
                row.push = False
                row.reason += (
                    f"; waits: {limit[0]} changes per "
                    f"{int(limit[1].total_seconds() // 60)} min used"
                )
            elif not account.prices.push:  # type: ignore[union-attr]
                row.push = False
                row.reason += "; held: prices.push = false"
            rows.append(row)
    return sorted(rows, key=lambda r: (r.account, r.sku))


def _row(
    account: AccountConfig,
    sku: str,
    item: str,
    base: Decimal,
    costs: Mapping[str, Decimal],
    now_row: Any,
) -> PricePlanRow | None:
    assert account.prices is not None
    cost = costs.get(sku, costs.get(item))
    price, old, reason = rule_price(base, cost, account.prices)
    current = now_row.price if now_row is not None else None
    current_old = now_row.old_price if now_row is not None else None
    if (
        current is not None
        and Decimal(current) == price
        and (old is None or (current_old is not None and Decimal(current_old) == old))
    ):
        return None
    currency = now_row.currency if now_row is not None else "RUB"
    return PricePlanRow(account.id, sku, current, price, old, current_old, currency, reason)


def _costs(connection: Any, now: datetime) -> dict[str, Decimal]:
    """Each SKU's cost valid today (the latest ``valid_from`` on or before it)."""
    query = (
        select(COSTS.c.sku, COSTS.c.cost)
        .where(COSTS.c.valid_from <= now.date())
        .order_by(COSTS.c.sku, COSTS.c.valid_from)
    )
    return {row.sku: row.cost for row in connection.execute(query)}


def _changes_used(
    connection: Any, accounts: list[AccountConfig], limits: Mapping[str, Any], now: datetime
) -> dict[tuple[str, str], int]:
    used: dict[tuple[str, str], int] = {}
    for account in accounts:
        limit = limits.get(account.id)
        if not limit:
            continue
        query = (
            select(LOG.c.sku, func.count())
            .where(
                LOG.c.account_id == account.id,
                LOG.c.kind == "price",
                LOG.c.ok.is_(True),
                LOG.c.at > now - limit[1],
            )
            .group_by(LOG.c.sku)
        )
        used.update({(account.id, sku): n for sku, n in connection.execute(query)})
    return used


async def apply_prices(
    engine: Engine, rows: list[PricePlanRow], connectors: Mapping[str, Connector], *, now: datetime
) -> PriceApply:
    """Push the rows that may go, one connector call per account; keep every answer."""
    result = PriceApply(rows)
    by_account: dict[str, list[PricePlanRow]] = {}
    for row in rows:
        if row.push:
            by_account.setdefault(row.account, []).append(row)
    for account, mine in by_account.items():
        connector = connectors[account]
        bindings = await asyncio.to_thread(read_bindings, engine, account, [r.sku for r in mine])
        updates = [
            PriceUpdate(
                r.sku,
                r.target,
                r.old_price,
                None,
                r.currency,
                ids=bindings[r.sku].ids if r.sku in bindings else {},
            )
            for r in mine
        ]
        answer = await _send(connector, updates)
        for row in mine:
            if answer.ok:
                result.sent.append(row)
            else:
                result.failed[(account, row.sku)] = answer.message
        await asyncio.to_thread(_record, engine, account, mine, updates, answer, now)
    return result


async def _send(connector: Connector, updates: list[PriceUpdate]) -> WriteResult:
    if "push_prices" not in connector.capabilities.actions:
        return WriteResult(False, "the account takes no price pushes")
    return await answer_of(connector.push_prices(updates))


def _record(
    engine: Engine,
    account: str,
    rows: list[PricePlanRow],
    updates: list[PriceUpdate],
    answer: WriteResult,
    now: datetime,
) -> None:
    reads_as = answer.details.get("reads_as") or {}
    records = PushRecords(account, "price", now)
    for row, update in zip(rows, updates, strict=True):
        sent = price_sent(update.price, update.old_price, None, reads_as.get(row.sku))
        records.add(row.sku, "", sent, update.ids, row.reason, answer)
    records.save(engine)


def limits_of(settings: Settings) -> dict[str, tuple[int, timedelta] | None]:
    from mpsync.connector.registry import load_connector

    return {
        a.id: load_connector(a.marketplace).price_changes_limit for a in sync_accounts(settings)
    }
