"""Issue 15: what a ``StreamSpec`` declares, the one engine (``DeclaredStream``) does.

Each test runs a spec against a fake ``call`` that records every request and answers from a
script, and checks the requests sent and the pages and resume tokens read back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mpsync.connector.base import FetchWindow
from mpsync.connector.config_connector import ConnectorFileError, build_connector
from mpsync.connector.declared import (
    Answer,
    DeclaredStream,
    EachRule,
    Ends,
    Paging,
    StreamSpec,
    WindowRule,
)
from mpsync.connector.errors import (
    AuthError,
    FatalError,
    PaginationLoopError,
    UnavailableError,
)
from mpsync.connector.records import Records

T0 = datetime(2026, 11, 1, 22, 30, tzinfo=UTC)  # 2026-11-02 01:30 in Moscow


class Api:
    """Records each call; answers with ``answer(path, params, body)``."""

    def __init__(self, answer: Callable[[str, dict[str, Any], dict[str, Any]], Any]) -> None:
        self.answer = answer
        self.sent: list[dict[str, Any]] = []

    async def call(self, method: str, host: str, path: str, *, group: str,
                   json_body: Any = None, params: Any = None, **options: Any) -> Any:  # fmt: skip
        request = {"method": method, "path": path, "group": group, "params": dict(params or {}),
                   "body": json_body, **options}  # fmt: skip
        self.sent.append(request)
        return self.answer(path, request["params"], json_body or {})


def _two_pages(path: str, params: dict[str, Any], body: dict[str, Any]) -> Any:
    """Two pages per listing (``pageToken`` ``p2``), each record naming its path."""
    second = params.get("pageToken") == "p2"
    return {"result": {"items": [{"at": path, "page": 2 if second else 1}],
                       "paging": {} if second else {"nextPageToken": "p2"}}}  # fmt: skip


def _spec(**changes: Any) -> StreamSpec:
    """A page_token listing with *changes* (a group such as ``paging`` merged key by key)."""
    base: dict[str, Any] = {
        "record_type": "return", "method": "POST", "path": "/v2/campaigns/{campaignId}/x",
        "group": "campaign:{campaignId}", "answer": {"records": "result.items"},
        "paging": {"kind": "page_token", "next": "result.paging.nextPageToken",
                   "param": "pageToken"},
        "place": "query",
    }  # fmt: skip
    return StreamSpec.model_validate(base).changed(**changes)


async def _read(stream: DeclaredStream, window: FetchWindow) -> list[tuple[Records, str | None]]:
    return [page async for page in stream.pages(window)]


async def test_each_reads_the_listing_once_per_value_of_a_credential_list() -> None:
    """Phases per store: path, group and pace filled with the value, the value written to
    each record, the phase named by the ``phase`` template; a resume token of the second
    phase continues there (the first is not read again)."""
    api = Api(_two_pages)
    spec = _spec(each=EachRule(values="campaign_ids", key="campaignId", field="campaign"),
                 phase="campaign:{campaignId}", pace="stocks:{campaignId}",
                 body={"ids": "{campaign_ids}", "fixed": "{unknown}"})  # fmt: skip
    stream = DeclaredStream("returns", spec, connector="t", call=api.call,
                            path_values={"campaign_ids": [7, 8]})  # fmt: skip
    pages = await _read(stream, FetchWindow(None, T0))
    assert [(r[0]["at"], r[0]["page"], r[0]["campaign"]) for r, _ in pages] == [
        ("/v2/campaigns/7/x", 1, 7), ("/v2/campaigns/7/x", 2, 7),
        ("/v2/campaigns/8/x", 1, 8), ("/v2/campaigns/8/x", 2, 8),
    ]  # fmt: skip
    assert [(s["group"], s["pace"]) for s in api.sent] == [("campaign:7", "stocks:7")] * 2 + [
        ("campaign:8", "stocks:8")
    ] * 2
    # "{name}" in the body template is the path value, its type kept; an unknown one stays.
    assert api.sent[0]["body"] == {"ids": [7, 8], "fixed": "{unknown}"}
    assert '"campaign:8"' in (pages[1][1] or "")  # the token after store 7 names store 8
    assert pages[-1][1] is None

    api.sent.clear()
    resumed = await _read(stream, FetchWindow(None, T0, resume=pages[2][1]))
    assert [s["path"] for s in api.sent] == ["/v2/campaigns/8/x"]
    assert [r[0]["page"] for r, _ in resumed] == [2]


async def test_a_window_of_calendar_days_asked_at_once_in_the_body_paged_in_the_query() -> None:
    """``format = "date"`` in ``zone``; ``split = false``: one request set for the whole
    window; ``reread``: an incremental read starts at least that far back, a backfill not;
    window keys in the body (dotted), paging keys in the query."""
    api = Api(_two_pages)
    rule = WindowRule(since="dates.from", until="dates.to", format="date", zone="Europe/Moscow",
                      split=False, history=timedelta(0), reread=timedelta(days=1),
                      place="body")  # fmt: skip
    stream = DeclaredStream("finance", _spec(window=rule, paging={"page_size": 200}), connector="t",
                            call=api.call, path_values={"campaignId": 5})  # fmt: skip
    since = T0 - timedelta(hours=2)  # 2026-11-01 23:30 Moscow
    await _read(stream, FetchWindow(since, T0 + timedelta(days=40)))
    assert [s["body"] for s in api.sent] == [{"dates": {"from": "2026-11-01",
                                                         "to": "2026-12-12"}}] * 2  # fmt: skip
    assert api.sent[0]["params"] == {"limit": 200}
    assert api.sent[1]["params"] == {"limit": 200, "pageToken": "p2"}

    api.sent.clear()  # a short incremental window goes back a day: 2026-10-31 22:30 UTC
    await _read(stream, FetchWindow(T0 - timedelta(minutes=5), T0))
    assert api.sent[0]["body"] == {"dates": {"from": "2026-11-01", "to": "2026-11-02"}}
    api.sent.clear()  # a backfill chunk asks for its window only
    await _read(stream, FetchWindow(T0 - timedelta(minutes=5), T0, backfill=True))
    assert api.sent[0]["body"] == {"dates": {"from": "2026-11-02", "to": "2026-11-02"}}


async def test_a_date_window_defaults_to_utc_days_and_split_windows_keep_their_phase() -> None:
    api = Api(_two_pages)
    rule = WindowRule(since="from", until="to", format="date", span=timedelta(days=1),
                      place="body")  # fmt: skip
    stream = DeclaredStream("questions", _spec(window=rule, phase="list"), connector="t",
                            call=api.call, path_values={"campaignId": 5})  # fmt: skip
    pages = await _read(stream, FetchWindow(T0 - timedelta(days=1), T0))
    assert {(s["body"]["from"], s["body"]["to"]) for s in api.sent} == {
        ("2026-10-31", "2026-11-01")
    }
    assert '"p":"list"' in (pages[0][1] or "")


class Hooks:
    def __init__(self) -> None:
        self.windows: list[tuple[datetime, datetime]] = []

    async def mark(self, records: Records) -> Records:
        return [{**record, "marked": True} for record in records]

    def flatten(self, records: Records) -> Records:
        return [{"at": r["at"], "n": n} for r in records for n in range(2)]

    def halves(self, low: datetime, high: datetime) -> list[dict[str, Any]]:
        self.windows.append((low, high))
        return [{"part": "new"}, {"part": "old"}]


@pytest.mark.parametrize(("hook", "expected"), [
    ("mark", [{"at": "/v2/campaigns/1/x", "page": 1, "marked": True}]),
    ("flatten", [{"at": "/v2/campaigns/1/x", "n": 0}, {"at": "/v2/campaigns/1/x", "n": 1}]),
])  # fmt: skip
async def test_an_enrich_hook_runs_on_every_page_read(hook: str, expected: Records) -> None:
    api = Api(_two_pages)
    stream = DeclaredStream("reviews", _spec(hooks={"enrich": hook}), connector="t", call=api.call,
                            path_values={"campaignId": 1}, hooks=Hooks())  # fmt: skip
    pages = await _read(stream, FetchWindow(None, T0))
    assert len(pages) == 2
    assert pages[0][0] == expected


def test_a_hook_the_connector_lacks_is_refused_when_the_stream_is_made() -> None:
    with pytest.raises(FatalError, match="'missing'"):
        DeclaredStream("reviews", _spec(hooks={"enrich": "missing"}), connector="t", call=Api(_two_pages).call,
                       hooks=Hooks())  # fmt: skip


def test_slices_need_a_split_window() -> None:
    with pytest.raises(ValueError, match=r"hooks\.slices"):
        _spec(hooks={"slices": "halves"})


async def test_slices_read_each_window_slice_by_slice_and_resume_inside_a_slice() -> None:
    """``slices``: the hook's keys per slice (placed as window keys), resume ``index|token``
    inside a window's ``Resume``; a bare token (saved before slices) is slice 0."""
    api = Api(_two_pages)
    rule = WindowRule(since="dates.from", span=timedelta(days=30), place="body")
    hooks = Hooks()
    stream = DeclaredStream("orders", _spec(window=rule, hooks={"slices": "halves"}, phase="orders"),
                            connector="t", call=api.call, path_values={"campaignId": 1},
                            hooks=hooks)  # fmt: skip
    window = FetchWindow(T0 - timedelta(days=1), T0)
    pages = await _read(stream, window)
    assert [(s["body"]["part"], s["params"].get("pageToken")) for s in api.sent] == [
        ("new", None),
        ("new", "p2"),
        ("old", None),
        ("old", "p2"),
    ]
    assert all(s["body"]["dates"] == {"from": "2026-10-31T22:30:00Z"} for s in api.sent)
    assert hooks.windows == [(T0 - timedelta(days=1), T0)]
    assert '"c":"0|p2"' in (pages[0][1] or "") and '"c":"1|"' in (pages[1][1] or "")

    for token, expected in ((pages[2][1], [("old", "p2")]),
                            (pages[0][1].replace("0|p2", "p2"), [("new", "p2"), ("old", None),
                                                                 ("old", "p2")])):  # fmt: skip
        api.sent.clear()
        await _read(stream, FetchWindow(window.since, T0, resume=token))
        assert [(s["body"]["part"], s["params"].get("pageToken")) for s in api.sent] == expected


