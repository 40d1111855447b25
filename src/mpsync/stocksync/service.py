"""What the ``stock`` commands and the daemon call: ledger changes by SKU, the links and
the plan as rows, one propagation through the accounts' connectors, the feed poll."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from mpsync.config import Settings
from mpsync.config.stock import StockFeedConfig
from mpsync.stocksync.ledger import (
    Change,
    adjust,
    parse_feed,
    set_base_prices,
    set_figures,
)
from mpsync.stocksync.links import Links, load_links
from mpsync.stocksync.plan import StockPlan, build_plan, stock_config, sync_accounts
from mpsync.stocksync.prices import (
    PriceApply,
    PricePlanRow,
    apply_prices,
    limits_of,
    plan_prices,
)
from mpsync.stocksync.propagate import Propagation, propagate


def links_of(engine: Engine, settings: Settings) -> Links:
    accounts = [account.id for account in sync_accounts(settings)]
    return load_links(engine, accounts, stock_config(settings).links)


def item_of(links: Links, sku: str) -> str:
    """The item a SKU names (an item's name or any listing's SKU); a SKU no listing has
    yet is an item of its own (set it before the catalogue is read)."""
    return links.item(sku) or sku


def set_stock(
    engine: Engine,
    settings: Settings,
    figures: Mapping[str, int],
    *,
    reason: str,
    source: str,
    now: datetime,
) -> list[Change]:
    links = links_of(engine, settings)
    by_item = {item_of(links, sku): quantity for sku, quantity in figures.items()}
    with engine.begin() as connection:
        return set_figures(connection, by_item, reason=reason, source=source, now=now)


def adjust_stock(
    engine: Engine, settings: Settings, sku: str, delta: int, *, reason: str, now: datetime
) -> list[Change]:
    item = item_of(links_of(engine, settings), sku)
    with engine.begin() as connection:
        return adjust(connection, {item: delta}, reason=reason, source="adjust", now=now)


def link_rows(engine: Engine, settings: Settings, *, unlinked: bool) -> list[dict[str, Any]]:
    """One row per listing: its item, how it is linked, and the item's other accounts."""
    links = links_of(engine, settings)
    rows = []
    for listing, item in sorted(links.item_of.items(), key=lambda kv: (kv[1], kv[0])):
        linked = links.linked(listing)
        if unlinked and linked:
            continue
        others = sorted({a for a, _ in links.items[item] if a != listing[0]})
        rows.append(
            {
                "item": item,
                "account": listing[0],
                "sku": listing[1],
                "linked_by": links.how[listing] if linked else "",
                "other_accounts": others,
            }
        )
    return rows


def plan(engine: Engine, settings: Settings, *, now: datetime) -> StockPlan:
    return build_plan(engine, settings, now=now, intervals=_intervals(settings))


def _intervals(settings: Settings) -> dict[str, Any]:
    from mpsync.connector.registry import load_connector

    return {
        account.id: load_connector(account.marketplace).stock_pair_interval
        for account in sync_accounts(settings)
    }


async def sync_now(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime,
    force: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Propagation:
    """One propagation through fresh connectors of the enabled accounts."""
    from mpsync.runtime import Runtime

    async with Runtime.build(engine, settings, transport=transport) as runtime:
        connectors = {a.id: runtime.connectors.connector(a) for a in sync_accounts(settings)}
        return await propagate(engine, settings, connectors, now=now, force=force)


def feed_origin(url: str) -> str:
    """The feed's address without what may be a secret: user info and query."""
    address = url.split("?")[0].split("#")[0]
    scheme, sep, rest = address.partition("://")
    return f"{scheme}{sep}{rest.split('@')[-1]}" if sep else address


async def poll_feed(
    engine: Engine, settings: Settings, feed: StockFeedConfig, *, now: datetime
) -> list[Change]:
    """Read the feed (CSV sku,quantity[,base price]) and set what changed, each with reason
    ``feed ...``; a price column sets the items' base prices for the price rules."""
    if feed.url.startswith(("http://", "https://")):
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.get(feed.url)
            answer.raise_for_status()
            text = answer.text
    else:
        text = await asyncio.to_thread(Path(feed.url).read_text, encoding="utf-8-sig")
    origin = feed_origin(feed.url)
    figures, prices = parse_feed(text, origin)
    if prices:
        links = links_of(engine, settings)
        with engine.begin() as connection:
            set_base_prices(connection, {item_of(links, s): p for s, p in prices.items()}, now)
    return set_stock(engine, settings, figures, reason=f"feed {origin}", source="feed", now=now)


def price_plan(engine: Engine, settings: Settings, *, now: datetime) -> list[PricePlanRow]:
    return plan_prices(engine, settings, links_of(engine, settings), now=now,
                       limits=limits_of(settings))  # fmt: skip


def set_base_price(engine: Engine, settings: Settings, sku: str, price: Decimal, *,
                   now: datetime) -> str:  # fmt: skip
    item = item_of(links_of(engine, settings), sku)
    with engine.begin() as connection:
        set_base_prices(connection, {item: price}, now)
    return item


async def apply_now(engine: Engine, settings: Settings, *, now: datetime,
                    transport: httpx.AsyncBaseTransport | None = None) -> PriceApply:  # fmt: skip
    """Plan the prices and push what may go, through fresh connectors."""
    from mpsync.runtime import Runtime

    rows = await asyncio.to_thread(price_plan, engine, settings, now=now)
    async with Runtime.build(engine, settings, transport=transport) as runtime:
        connectors = {a.id: runtime.connectors.connector(a) for a in sync_accounts(settings)}
        return await apply_prices(engine, rows, connectors, now=now)
