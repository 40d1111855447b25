"""One paginator family: cursor, page-token, offset/limit, windowed and phased listings.

A paginator owns the loop over a listing's pages and its loop detection, so no connector
writes a paging loop of its own. ``pages(resume)`` yields ``(records, token)``: the token
resumes the listing after those records, ``None`` after the last page. Detected, each as a
``PaginationLoopError`` naming the stream and the token, before a third request is sent:

* a page token the API returned before (cursor, page-token);
* an empty page that claims more (a next token after no records: cursor, page-token);
* the same page again at the next offset (offset/limit: a server ignoring the offset).

Windowed and phased paginators compose the others (a listing per time window, one per
phase such as a campaign) and carry their resume point in a ``Resume`` token.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, Protocol

from mpsync.connector.errors import PaginationLoopError
from mpsync.connector.paging import LoopGuard, Resume, windows
from mpsync.connector.records import Records

PageCall = Callable[[str | None], Awaitable[tuple[Records, str | None]]]
"""Fetch one page at a cursor (``None`` = first page); return its records and the next
cursor the API gave (``None`` when the listing is exhausted)."""
OffsetCall = Callable[[int], Awaitable[Records]]
"""Fetch the page starting at an offset; return its records."""
KeyedCall = Callable[[Any, str | None], Awaitable[tuple[Records, str | None]]]
"""Fetch one page of the listing of a key (``PhasedPaginator.page_token_each``)."""
Listing = Callable[[datetime, datetime], "Paginator"]
"""The paginator of one time window ``[low, high]``."""


class Paginator(ABC):
    """The pages of one listing. ``stream`` and ``what`` (method and path) name it in errors."""

    kind: ClassVar[str]

    def __init__(self, *, stream: str, what: str) -> None:
        self.stream = stream
        self.what = what

    @abstractmethod
    def pages(self, resume: str | None = None) -> AsyncIterator[tuple[Records, str | None]]:
        """``(records, token resuming after them)`` page by page, from *resume* on."""

    async def records(self) -> Records:
        """Every record of the listing, from its first page (a read by ids, say)."""
        return [record async for page, _ in self.pages() for record in page]

    def _loop(self, message: str, token: str | None) -> PaginationLoopError:
        return PaginationLoopError(
            f"{self.stream} stream: {self.what}: {message}; stopping instead of looping forever",
            stream=self.stream,
            token=token,
        )


class CursorPaginator(Paginator):
    """The API hands the next page's cursor back (``cursor``, ``last_id``, ``next``)."""

    kind = "cursor"

    def __init__(self, fetch: PageCall, *, stream: str, what: str) -> None:
        super().__init__(stream=stream, what=what)
        self._fetch = fetch

    async def pages(self, resume: str | None = None) -> AsyncIterator[tuple[Records, str | None]]:
        guard = LoopGuard(f"{self.stream} stream: {self.what}", stream=self.stream)
        guard.check(resume)
        cursor, more = resume, True
        while more:
            records, following = await self._fetch(cursor)
            if following is not None and not records:
                raise self._loop(
                    f"an empty page at {cursor!r} claims more (next token {following[:40]!r})",
                    following,
                )
            guard.check(following)
            yield records, following
            cursor, more = following, following is not None


class PageTokenPaginator(CursorPaginator):
    """The API names the next page by an opaque page token (``nextPageToken``)."""

    kind = "page_token"


class OffsetPaginator(Paginator):
    """``offset``/``limit`` paging: the next offset is this one plus the records read.

    The listing ends at a short page, or (``until_empty``: "repeat until the answer is an
    empty list") at an empty one. The offset never repeats, so a server that ignores it is
    caught by its page: the same page as the one before ends the read.
    """

    kind = "offset"

    def __init__(
        self, fetch: OffsetCall, *, limit: int, stream: str, what: str, until_empty: bool = False
    ) -> None:
        super().__init__(stream=stream, what=what)
        self._fetch = fetch
        self.limit = limit
        self.until_empty = until_empty

    async def pages(self, resume: str | None = None) -> AsyncIterator[tuple[Records, str | None]]:
        offset, previous, more = int(resume or 0), "", True
        while more:
            records = await self._fetch(offset)
            mark = json.dumps(records, sort_keys=True, default=str) if records else ""
            if mark and mark == previous:
                raise self._loop(f"the page at offset {offset} repeats the page before it",
                                 str(offset))  # fmt: skip
            previous = mark
            more = bool(records) and (self.until_empty or len(records) >= self.limit)
            offset += len(records)
            yield records, (str(offset) if more else None)