async def test_records_required_refuses_an_answer_without_them() -> None:
    api = Api(lambda path, params, body: {"error": "nothing"})
    stream = DeclaredStream("finance", _spec(answer={"required": True}), connector="t",
                            call=api.call, path_values={"campaignId": 1})  # fmt: skip
    with pytest.raises(FatalError, match=r"has no result\.items"):
        await _read(stream, FetchWindow(None, T0))
    lenient = DeclaredStream("finance", _spec(), connector="t", call=api.call,
                             path_values={"campaignId": 1})  # fmt: skip
    assert await _read(lenient, FetchWindow(None, T0)) == [([], None)]


def test_a_connector_file_may_read_per_list_credential_but_names_no_hooks(
    tmp_path: Path,
) -> None:
    """``each`` over a ``list`` credential builds; a hook (code) or an ``each`` over a
    credential that is no list is a problem naming the key."""
    shop = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
    with_stores = shop.read_text().replace(
        'api_key = "secret"', 'api_key = "secret"\nstores = "list"'
    )
    each = '[streams.orders]\neach = { values = "stores", key = "store" }'
    good = tmp_path / "good.toml"
    good.write_text(with_stores.replace("[streams.orders]", each))
    built = build_connector(good)
    assert built.credentials_model.model_validate({"api_key": "k", "stores": [1, "b"]})
    bad = tmp_path / "bad.toml"
    bad.write_text(shop.read_text().replace("[streams.orders]", each + "\nhooks.enrich = 'mine'"))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert "streams.orders: names the hook 'mine'" in str(caught.value)
    assert "streams.orders.each.values: 'stores' is not a list credential" in str(caught.value)


