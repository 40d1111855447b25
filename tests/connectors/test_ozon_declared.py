"""Issue 15: every Ozon read is a declaration (``mpsync_connectors.ozon.streams``) run by
the one engine, and a resume token written before the reads were declared still continues
where it stopped (its phase, window start and cursor mean what they meant).

Request shapes: ``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json``
(``/v4/posting/fbs/list``, ``/v3/finance/transaction/list``, ``/v1/returns/list``,
``/v2/returns/rfbs/list``, ``/v1/question/list``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from connector_helpers import NOW, RecordingSleep, account
from mpsync_connectors.ozon import OzonConnector
from mpsync_connectors.ozon.streams import STREAMS

from mpsync.connector.base import FetchWindow
from mpsync.connector.errors import FatalError, PaginationLoopError
from mpsync.connector.paging import Resume

LOW = NOW - timedelta(days=10)


class Recorder:
    """Stands in for ``OzonConnector.call``: records ``(path, body)``, answers an empty page."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def __call__(self, method: str, host: str, path: str, *, group: str,
                       json_body: Any = None, params: Any = None, **options: Any) -> Any:  # fmt: skip
        self.sent.append((path, json_body))
        return {"postings": [], "has_next": False, "returns": [], "questions": [],
                "result": {"operations": [], "page_count": 0}}  # fmt: skip


def _connector() -> tuple[OzonConnector, Recorder]:
    connector = OzonConnector(account("ozon"), sleep=RecordingSleep())
    recorder = Recorder()
    connector.call = recorder  # type: ignore[method-assign]
    return connector, recorder


@pytest.mark.parametrize(("stream", "token", "path", "expected"), [
    # the orders list: Resume("list", window start, cursor) of the hand-written reader
    ("orders", Resume("list", LOW, "c7").encode(), "/v4/posting/fbs/list",
     {"cursor": "c7", "filter": {"last_changed_status_date": {"from": "2026-03-26T12:00:00Z"}}}),
    # finance: the page number inside a window
    ("finance", Resume("finance", LOW, "3").encode(), "/v3/finance/transaction/list",
     {"page": 3, "filter": {"date": {"from": "2026-03-26T12:00:00.000Z"}}}),
    # returns: phase rfbs, the last return_id read (an integer in the request)
    ("returns", Resume("rfbs", cursor="41").encode(), "/v2/returns/rfbs/list",
     {"last_id": 41}),
    # questions: phase window, the last_id read
    ("questions", Resume("window", cursor="q-9").encode(), "/v1/question/list",
     {"last_id": "q-9", "filter": {"status": "ALL"}}),
])  # fmt: skip
async def test_a_resume_token_of_the_hand_written_readers_continues_there(
    stream: str, token: str, path: str, expected: dict[str, Any]
) -> None:
    connector, recorder = _connector()
    window = FetchWindow(since=NOW - timedelta(days=40), until=NOW, resume=token)
    pages = [page async for page in connector.fetch(stream, window)]
    await connector.aclose()
    assert pages and recorder.sent[0][0] == path
    assert _contains(recorder.sent[0][1], expected), recorder.sent[0][1]