class PhaseCodec(Protocol):
    """How a phased listing writes its resume point (phase name, cursor inside it)."""

    def encode(self, phase: str, cursor: str | None) -> str: ...

    def decode(self, token: str | None) -> tuple[str, str | None] | None: ...


class ResumeCodec:
    """The default: a ``Resume`` token naming the phase and the cursor."""

    def encode(self, phase: str, cursor: str | None) -> str:
        return Resume(phase, cursor=cursor).encode()

    def decode(self, token: str | None) -> tuple[str, str | None] | None:
        saved = Resume.decode(token)
        return None if saved is None else (saved.phase, saved.cursor)


class IndexCodec:
    """Phases named ``0``, ``1``, ... (the slices of a window): ``index|cursor``; a bare
    token (no index) is a cursor of phase ``0``."""

    def encode(self, phase: str, cursor: str | None) -> str:
        return f"{int(phase)}|{cursor or ''}"

    def decode(self, token: str | None) -> tuple[str, str | None] | None:
        if not token:
            return None
        index, sep, cursor = token.partition("|")
        if not sep or not index.isdigit():
            return "0", token
        return str(int(index)), cursor or None


class PhasedPaginator(Paginator):
    """Phases in order (one per campaign, say), each a listing of its own.

    The token after a phase's last page names the next phase. A token naming a phase that
    no longer exists (the account's campaigns changed) starts over: re-reading a snapshot is
    harmless, skipping part of it is not.
    """

    kind = "phased"

    def __init__(
        self,
        phases: Sequence[tuple[str, Paginator]],
        *,
        stream: str,
        what: str,
        codec: PhaseCodec | None = None,
    ) -> None:
        super().__init__(stream=stream, what=what)
        self.phases = list(phases)
        self.codec = codec or ResumeCodec()

    @classmethod
    def page_token_each(cls, keys: Sequence[object], page: KeyedCall, *, stream: str,
                        what: str) -> PhasedPaginator:  # fmt: skip
        """A page-token listing per key (a campaign each, say), ``page(key, token)``."""
        phases = [(str(key), PageTokenPaginator(partial(page, key), stream=stream, what=what))
                  for key in keys]  # fmt: skip
        return cls(phases, stream=stream, what=what)

    async def pages(self, resume: str | None = None) -> AsyncIterator[tuple[Records, str | None]]:
        names = [name for name, _ in self.phases]
        saved = self.codec.decode(resume)
        known = saved is not None and saved[0] in names
        start = names.index(saved[0]) if saved is not None and known else 0
        cursor = saved[1] if saved is not None and known else None
        for index in range(start, len(self.phases)):
            name, listing = self.phases[index]
            async for records, following in listing.pages(cursor):
                if following is not None:
                    yield records, self.codec.encode(name, following)
                elif index + 1 < len(names):
                    yield records, self.codec.encode(names[index + 1], None)
                else:
                    yield records, None
            cursor = None


class WindowedPaginator(Paginator):
    """``[start, end]`` window by window (at most ``span`` each), a listing per window.

    The token is ``Resume(phase, window start, cursor inside it)``; a token of another phase
    reads from the start.
    """

    kind = "windowed"

    def __init__(
        self,
        listing: Listing,
        *,
        start: datetime,
        end: datetime,
        span: timedelta,
        phase: str,
        stream: str,
        what: str,
    ) -> None:
        super().__init__(stream=stream, what=what)
        self.listing = listing
        self.start, self.end, self.span, self.phase = start, end, span, phase

    @classmethod
    def until_end(cls, listing: Listing, start: datetime, end: datetime, span: timedelta, *,
                  stream: str, what: str) -> WindowedPaginator:  # fmt: skip
        """``[start, end]`` window by window, its resume tokens naming the *stream*."""
        return cls(listing, start=start, end=end, span=span, phase=stream, stream=stream,
                   what=what)  # fmt: skip

    async def pages(self, resume: str | None = None) -> AsyncIterator[tuple[Records, str | None]]:
        start, cursor = self.start, None
        saved = Resume.decode(resume)
        if saved is not None and saved.phase == self.phase and saved.start is not None:
            start, cursor = saved.start, saved.cursor
        for low, high in windows(start, self.end, self.span):
            async for records, following in self.listing(low, high).pages(cursor):
                if following is not None:
                    yield records, Resume(self.phase, low, following).encode()
                else:
                    rest = Resume(self.phase, high).encode() if high < self.end else None
                    yield records, rest
            cursor = None


KINDS = (CursorPaginator, PageTokenPaginator, OffsetPaginator, PhasedPaginator, WindowedPaginator)
PAGINATORS: dict[str, type[Paginator]] = {kind.kind: kind for kind in KINDS}