UNTIL = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=2)


# Ozon's reads (issue 15, the ozon helper): phases, last-record cursors, page numbers,
# strict has_more, newest-first stops, window reach, requires, lone objects, drop.


class Script:
    """A ``call`` answering from a list and recording ``(path, body, params)``."""

    def __init__(self, answers: Sequence[Any]) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, Any, Any]] = []

    async def __call__(self, method: str, host: str, path: str, *, group: str,
                       json_body: Any = None, params: Any = None) -> Any:  # fmt: skip
        self.sent.append((path, json_body, params))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def bodies(self) -> list[Any]:
        return [body for _, body, _ in self.sent]


async def _run(spec: StreamSpec, script: Script, window: FetchWindow) -> list[tuple[Any, Any]]:
    stream = DeclaredStream("things", spec, connector="acme", call=script)
    return [(records, token) async for records, token in stream.pages(window)]


async def test_phases_read_the_same_listing_with_their_own_path_body_and_window() -> None:
    # Ozon /v1/returns/list then /v2/returns/rfbs/list: last_id = the last record's id
    # (int64), a short page is the last of the second.
    spec = StreamSpec(
        record_type="return", method="POST", path="/v1/a", answer=Answer(records="rows"),
        paging=Paging(next="id", next_in="last_record", param="last_id", first=0,
                      token_type="integer", page_size=2), phases=[
            {"phase": "a", "paging": {"has_more": "has_next", "strict": True},
             "window": WindowRule(since="filter.from", until="filter.to", split=False,
                                  history=timedelta(days=365), format="iso_ms")},
            {"phase": "b", "path": "/v2/b", "ends": {"short": True}, "body": {"kind": "all"},
             "answer": {"drop": ["client_name"]}},
        ],
    )  # fmt: skip
    script = Script([
        {"rows": [{"id": 7}, {"id": 9}], "has_next": True},
        {"rows": [{"id": 10}], "has_next": False},
        {"rows": [{"id": 1, "client_name": "Ivan"}, {"id": 2}]},
        {"rows": [{"id": 3}]},
    ])  # fmt: skip
    pages = await _run(spec, script, FetchWindow(SINCE, UNTIL))
    assert [path for path, _, _ in script.sent] == ["/v1/a", "/v1/a", "/v2/b", "/v2/b"]
    assert script.bodies[0] == {"limit": 2, "last_id": 0, "filter": {
        "from": "2026-04-03T12:00:00.000Z", "to": "2026-04-05T12:00:00.000Z"}}  # fmt: skip
    assert script.bodies[1]["last_id"] == 9  # the last record's id, as an integer
    assert script.bodies[2] == {"kind": "all", "limit": 2, "last_id": 0}
    assert pages[2][0] == [{"id": 1}, {"id": 2}]  # the buyer's name never leaves the engine
    assert pages[-1][1] is None and len(script.sent) == 4  # the short page was the last
    # A resume token of phase b's second page continues there, not from phase a.
    again = Script([{"rows": [{"id": 3}]}])
    resumed = DeclaredStream("things", spec, connector="acme", call=again)
    window = FetchWindow(SINCE, UNTIL, resume=pages[2][1])
    assert [r async for r, _ in resumed.pages(window)] == [[{"id": 3}]]
    assert again.sent[0][0] == "/v2/b" and again.bodies[0]["last_id"] == 2


