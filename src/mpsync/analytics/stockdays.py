"""Days out of stock per SKU, from the daily stock history.

Each warehouse keeps its last known figure until the next read (a day without a read
carries the previous one forward); a SKU is out of stock on a day when its available
stock (on hand − reserved) summed over warehouses and accounts is zero or less. Days
before the SKU's first read are unknown and never counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import Connection, String, and_, func, select, tuple_
from sqlalchemy import cast as sql_cast

from mpsync.analytics.sql import HISTORY, Scope

Key = tuple[str, str, str]  # account, sku, warehouse


def out_of_stock_days(connection: Connection, first: date, last: date,
                      scope: Scope) -> dict[str, set[date]]:  # fmt: skip
    """SKU → the days in ``first .. last`` it was out of stock."""
    series = _series(connection, first, last, scope)
    by_sku: dict[str, list[dict[date, int]]] = defaultdict(list)
    for key, days in series.items():
        by_sku[key[1]].append(days)
    return {sku: _empty_days(warehouses, first, last) for sku, warehouses in by_sku.items()}


def _series(connection: Connection, first: date, last: date,
            scope: Scope) -> dict[Key, dict[date, int]]:  # fmt: skip
    """Per warehouse row: available stock by day, the last read before *first* included.

    Days come back as ISO text (``CAST(day AS VARCHAR)``): parsing them here is much
    cheaper than the driver's date conversion, and a store holds a row per SKU,
    warehouse and day.
    """
    key_cols = (HISTORY.c.account_id, HISTORY.c.sku, HISTORY.c.warehouse)
    day_text = sql_cast(HISTORY.c.day, String)
    available = HISTORY.c.on_hand - HISTORY.c.reserved
    accounts = scope.accounts(HISTORY.c.account_id)
    before = (
        select(*key_cols, func.max(HISTORY.c.day).label("day"))
        .where(HISTORY.c.day < first, accounts)
        .group_by(*key_cols)
        .subquery()
    )
    carried = select(*key_cols, day_text, available).where(
        tuple_(*key_cols, HISTORY.c.day).in_(select(*before.c))
    )
    inside = select(*key_cols, day_text, available).where(
        and_(HISTORY.c.day >= first, HISTORY.c.day <= last, accounts)
    )
    series: dict[Key, dict[date, int]] = defaultdict(dict)
    parse = date.fromisoformat
    for query in (carried, inside):
        for account, sku, warehouse, day, stock in connection.execute(query):
            series[(account, sku, warehouse)][parse(day[:10])] = int(stock)
    return series


def _empty_days(warehouses: list[dict[date, int]], first: date, last: date) -> set[date]:
    """The days a SKU's stock summed over its *warehouses* was zero or less.

    Each warehouse's figure holds from its read until its next one; a day counts only
    once some warehouse has a figure. Summed over the days with difference arrays:
    one pass per read, not per warehouse and day.
    """
    start = max(first, min(min(days) for days in warehouses))
    size = (last - start).days + 1
    if size <= 0:
        return set()
    total = [0] * (size + 1)  # differences of the summed stock
    known = [0] * (size + 1)  # differences of the number of warehouses with a figure
    for days in warehouses:
        reads = sorted(days.items())
        before = [value for day, value in reads if day < start]
        previous = before[-1] if before else None
        if previous is not None:
            total[0] += previous
            known[0] += 1
        for day, value in reads:
            if day < start or day > last:
                continue
            index = (day - start).days
            if previous is None:
                known[index] += 1
                previous = 0
            total[index] += value - previous
            previous = value
    empty: set[date] = set()
    stock = count = 0
    for index in range(size):
        stock += total[index]
        count += known[index]
        if count and stock <= 0:
            empty.add(start + timedelta(days=index))
    return empty
