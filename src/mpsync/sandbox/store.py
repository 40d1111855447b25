"""Compact column store of one marketplace's orders plus keyset scanning for paging.

Rows are kept in creation order; a row is ~40 bytes, lines are regenerated from the seed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass


class OrderTable:
    """Orders of one marketplace as parallel arrays indexed by row number.

    `group` is the first row of the buyer's cart (WB orderUid, Ozon order_number);
    `step` is the next script step to apply; `prev_*` keep the previous status
    for out-of-order fault injection.
    """

    def __init__(self) -> None:
        self.created = array("q")
        self.updated = array("q")
        self.prev_updated = array("q")
        self.group = array("q")
        self.state = array("b")
        self.prev_state = array("b")
        self.step = array("b")
        self.open_new: set[int] = set()

    def __len__(self) -> int:
        return len(self.created)

    def append(self, created: int, group: int) -> int:
        row = len(self.created)
        self.created.append(created)
        self.updated.append(created)
        self.prev_updated.append(created)
        self.group.append(group)
        self.state.append(0)
        self.prev_state.append(0)
        self.step.append(0)
        self.open_new.add(row)
        return row

    def set_state(self, row: int, state: int, at: int, new_states: frozenset[int]) -> None:
        self.prev_state[row] = self.state[row]
        self.prev_updated[row] = self.updated[row]
        self.state[row] = state
        self.updated[row] = at
        if state in new_states:
            self.open_new.add(row)
        else:
            self.open_new.discard(row)

    def rows_created_between(self, since: int | None, until: int | None) -> range:
        """Rows with since <= created <= until (created is non-decreasing)."""
        low = 0 if since is None else bisect_left(self.created, since)
        high = len(self.created) if until is None else bisect_right(self.created, until)
        return range(low, max(low, high))

    def group_rows(self, row: int) -> range:
        """All rows of the cart that `row` belongs to."""
        first = self.group[row]
        end = first + 1
        while end < len(self.group) and self.group[end] == first:
            end += 1
        return range(first, end)

    def nbytes(self) -> int:
        columns = (self.created, self.updated, self.prev_updated, self.group)
        small = (self.state, self.prev_state, self.step)
        return sum(c.itemsize * len(c) for c in columns + small)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a keyset scan: the rows, where to resume, whether more remain."""

    rows: list[int]
    resume: int
    has_next: bool


def scan(
    rows: range,
    start: int,
    limit: int,
    keep: Callable[[int], bool],
    descending: bool = False,
) -> Page:
    """Collect up to `limit` rows from `rows` passing `keep`, resuming at `start`.

    `start` is a row number (inclusive) or -1 for "from the beginning". The page
    looks one match ahead so `has_next` is exact and `resume` points at it.
    """
    ordered = _ordered(rows, start, descending)
    found: list[int] = []
    for row in ordered:
        if keep(row):
            if len(found) == limit:
                return Page(found, row, True)
            found.append(row)
    return Page(found, -1, False)


def _ordered(rows: range, start: int, descending: bool) -> Iterator[int]:
    if not rows:
        return iter(())
    if descending:
        top = rows.stop - 1 if start < 0 else min(start, rows.stop - 1)
        return iter(range(top, rows.start - 1, -1))
    bottom = rows.start if start < 0 else max(start, rows.start)
    return iter(range(bottom, rows.stop))