def _contains(body: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(body, dict) and all(
            key in body and _contains(body[key], value) for key, value in expected.items())  # fmt: skip
    return bool(body == expected)


async def test_the_orders_filter_asks_a_year_back_from_each_windows_end() -> None:
    connector, recorder = _connector()
    window = FetchWindow(since=NOW - timedelta(days=40), until=NOW)
    [page async for page in connector.fetch("orders", window)]
    await connector.aclose()
    assert len(recorder.sent) == 2  # 40 days: two windows of at most 30
    first = recorder.sent[0][1]
    assert first["filter"]["to"] == first["filter"]["last_changed_status_date"]["to"]
    assert first["filter"]["to"] == "2026-03-26T12:00:00Z"  # the first window's end
    assert first["filter"]["since"] == "2025-03-27T12:00:00Z"  # 364 days before it
    assert (first["limit"], first["sort_dir"], first["cursor"]) == (100, "ASC", "")


def test_every_stream_ozon_reads_is_declared() -> None:
    reads = set(OzonConnector.capabilities.streams)
    assert reads <= set(STREAMS)
    fetchers = OzonConnector(account("ozon")).stream_fetchers()
    assert set(fetchers) == reads
    coded = {name for name, fetch in fetchers.items() if not isinstance(fetch, partial)}
    assert coded == {"stock", "prices"}  # each page followed by its products (bespoke)


async def test_has_next_without_a_cursor_fails_the_orders_read_instead_of_ending_it() -> None:
    # swagger v3GetFbsPostingListResponseV3Result.has_next: "Признак, что в ответе вернули
    # не весь массив отправлений" (v4 asks for the rest by cursor: tests/contracts/
    # ozon_postings.py); a true flag with an empty cursor cannot be followed.
    connector, recorder = _connector()

    async def more_without_cursor(*args: Any, **kwargs: Any) -> Any:
        await recorder(*args, **kwargs)
        return {"postings": [{"posting_number": "1"}], "has_next": True, "cursor": ""}

    connector.call = more_without_cursor  # type: ignore[method-assign]
    window = FetchWindow(since=NOW - timedelta(days=1), until=NOW)
    with pytest.raises(FatalError, match="says there is more"):
        [page async for page in connector.fetch("orders", window)]
    await connector.aclose()


REPEATING = {  # stream → an answer whose next token is the same on every page
    "orders": {"postings": [{"posting_number": "1"}], "has_next": True, "cursor": "same"},
    # page numbers: a server ignoring ``page`` answers the same page again
    "finance": {"result": {"operations": [{"operation_id": 1}], "page_count": 9}},
    "products": {"result": {"items": [{"offer_id": "a"}], "last_id": "same"}},
    "stock": {"items": [{"offer_id": "a", "stocks": []}], "cursor": "same"},
    "prices": {"items": [{"offer_id": "a"}], "cursor": "same"},
    "returns": {"returns": [{"id": 5}], "has_next": True},  # last_id: the last id, again
    "questions": {"questions": [{"id": "q"}], "last_id": "same"},
    "reviews": {"reviews": [{"id": "r"}], "last_id": "same", "has_next": True},
}


@pytest.mark.parametrize("stream", sorted(REPEATING))
async def test_a_repeated_cursor_ends_every_ozon_read_within_two_requests(stream: str) -> None:
    connector, recorder = _connector()

    async def repeating(*args: Any, **kwargs: Any) -> Any:
        await recorder(*args, **kwargs)
        return REPEATING[stream]

    connector.call = repeating  # type: ignore[method-assign]
    window = FetchWindow(since=NOW - timedelta(days=1), until=NOW)
    with pytest.raises(PaginationLoopError) as caught:
        [page async for page in connector.fetch(stream, window)]
    await connector.aclose()
    assert caught.value.stream == stream and caught.value.token is not None
    assert len(recorder.sent) == 2


@pytest.mark.parametrize("result", [[], [{"posting_number": "1"}, {"posting_number": "2"}]])
async def test_a_posting_read_by_number_that_is_not_one_posting_is_a_connector_error(
    result: Any,
) -> None:
    """``/v3/posting/fbs/get`` answers one posting under ``result``; anything else is a
    ``FatalError`` naming the number (not a bare ValueError the inbox would not expect)."""
    connector, recorder = _connector()

    async def answer(*args: Any, **kwargs: Any) -> Any:
        await recorder(*args, **kwargs)
        return {"result": result}

    connector.call = answer  # type: ignore[method-assign]
    with pytest.raises(FatalError, match="87654321-0001-1: expected one posting, got"):
        await connector.fetch_orders(["87654321-0001-1"])
