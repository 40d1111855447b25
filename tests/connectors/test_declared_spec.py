"""Issue 15: what a ``StreamSpec`` declares, the one engine (``DeclaredStream``) does.

Each test runs a spec against a fake ``call`` that records every request and answers from a
script, and checks the requests sent and the pages and resume tokens read back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mpsync.connector.base import FetchWindow
from mpsync.connector.config_connector import ConnectorFileError, build_connector
from mpsync.connector.declared import DeclaredStream, EachRule, StreamSpec, WindowRule
from mpsync.connector.errors import FatalError
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
    base: dict[str, Any] = {
        "record_type": "return", "method": "POST", "path": "/v2/campaigns/{campaignId}/x",
        "group": "campaign:{campaignId}", "records": "result.items", "paginator": "page_token",
        "next": "result.paging.nextPageToken", "cursor_param": "pageToken", "place": "query",
    }  # fmt: skip
    return StreamSpec.model_validate({**base, **changes})


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
    stream = DeclaredStream("finance", _spec(window=rule, page_size=200), connector="t",
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
    stream = DeclaredStream("reviews", _spec(enrich=hook), connector="t", call=api.call,
                            path_values={"campaignId": 1}, hooks=Hooks())  # fmt: skip
    pages = await _read(stream, FetchWindow(None, T0))
    assert len(pages) == 2
    assert pages[0][0] == expected


def test_a_hook_the_connector_lacks_is_refused_when_the_stream_is_made() -> None:
    with pytest.raises(FatalError, match="'missing'"):
        DeclaredStream("reviews", _spec(enrich="missing"), connector="t", call=Api(_two_pages).call,
                       hooks=Hooks())  # fmt: skip


def test_slices_need_a_split_window() -> None:
    with pytest.raises(ValueError, match="slices"):
        _spec(slices="halves")


async def test_slices_read_each_window_slice_by_slice_and_resume_inside_a_slice() -> None:
    """``slices``: the hook's keys per slice (placed as window keys), resume ``index|token``
    inside a window's ``Resume``; a bare token (saved before slices) is slice 0."""
    api = Api(_two_pages)
    rule = WindowRule(since="dates.from", span=timedelta(days=30), place="body")
    hooks = Hooks()
    stream = DeclaredStream("orders", _spec(window=rule, slices="halves", phase="orders"),
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
    stream = DeclaredStream("finance", _spec(records_required=True), connector="t",
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
    bad.write_text(shop.read_text().replace("[streams.orders]", each + '\nenrich = "mine"'))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert "streams.orders: names the hook 'mine'" in str(caught.value)
    assert "streams.orders.each.values: 'stores' is not a list credential" in str(caught.value)
