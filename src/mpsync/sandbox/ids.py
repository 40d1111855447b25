"""External identifiers of simulated orders: WB task ids, Ozon posting numbers, YM ids.

Pure functions of (seed, row) with parsers back to the row for write-back endpoints.
"""

from __future__ import annotations

import functools

from mpsync.sandbox.catalog import mix, mix_more

WB_ID_BASE = 13_000_000
OZON_ORDER_BASE = 1_000_000_000
OZON_ORDER_ID_BASE = 35_000_000_000
YM_ID_BASE = 51_000_000_000


def wb_task_id(row: int) -> int:
    return WB_ID_BASE + row


def wb_row(task_id: int) -> int:
    return task_id - WB_ID_BASE


def wb_order_uid(seed: int, group: int) -> str:
    return f"{165_918_930 + group}_{_hash(seed, 9, group):016x}{_hash(seed, 19, group):016x}"


def wb_rid(seed: int, row: int) -> str:
    return f"{_hash(seed, 10, row):016x}{_hash(seed, 20, row):016x}"


def ozon_order_number(seed: int, group: int) -> str:
    return f"{OZON_ORDER_BASE + group:010d}-{_hash(seed, 12, group) % 9000 + 1000:04d}"


def ozon_posting_number(seed: int, group: int, row: int) -> str:
    return ozon_posting_of(ozon_order_number(seed, group), group, row)


def ozon_posting_of(order_number: str, group: int, row: int) -> str:
    """The posting number of `row` given its order's number (rendering has it at hand)."""
    return f"{order_number}-{row - group + 1}"


def ozon_order_id(group: int) -> int:
    return OZON_ORDER_ID_BASE + group


def ozon_parse_posting(seed: int, posting_number: str) -> tuple[int, int] | None:
    """(group, row) of a posting number this sandbox issued, or None."""
    parts = posting_number.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    group = int(parts[0]) - OZON_ORDER_BASE
    row = group + int(parts[2]) - 1
    if group < 0 or row < group or ozon_posting_number(seed, group, row) != posting_number:
        return None
    return group, row


def ym_order_id(row: int) -> int:
    return YM_ID_BASE + row


def ym_row(order_id: int) -> int:
    return order_id - YM_ID_BASE


def _hash(seed: int, tag: int, index: int) -> int:
    """mix(seed, tag, index), with the (seed, tag) part of the chain computed once."""
    return mix_more(_key(seed, tag), index)


@functools.lru_cache(maxsize=256)
def _key(seed: int, tag: int) -> int:
    return mix(seed, tag)