def test_a_phase_that_is_not_a_stream_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="phase"):
        StreamSpec(record_type="order", path="/x", phases=[{"path": "/y"}])
    with pytest.raises(ValueError, match=r"phases\[0\]\.paging\.kind"):
        StreamSpec(record_type="order", path="/x",
                   phases=[{"phase": "p", "paging": {"kind": "up"}}])  # fmt: skip


async def test_a_window_without_history_asks_for_everything_on_a_first_read() -> None:
    # Ozon /v1/question/list: filter.date_from is optional; date_to is the window's end.
    rule = WindowRule(since="filter.date_from", until="filter.date_to", split=False,
                      history=None, format="iso_offset")  # fmt: skip
    spec = StreamSpec(record_type="question", method="POST", path="/q", answer=Answer(records="q"),
                      paging=Paging(next="last_id", first=""), ends=Ends(empty=True),
                      window=rule)  # fmt: skip
    script = Script([{"q": [], "last_id": ""}, {"q": [], "last_id": ""}])
    await _run(spec, script, FetchWindow(None, UNTIL))
    await _run(spec, script, FetchWindow(SINCE, UNTIL))
    assert script.bodies[0]["filter"] == {"date_to": "2026-04-05T12:00:00+00:00"}
    assert script.bodies[1]["filter"]["date_from"] == "2026-04-03T12:00:00+00:00"
    with pytest.raises(ValueError, match="cannot be split"):
        WindowRule(since="a", history=None)


