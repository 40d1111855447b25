"""Paging of snapshot streams (``stock``, ``prices``): the whole list is read every run.

The marketplaces' stock and price lists take no change-time filter, so the window's
``since``/``until`` do not narrow them. A read may run through several *phases* (one per
campaign, say); each page carries the resume token of what follows it, so an interrupted
run continues after the last committed page instead of starting over.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from mpsync.connector.errors import FatalError, PaginationLoopError
from mpsync.connector.paging import LoopGuard, Resume

Records = list[dict[str, Any]]
PageCall = Callable[[str | None], Awaitable[tuple[Records, str | None]]]
"""Fetch one page at a cursor (``None`` = first page); return its records and the next cursor
(``None`` when the listing is exhausted)."""


async def phased_pages(
    phases: Sequence[tuple[str, PageCall]], resume: str | None, *, what: str
) -> AsyncIterator[tuple[Records, str | None]]:
    """Page through every phase in order, yielding ``(records, resume token after them)``.

    The token after the last page is ``None``. A token naming a phase that no longer exists
    (the account's campaigns changed, say) starts the snapshot over: re-reading a snapshot
    is harmless, skipping part of it is not.
    """
    names = [name for name, _ in phases]
    saved = Resume.decode(resume)
    start = names.index(saved.phase) if saved is not None and saved.phase in names else 0
    cursor = saved.cursor if saved is not None and saved.phase in names else None
    for index in range(start, len(phases)):
        name, fetch = phases[index]
        guard = LoopGuard(f"{what} ({name})" if len(phases) > 1 else what)
        guard.check(cursor)
        while True:
            records, cursor = await fetch(cursor)
            guard.check(cursor)
            if cursor is not None:
                yield records, Resume(name, cursor=cursor).encode()
                continue
            following = Resume(names[index + 1]).encode() if index + 1 < len(names) else None
            yield records, following
            break


def no_repeats(fetch: PageCall, *, what: str) -> PageCall:
    """*fetch* refusing a page equal to the one before it.

    Offset paging computes the next cursor itself, so a server that ignores the offset
    would serve the same page forever without ever repeating a cursor.
    """
    previous: str | None = None

    async def guarded(cursor: str | None) -> tuple[Records, str | None]:
        nonlocal previous
        records, following = await fetch(cursor)
        mark = json.dumps(records, sort_keys=True, default=str) if records else None
        if mark is not None and mark == previous:
            raise PaginationLoopError(
                f"{what}: the page at cursor {cursor!r} repeats the previous page; "
                "stopping instead of looping forever"
            )
        previous = mark
        return records, following

    return guarded


def offset_cursor(offset: int, received: int, limit: int) -> str | None:
    """The next offset of an offset-paged list: a short page is the last one."""
    return str(offset + received) if received >= limit else None


def json_object(body: Any, what: str) -> dict[str, Any]:
    """A response body that must be a JSON object; an empty body is an empty object.

    Anything else (a list, a string) is not a shape the connector knows: reading on as if
    the list were empty would silently drop the rest of it.
    """
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise FatalError(f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def as_dicts(items: Any) -> Records:
    """The items of a list as dicts; a non-object item is kept as ``{"_unparsed": item}``.

    Such a row fails the mapping and lands in dead letters with its raw value: nothing is
    dropped silently, and one bad item does not stop the page. A non-list is empty.
    """
    if not isinstance(items, list):
        return []
    return [dict(item) if isinstance(item, dict) else {"_unparsed": item} for item in items]
