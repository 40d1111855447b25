"""Issue 15: the ``StreamSpec`` features the Wildberries reads needed, run by
``DeclaredStream`` against a fake API (``test_declared_spec.py`` has the rest).

Kept generic, so a connector file can use each: a composite cursor object, the API's page
count, a next token back at the first cursor, an error envelope, a most-records ceiling, a
read by ids, record defaults, a date window with a first day; and (connector packages)
declared reads chained into one stream, resume tokens naming each read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mpsync.connector.base import FetchWindow, Page
from mpsync.connector.declared import Answer, DeclaredStream, Paging, StreamSpec, chained
from mpsync.connector.errors import FatalError
from mpsync.connector.paging import Resume
from mpsync.connector.records import Records

NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)
WINDOW = FetchWindow(since=NOW - timedelta(days=2), until=NOW)

Reply = Callable[[str, dict[str, Any], Any], Any]


class Api:
    """A fake ``call``: records every request, answers with *answer(path, params, body)*."""

    def __init__(self, answer: Reply) -> None:
        self.answer = answer
        self.requests: list[tuple[str, dict[str, Any], Any]] = []

    async def call(self, method: str, host: str, path: str, *, group: str,
                   json_body: Any = None, params: dict[str, Any] | None = None) -> Any:  # fmt: skip
        asked = dict(params or {})
        self.requests.append((path, asked, json.loads(json.dumps(json_body))))
        return self.answer(path, asked, json_body)


def _stream(spec: dict[str, Any], api: Api, hooks: object = None) -> DeclaredStream:
    declared = StreamSpec.model_validate(spec)  # as a TOML file would declare it
    return DeclaredStream("items", declared, connector="fake", call=api.call, hooks=hooks)


async def _pages(stream: DeclaredStream, window: FetchWindow = WINDOW) -> list[tuple[Records, str | None]]:  # fmt: skip
    return [page async for page in stream.pages(window)]


async def test_a_composite_cursor_object_goes_back_into_the_request() -> None:
    cards = [{"nmID": n, "updatedAt": f"2026-11-0{n}"} for n in range(1, 6)]

    def answer(path: str, params: dict[str, Any], body: Any) -> Any:
        cursor = body["settings"]["cursor"]
        after = cursor.get("nmID", 0)
        found = [c for c in cards if c["nmID"] > after][: cursor["limit"]]
        last = found[-1] if found else {}
        return {"cards": found, "cursor": {"total": len(found), **last}}

    api = Api(answer)
    spec = {"record_type": "product", "method": "POST", "path": "/cards",
            "answer": {"records": "cards"},
            "paging": {"page_size": 2, "limit_param": "settings.cursor.limit",
                       "param": "settings.cursor", "next": "cursor",
                       "cursor_fields": ["updatedAt", "nmID"], "count": "cursor.total"},
            "ends": {"empty": True}, "body": {"settings": {"filter": {"withPhoto": -1}}}}  # fmt: skip
    pages = await _pages(_stream(spec, api))
    assert [len(records) for records, _ in pages] == [2, 2, 1]
    assert api.requests[1][2] == {"settings": {
        "cursor": {"limit": 2, "updatedAt": "2026-11-02", "nmID": 2},
        "filter": {"withPhoto": -1}}}  # fmt: skip
    assert Resume.decode(pages[0][1]) == Resume(
        "items", cursor='{"updatedAt":"2026-11-02","nmID":2}'
    )

    lost = Api(lambda path, params, body: {"cards": cards[:2], "cursor": {"total": 2}})
    with pytest.raises(FatalError, match="a full page without a cursor"):
        await _pages(_stream(spec, lost))


async def test_an_error_envelope_a_ceiling_and_record_defaults() -> None:
    failing = Api(lambda path, params, body: {"data": None, "error": True, "errorText": "Bad"})
    spec = {"record_type": "price", "path": "/goods",
            "answer": {"records": "data.list", "error": "error", "error_text": "errorText"},
            "paging": {"kind": "offset", "page_size": 2, "param": "offset"},
            "ends": {"empty": True}}  # fmt: skip
    with pytest.raises(FatalError, match="fake GET /goods: Bad"):
        await _pages(_stream(spec, failing))

    full = Api(lambda path, params, body: {"data": {"list": [{"n": params["offset"]}] * 2}})
    capped = {**spec, "paging": {**spec["paging"], "max_offset": 4}}
    with pytest.raises(FatalError, match="more than 4 records in one window"):
        await _pages(_stream(capped, full))
    assert [params["offset"] for _, params, _ in full.requests] == [0, 2]

    tasks = Api(lambda path, params, body: {"orders": [{"id": 1}, {"id": 2, "status": "x"},
                                                       {"id": 3, "status": None}]})  # fmt: skip
    new = {"record_type": "order", "path": "/new", "paging": {"kind": "none"},
           "answer": {"records": "orders", "defaults": {"status": "new"}}}  # fmt: skip
    [(records, token)] = await _pages(_stream(new, tasks))
    assert [r["status"] for r in records] == ["new", "x", "new"] and token is None


async def test_a_next_token_back_at_the_first_cursor_ends_the_listing() -> None:
    api = Api(lambda path, params, body: {"orders": [{"id": params["next"]}], "next": 0})
    spec = {"record_type": "order", "path": "/orders", "answer": {"records": "orders"},
            "paging": {"param": "next", "first": "0", "next": "next"}}  # fmt: skip
    pages = await _pages(_stream(spec, api))
    assert len(pages) == 1 and pages[0][1] is None and len(api.requests) == 1


async def test_a_read_by_ids_asks_in_batches_and_resumes_by_batch() -> None:
    api = Api(lambda path, params, body: {"orders": [{"id": i} for i in body["orders"]]})
    spec = {"record_type": "order_status", "method": "POST", "path": "/status",
            "answer": {"records": "orders"}, "phase": "status",
            "paging": {"kind": "ids", "param": "orders", "page_size": 2, "ids_as": "int"}}  # fmt: skip
    window = FetchWindow(WINDOW.since, NOW, open_ids=["1", "2", "x", "3"])
    pages = await _pages(_stream(spec, api), window)
    assert [body for _, _, body in api.requests] == [{"orders": [1, 2]}, {"orders": [3]}]
    assert [Resume.decode(token) for _, token in pages] == [Resume("status", cursor="1"), None]
    api.requests.clear()
    await _pages(_stream(spec, api), FetchWindow(WINDOW.since, NOW, resume=pages[0][1],
                                                 open_ids=["1", "2", "3"]))  # fmt: skip
    assert [body for _, _, body in api.requests] == [{"orders": [3]}]


async def test_a_date_window_in_a_time_zone_rereads_and_starts_no_earlier_than_its_first_day() -> None:  # fmt: skip
    api = Api(lambda path, params, body: {"report": []})
    rule = {"since": "dateFrom", "until": "dateTo", "format": "date", "zone": "Europe/Moscow",
            "span": "30d", "history": "14d", "reread": "14d",
            "earliest": "2026-10-01T00:00:00+03:00"}  # fmt: skip
    spec = {"record_type": "return", "path": "/returns", "answer": {"records": "report"},
            "paging": {"kind": "none"}, "window": rule}  # fmt: skip
    late = NOW.replace(hour=22)  # 01:00 the next day in Moscow
    await _pages(_stream(spec, api), FetchWindow(since=late - timedelta(hours=1), until=late))
    assert api.requests[0][1] == {"dateFrom": "2026-10-28", "dateTo": "2026-11-11"}  # 14 days back
    api.requests.clear()
    backfill = FetchWindow(since=datetime(2026, 1, 1, tzinfo=UTC), until=NOW, backfill=True)
    pages = await _pages(_stream(spec, api), backfill)
    assert api.requests[0][1]["dateFrom"] == "2026-10-01"  # the first day, not before
    assert len(pages) == 2 and Resume.decode(pages[0][1]).phase == "items"  # type: ignore[union-attr]


async def test_chained_reads_hand_over_by_phase_and_resume_in_the_read_named() -> None:
    def answer(path: str, params: dict[str, Any], body: Any) -> Any:
        return {"orders": [{"id": 1}] if path == "/new" else [{"id": int(params["cursor"] or 0) + 2}],
                "next": None if path == "/new" or params.get("cursor") else "1"}  # fmt: skip

    api = Api(answer)
    new = StreamSpec(record_type="order", path="/new", answer=Answer(records="orders"),
                     paging=Paging(kind="none"), phase="new")  # fmt: skip
    history = StreamSpec(record_type="order", path="/history", answer=Answer(records="orders"),
                         paging=Paging(next="next", first=""), phase="history",
                         window={"since": "from", "span": "30d"})  # type: ignore[arg-type]  # fmt: skip
    reads = [DeclaredStream("orders", spec, connector="fake", call=api.call) for spec in (new, history)]  # fmt: skip
    pages: list[Page] = [page async for page in chained(reads, WINDOW)]
    assert [Resume.decode(page.resume).phase if page.resume else None for page in pages] == [
        "history", "history", None
    ]  # fmt: skip
    api.requests.clear()
    rest = [page async for page in chained(reads, FetchWindow(WINDOW.since, NOW, resume=pages[1].resume))]  # fmt: skip
    assert [page.records for page in rest] == [[{"id": 3}]]
    assert [path for path, _, _ in api.requests] == ["/history"]


async def test_a_growing_cursor_that_does_not_move_on_is_refused_not_followed() -> None:
    """A row-id cursor (Wildberries' ``rrd_id``, 13-finances.yaml) must grow page after page."""
    rows = {0: [{"rrd_id": 5}, {"rrd_id": 7}], 7: [{"rrd_id": 6}, {"rrd_id": 4}]}
    api = Api(lambda path, params, body: rows[params["rrdid"]])
    spec = {"record_type": "finance", "path": "/report",
            "paging": {"page_size": 2, "param": "rrdid", "first": 0, "token_type": "integer",
                       "next": "rrd_id", "next_in": "last_record", "grows": True}}  # fmt: skip
    with pytest.raises(FatalError, match="next token 4 does not move past 7"):
        await _pages(_stream(spec, api))
    assert [params["rrdid"] for _, params, _ in api.requests] == [0, 7]