async def test_window_keys_carry_the_end_twice_and_a_reach_before_it() -> None:
    # Ozon /v4/posting/fbs/list: filter.since/to within a year, the change window inside.
    rule = WindowRule(since="filter.changed.from", until=["filter.changed.to", "filter.to"],
                      reach={"filter.since": timedelta(days=364)}, span=timedelta(days=1))  # fmt: skip
    spec = StreamSpec(record_type="order", method="POST", path="/o", answer=Answer(records="o"),
                      paging=Paging(next="cursor"), window=rule, phase="list")  # fmt: skip
    script = Script([{"o": []}, {"o": []}])
    pages = await _run(spec, script, FetchWindow(SINCE, UNTIL))
    second = script.bodies[1]["filter"]
    assert second == {"changed": {"from": "2026-04-04T12:00:00Z", "to": "2026-04-05T12:00:00Z"},
                      "to": "2026-04-05T12:00:00Z", "since": "2025-04-06T12:00:00Z"}  # fmt: skip
    assert '"p":"list"' in str(pages[0][1])  # the resume token names the declared phase


async def test_page_numbers_run_to_the_page_count_and_resume_at_the_next_page() -> None:
    # Ozon /v3/finance/transaction/list: page from 1, result.page_count.
    spec = StreamSpec(record_type="finance", method="POST", path="/t",
                      paging=Paging(kind="page", param="page", limit_param="page_size",
                                    page_size=1, page_count="result.page_count"),
                      answer=Answer(records="result.ops", required=True))  # fmt: skip
    script = Script([{"result": {"ops": [{"n": 1}], "page_count": 2}},
                     {"result": {"ops": [{"n": 2}], "page_count": 2}}])  # fmt: skip
    pages = await _run(spec, script, FetchWindow(None, UNTIL))
    assert [b["page"] for b in script.bodies] == [1, 2]
    assert pages[0][1] is not None and pages[1][1] is None
    again = Script([{"result": {"ops": [{"n": 2}], "page_count": 2}}])
    window = FetchWindow(None, UNTIL, resume=pages[0][1])
    await _run(spec, again, window)
    assert again.bodies == [{"page": 2, "page_size": 1}]
    with pytest.raises(FatalError, match=r"has no result\.ops"):
        await _run(spec, Script([{"error": "x"}]), FetchWindow(None, UNTIL))


