"""Issue 15: one paginator family owns every paging loop and its loop detection.

A repeated page token (or, offset paging, the same page again; or an empty page claiming
more) ends the read with a ``PaginationLoopError`` naming the stream and the token, and no
more than two requests are sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mpsync.connector.errors import PaginationLoopError
from mpsync.connector.paginate import (
    PAGINATORS,
    CursorPaginator,
    OffsetPaginator,
    PageTokenPaginator,
    Paginator,
    PhasedPaginator,
    WindowedPaginator,
)
from mpsync.connector.records import Records

T0 = datetime(2026, 11, 1, tzinfo=UTC)


class Calls:
    """A fake API answering every request with the same page (and the same token)."""

    def __init__(self, records: Records, token: str | None) -> None:
        self.records, self.token, self.count = records, token, 0

    async def page(self, cursor: str | None) -> tuple[Records, str | None]:
        self.count += 1
        return list(self.records), self.token

    async def offset(self, offset: int) -> Records:
        self.count += 1
        return list(self.records)


def _cursor(calls: Calls) -> Paginator:
    return CursorPaginator(calls.page, stream="orders", what="GET /orders")


def _page_token(calls: Calls) -> Paginator:
    return PageTokenPaginator(calls.page, stream="orders", what="GET /orders")


def _offset(calls: Calls) -> Paginator:
    return OffsetPaginator(calls.offset, limit=1, stream="stock", what="GET /goods")


def _windowed(calls: Calls) -> Paginator:
    return WindowedPaginator(
        lambda low, high: _cursor(calls), start=T0, end=T0 + timedelta(days=90),
        span=timedelta(days=30), phase="history", stream="orders", what="GET /orders",
    )  # fmt: skip


def _phased(calls: Calls) -> Paginator:
    def campaign() -> Paginator:
        return PageTokenPaginator(calls.page, stream="stock", what="POST /stocks")

    phases = [("campaign:1", campaign()), ("campaign:2", campaign())]
    return PhasedPaginator(phases, stream="stock", what="POST /stocks")


KINDS: dict[str, Callable[[Calls], Paginator]] = {
    "cursor": _cursor,
    "page_token": _page_token,
    "offset": _offset,
    "windowed": _windowed,
    "phased": _phased,
}


def test_every_paginator_kind_is_covered() -> None:
    assert set(KINDS) == set(PAGINATORS)


async def _read(paginator: Paginator) -> list[Records]:
    return [records async for records, _ in paginator.pages()]


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_repeated_cursor_ends_the_read_within_two_requests(kind: str) -> None:
    calls = Calls([{"id": 1}], "777")
    paginator = KINDS[kind](calls)
    with pytest.raises(PaginationLoopError) as caught:
        await _read(paginator)
    assert calls.count <= 2
    error = caught.value
    assert error.stream == paginator.stream and error.stream in str(error)
    if kind != "offset":  # an offset read names the offset it stopped at
        assert error.token == "777" and "'777'" in str(error)
    else:
        assert error.token == "1" and "offset 1" in str(error)


@pytest.mark.parametrize("kind", ["cursor", "page_token", "windowed", "phased"])
async def test_an_empty_page_claiming_more_ends_the_read_at_once(kind: str) -> None:
    calls = Calls([], "888")
    with pytest.raises(PaginationLoopError) as caught:
        await _read(KINDS[kind](calls))
    assert calls.count == 1
    assert caught.value.token == "888" and "empty page" in str(caught.value)


async def test_a_saved_cursor_handed_back_again_is_a_loop() -> None:
    calls = Calls([{"id": 1}], "777")
    with pytest.raises(PaginationLoopError):
        await _read_from(_cursor(calls), "777")
    assert calls.count == 1


async def _read_from(paginator: Paginator, resume: str) -> list[Records]:
    return [records async for records, _ in paginator.pages(resume)]


async def test_pages_end_with_a_none_token_and_resume_where_they_stopped() -> None:
    pages = {None: ([{"id": 1}], "a"), "a": ([{"id": 2}], "b"), "b": ([{"id": 3}], None)}

    async def fetch(cursor: str | None) -> tuple[Records, str | None]:
        return pages[cursor]

    listing = PhasedPaginator(
        [("one", CursorPaginator(fetch, stream="s", what="w")),
         ("two", CursorPaginator(fetch, stream="s", what="w"))], stream="s", what="w",
    )  # fmt: skip
    read = [(records, token) async for records, token in listing.pages()]
    assert [r[0]["id"] for r, _ in read] == [1, 2, 3, 1, 2, 3]
    assert read[-1][1] is None and all(token for _, token in read[:-1])
    rest = [records async for records, _ in listing.pages(read[3][1])]
    assert [r[0]["id"] for r in rest] == [2, 3]


def test_no_connector_writes_a_paging_loop_of_its_own() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "connectors"
    loops = [str(path) for path in root.rglob("*.py") if "while True" in path.read_text()]
    assert loops == []
