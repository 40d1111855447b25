"""Days out of stock per SKU, from the daily stock history.

Each warehouse keeps its last known figure until the next read (a day without a read
carries the previous one forward); a SKU is out of stock on a day when its available
stock (on hand − reserved) summed over warehouses and accounts is zero or less. Days
before the SKU's first read are unknown and never counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, tuple_

from mpsync.analytics.sql import HISTORY, Scope, as_date

Key = tuple[str, str, str]  # account, sku, warehouse


def out_of_stock_days(connection: Connection, first: date, last: date,
                      scope: Scope) -> dict[str, set[date]]:  # fmt: skip
    """SKU → the days in ``first .. last`` it was out of stock."""
    series = _series(connection, first, last, scope)
    by_sku: dict[str, dict[Key, dict[date, int]]] = defaultdict(dict)
    for key, days in series.items():
        by_sku[key[1]][key] = days
    return {sku: _empty_days(warehouses, first, last) for sku, warehouses in by_sku.items()}


def _series(connection: Connection, first: date, last: date,
            scope: Scope) -> dict[Key, dict[date, int]]:  # fmt: skip
    """Per warehouse row: available stock by day, the last read before *first* included."""
    key_cols = (HISTORY.c.account_id, HISTORY.c.sku, HISTORY.c.warehouse)
    available = HISTORY.c.on_hand - HISTORY.c.reserved
    accounts = scope.accounts(HISTORY.c.account_id)
    before = (
        select(*key_cols, func.max(HISTORY.c.day).label("day"))
        .where(HISTORY.c.day < first, accounts)
        .group_by(*key_cols)
        .subquery()
    )
    carried = select(*key_cols, HISTORY.c.day, available).where(
        tuple_(*key_cols, HISTORY.c.day).in_(select(*before.c))
    )
    inside = select(*key_cols, HISTORY.c.day, available).where(
        and_(HISTORY.c.day >= first, HISTORY.c.day <= last, accounts)
    )
    series: dict[Key, dict[date, int]] = defaultdict(dict)
    for query in (carried, inside):
        for account, sku, warehouse, day, stock in connection.execute(query):
            series[(account, sku, warehouse)][as_date(day)] = int(stock)
    return series


def _empty_days(warehouses: dict[Key, dict[date, int]], first: date, last: date) -> set[date]:
    known = [min(days) for days in warehouses.values()]
    start = max(first, min(known))
    current: dict[Key, int | None] = dict.fromkeys(warehouses)
    for key, days in warehouses.items():
        earlier = [d for d in days if d < start]
        if earlier:
            current[key] = days[max(earlier)]
    empty: set[date] = set()
    day = start
    while day <= last:
        for key, days in warehouses.items():
            if day in days:
                current[key] = days[day]
        figures: list[Any] = [v for v in current.values() if v is not None]
        if figures and sum(figures) <= 0:
            empty.add(day)
        day += timedelta(days=1)
    return empty