async def test_a_strict_more_flag_ends_when_absent_and_fails_without_a_token() -> None:
    spec = StreamSpec(record_type="order", method="POST", path="/o", answer=Answer(records="o"),
                      paging=Paging(next="cursor", has_more="has_next", strict=True))  # fmt: skip
    script = Script([{"o": [{"id": 1}], "cursor": "c1"}])
    pages = await _run(spec, script, FetchWindow(None, UNTIL))
    assert pages[-1][1] is None and len(script.sent) == 1  # no has_next: the last page
    with pytest.raises(FatalError, match="says there is more"):
        await _run(spec, Script([{"o": [{"id": 1}], "has_next": True, "cursor": ""}]),
                    FetchWindow(None, UNTIL))  # fmt: skip


async def test_a_newest_first_list_stops_at_a_record_older_than_the_window() -> None:
    # Ozon /v1/review/list (sort_dir DESC, no date filter): published_at.
    spec = StreamSpec(record_type="review", method="POST", path="/r", answer=Answer(records="r"),
                      paging=Paging(next="last_id", first=""),
                      ends=Ends(older="published_at"))  # fmt: skip
    script = Script([{"r": [{"published_at": "2026-04-05T00:00:00Z"}], "last_id": "a"},
                     {"r": [{"published_at": "2026-04-01T00:00:00Z"}], "last_id": "b"}])  # fmt: skip
    pages = await _run(spec, script, FetchWindow(SINCE, UNTIL))
    assert len(script.sent) == 2 and pages[-1][1] is None


async def test_a_repeated_last_record_cursor_ends_the_read_within_two_requests() -> None:
    spec = StreamSpec(record_type="return", method="POST", path="/r",
                      answer=Answer(records="rows"),
                      paging=Paging(next="id", next_in="last_record", param="last_id"))  # fmt: skip
    script = Script([{"rows": [{"id": 5}]}, {"rows": [{"id": 5}]}, {"rows": [{"id": 6}]}])
    with pytest.raises(PaginationLoopError) as caught:
        await _run(spec, script, FetchWindow(None, UNTIL))
    assert caught.value.stream == "things" and len(script.sent) == 2


async def test_a_stream_the_account_may_not_read_is_unavailable_not_failed() -> None:
    spec = StreamSpec(record_type="question", method="POST", path="/q", answer=Answer(records="q"),
                      requires="the Gold subscription")  # fmt: skip
    with pytest.raises(UnavailableError, match="Gold subscription"):
        await _run(spec, Script([AuthError("403 forbidden")]), FetchWindow(None, UNTIL))
    plain = spec.changed(requires=None)
    with pytest.raises(AuthError):
        await _run(plain, Script([AuthError("403 forbidden")]), FetchWindow(None, UNTIL))


async def test_a_lone_object_is_one_record_only_when_declared() -> None:
    spec = StreamSpec(record_type="return", path="/r", answer=Answer(records="returns"),
                      paging=Paging(kind="none"))  # fmt: skip
    with pytest.raises(FatalError, match="not a list"):
        await _run(spec, Script([{"returns": {"id": 1}}]), FetchWindow(None, UNTIL))
    lone = spec.changed(answer={"lone_object": True})
    pages = await _run(lone, Script([{"returns": {"id": 1}}]), FetchWindow(None, UNTIL))
    assert pages == [([{"id": 1}], None)]


async def test_a_page_listing_whose_server_ignores_the_page_number_ends_on_the_repeat() -> None:
    spec = StreamSpec(record_type="finance", method="POST", path="/t", answer=Answer(records="ops"),
                      paging=Paging(kind="page", param="page"))  # fmt: skip
    script = Script([{"ops": [{"n": 1}]}, {"ops": [{"n": 1}]}, {"ops": [{"n": 1}]}])
    with pytest.raises(PaginationLoopError) as caught:
        await _run(spec, script, FetchWindow(None, UNTIL))
    assert caught.value.stream == "things" and caught.value.token == "2"
    assert len(script.sent) == 2
    # different pages go on to the empty one
    fine = Script([{"ops": [{"n": 1}]}, {"ops": [{"n": 2}]}, {"ops": []}])
    assert len(await _run(spec, fine, FetchWindow(None, UNTIL))) == 3
