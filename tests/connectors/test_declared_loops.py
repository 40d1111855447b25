"""Issue 15, acceptance: a repeated token ends a declared read with ``PaginationLoopError``
(naming the stream) within two requests, on every paginator kind ``StreamSpec`` offers and
every way it composes them (phases, each, window slices, split windows).

Each case is a spec and a server that answers every request with the same page, whatever
the request asks: the server ignoring the token, page number, offset or cursor object.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mpsync.connector.base import FetchWindow
from mpsync.connector.config_connector import ConnectorFileError, build_connector
from mpsync.connector.declared import Answer, DeclaredStream, Ends, Paging, StreamSpec
from mpsync.connector.errors import FatalError, PaginationLoopError
from mpsync.connector.paging import Resume

NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)
WINDOW = FetchWindow(since=NOW - timedelta(days=2), until=NOW)
ROWS = [{"id": 7, "rrd_id": 7}, {"id": 8, "rrd_id": 8}]


class Hooks:
    @staticmethod
    def two_slices(low: datetime, high: datetime) -> Sequence[dict[str, Any]]:
        return [{"kind": "a"}, {"kind": "b"}]


class SamePage:
    """Answers every request with the same full page (a server ignoring the paging key)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.sent = 0

    async def call(self, method: str, host: str, path: str, **options: Any) -> Any:
        self.sent += 1
        if self.sent > 5:
            raise AssertionError("the read went on past the repeat")
        return self.answer


TOKEN = {"rows": ROWS, "next": "t1"}
BASE: dict[str, Any] = {
    "record_type": "order",
    "path": "/o",
    "answer": {"records": "rows"},
    "paging": {"page_size": 2},
}
CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "cursor": ({"paging": {"next": "next"}}, TOKEN),
    "page_token": ({"paging": {"kind": "page_token", "next": "next"}}, TOKEN),
    "cursor, has_more true": (
        {"paging": {"next": "next", "has_more": "more"}},
        {**TOKEN, "more": True},
    ),
    "cursor, strict has_more": (
        {"paging": {"next": "next", "has_more": "more", "strict": True}},
        {**TOKEN, "more": True},
    ),
    "integer cursor": (
        {"paging": {"next": "next", "token_type": "integer", "first": 0}},
        {"rows": ROWS, "next": 5},
    ),
    "last-record cursor": ({"paging": {"next": "id", "next_in": "last_record"}}, {"rows": ROWS}),
    "growing last-record cursor": (
        {
            "paging": {
                "next": "rrd_id",
                "next_in": "last_record",
                "token_type": "integer",
                "first": 0,
                "grows": True,
            },
            "ends": {"short": True},
        },
        {"rows": ROWS},
    ),
    "cursor_fields": (
        {
            "paging": {
                "next": "cursor",
                "cursor_fields": ["updatedAt", "nmID"],
                "count": "cursor.total",
            }
        },
        {"rows": ROWS, "cursor": {"updatedAt": "2026-11-01", "nmID": 3, "total": 2}},
    ),
    "offset": ({"paging": {"kind": "offset", "param": "offset"}}, {"rows": ROWS}),
    "offset until empty": (
        {"paging": {"kind": "offset", "param": "offset"}, "ends": {"empty": True}},
        {"rows": ROWS},
    ),
    "page numbers": ({"paging": {"kind": "page", "param": "page"}}, {"rows": ROWS}),
    "page numbers to a page count": (
        {"paging": {"kind": "page", "param": "page", "page_count": "pages"}},
        {"rows": ROWS, "pages": 9},
    ),
    "phases": (
        {"paging": {"next": "next"}, "phases": [{"phase": "one"}, {"phase": "two"}]},
        TOKEN,
    ),
    "each": (
        {"paging": {"next": "next"}, "each": {"values": "stores", "key": "store"}},
        TOKEN,
    ),
    "split window": (
        {"paging": {"next": "next"}, "window": {"since": "from", "span": "1d"}},
        TOKEN,
    ),
    "unsplit window": (
        {"paging": {"next": "next"}, "window": {"since": "from", "split": False}},
        TOKEN,
    ),
    "window slices": (
        {
            "paging": {"next": "next"},
            "hooks": {"slices": "two_slices"},
            "window": {"since": "from", "span": "1d"},
        },
        TOKEN,
    ),
    "phases of windows, each": (
        {
            "paging": {"next": "next"},
            "each": {"values": "stores", "key": "store"},
            "phases": [{"phase": "w", "window": {"since": "from", "span": "1d"}}],
        },
        TOKEN,
    ),
}


def _spec(changes: dict[str, Any]) -> StreamSpec:
    """``BASE`` with *changes* (a group such as ``paging`` merged key by key)."""
    return StreamSpec.model_validate(BASE).changed(**changes)


@pytest.mark.parametrize("case", list(CASES))
async def test_a_repeated_page_ends_every_paginator_kind_within_two_requests(case: str) -> None:
    changes, answer = CASES[case]
    spec = _spec(changes)
    api = SamePage(answer)
    stream = DeclaredStream(
        "orders",
        spec,
        connector="fake",
        call=api.call,
        path_values={"stores": [1, 2]},
        hooks=Hooks(),
    )
    with pytest.raises(PaginationLoopError) as caught:
        [page async for page in stream.pages(WINDOW)]
    assert caught.value.stream == "orders" and "orders stream" in str(caught.value)
    assert api.sent <= 2


@pytest.mark.parametrize("case", ["cursor", "last-record cursor", "growing last-record cursor"])
async def test_a_resume_token_the_api_hands_back_again_ends_the_read_at_once(case: str) -> None:
    changes, answer = CASES[case]
    spec = _spec(changes)
    api = SamePage(answer)
    stream = DeclaredStream("orders", spec, connector="fake", call=api.call)
    resume = Resume("orders", cursor="8" if "last-record" in case else "t1").encode()
    with pytest.raises(PaginationLoopError):
        [page async for page in stream.pages(FetchWindow(None, NOW, resume=resume))]
    assert api.sent == 1


async def test_more_claimed_without_a_token_is_an_error_not_a_silent_end() -> None:
    """A true ``has_more`` with no token to go on with would drop the rest of the listing."""
    spec = StreamSpec(
        record_type="order",
        path="/o",
        answer=Answer(records="rows"),
        paging=Paging(next="next", has_more="more", first=""),
    )
    for answer in ({"rows": ROWS, "more": True}, {"rows": ROWS, "more": True, "next": ""}):
        stream = DeclaredStream("orders", spec, connector="fake", call=SamePage(answer).call)
        with pytest.raises(FatalError, match="says there is more but gives no next token"):
            [page async for page in stream.pages(WINDOW)]
    ended = SamePage({"rows": ROWS, "more": False, "next": "t9"})
    stream = DeclaredStream("orders", spec, connector="fake", call=ended.call)
    assert [token async for _, token in stream.pages(WINDOW)] == [None]


async def test_an_empty_window_asks_nothing_and_a_token_at_the_first_cursor_ends() -> None:
    spec = StreamSpec.model_validate(
        {
            "record_type": "order",
            "path": "/o",
            "answer": {"records": "rows"},
            "paging": {"next": "next", "first": "0"},
            "window": {"since": "from", "span": "1d"},
        }
    )
    api = SamePage({"rows": ROWS, "next": "0"})
    stream = DeclaredStream("orders", spec, connector="fake", call=api.call)
    assert [page async for page in stream.pages(FetchWindow(NOW, NOW))] == []
    assert api.sent == 0
    pages = [page async for page in stream.pages(FetchWindow(NOW - timedelta(hours=1), NOW))]
    assert pages == [(ROWS, None)] and api.sent == 1


MEANINGLESS: dict[str, tuple[dict[str, Any], str]] = {
    "page_count": ({"paging": {"page_count": "pages"}}, "paging.page_count: only a page"),
    "first": ({"paging": {"kind": "page", "first": "a"}}, "paging.first: a page"),
    "max_offset": (
        {"paging": {"kind": "page", "max_offset": 100}},
        "paging.max_offset: only an offset",
    ),
    "ids_as": ({"paging": {"ids_as": "int"}}, "paging.ids_as: only an ids paginator"),
    "next": ({"paging": {"kind": "offset", "next": "n"}}, "paging.next: only a cursor"),
    "next_in": (
        {"paging": {"kind": "page", "next_in": "last_record"}},
        "paging.next_in: only a cursor",
    ),
    "has_more": ({"paging": {"kind": "none", "has_more": "more"}}, "paging.has_more: only a"),
    "cursor_fields": (
        {"paging": {"kind": "offset", "cursor_fields": ["a"]}},
        "paging.cursor_fields: only",
    ),
    "ids window": ({"paging": {"kind": "ids"}, "window": {"since": "a"}}, "window/each: an ids"),
    "ends.older": (
        {"paging": {"kind": "offset"}, "ends": {"older": "at"}},
        "ends.older: offset paging",
    ),
    "offset count": ({"paging": {"kind": "offset", "count": "n"}}, "paging.count: offset paging"),
    "ids short": ({"paging": {"kind": "ids"}, "ends": {"short": True}}, "ends.short: ids paging"),
    "strict": ({"paging": {"strict": True}}, "paging.strict: there is no has_more"),
    "grows type": ({"paging": {"grows": True}}, "paging.grows: a growing token is an int"),
    "error_text": ({"answer": {"error_text": "message"}}, "answer.error_text: there is no error"),
    "required": ({"answer": {"records": "", "required": True}}, "answer.required: there is"),
    "ends.short": (
        {"ends": {"short": True}, "paging": {"page_size": None}},
        "ends.short: a page is short",
    ),
    "count": (
        {"paging": {"count": "total", "page_size": None}},
        "paging.count: the count is compared",
    ),
}


@pytest.mark.parametrize("case", list(MEANINGLESS))
def test_a_key_another_key_makes_meaningless_is_refused_naming_it(case: str) -> None:
    changes, message = MEANINGLESS[case]
    with pytest.raises(ValueError, match=message):
        _spec(changes)
    phased = {**BASE, "phases": [{"phase": "a"}, {"phase": "b", **changes}]}
    with pytest.raises(ValueError, match=f"phase 'b': .*{message}"):  # checked as a whole stream
        StreamSpec.model_validate(phased)


def test_a_connector_file_naming_a_meaningless_key_is_an_error_naming_file_and_key(
    tmp_path: Path,
) -> None:
    shop = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(shop.read_text().replace('kind = "cursor"', 'kind = "offset"\nsort = "x"'))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    text = str(caught.value)
    assert f"{bad}: streams.orders.paging.sort: Extra inputs are not permitted" in text
    bad.write_text(shop.read_text().replace('kind = "cursor"', 'kind = "offset"'))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert f"{bad}: streams.orders: Value error, paging.next: only a cursor" in str(caught.value)


async def test_a_cursor_object_missing_ends_a_short_page_and_fails_a_full_one() -> None:
    """As documented: "a full page without them is an error"; a short one is the last."""
    spec = StreamSpec(record_type="product", method="POST", path="/cards",
                      answer=Answer(records="cards"),
                      paging=Paging(next="cursor", cursor_fields=["updatedAt", "nmID"],
                                    page_size=2))  # fmt: skip
    short = SamePage({"cards": [{"nmID": 1}], "cursor": {}})
    stream = DeclaredStream("products", spec, connector="fake", call=short.call)
    assert [token async for _, token in stream.pages(WINDOW)] == [None]
    full = SamePage({"cards": [{"nmID": 1}, {"nmID": 2}], "cursor": {"nmID": 2}})
    stream = DeclaredStream("products", spec, connector="fake", call=full.call)
    with pytest.raises(FatalError, match="a full page without a cursor"):
        [page async for page in stream.pages(WINDOW)]


async def test_page_numbers_from_zero_stop_at_the_page_count() -> None:
    """A page count of 2 counted from page 0 is pages 0 and 1, not a third request."""
    spec = StreamSpec(record_type="finance", path="/t", answer=Answer(records="rows"),
                      paging=Paging(kind="page", param="page", first=0,
                                    page_count="pages"))  # fmt: skip
    asked: list[int] = []

    async def call(method: str, host: str, path: str, **options: Any) -> Any:
        asked.append(options["params"]["page"])
        return {"rows": [{"n": asked[-1]}], "pages": 2}

    stream = DeclaredStream("finance", spec, connector="fake", call=call)
    tokens = [token async for _, token in stream.pages(WINDOW)]
    assert asked == [0, 1] and tokens[-1] is None


def test_a_bad_key_in_a_phase_of_a_connector_file_names_file_stream_phase_and_key(
    tmp_path: Path,
) -> None:
    shop = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
    phases = (
        '[[streams.orders.phases]]\nphase = "open"\n[[streams.orders.phases]]\nphase = "x"\n'
        "sortt = 1\npaging = { sortt = 2 }\n"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(shop.read_text().replace("# ---- the mapping", phases + "# ---- the mapping"))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    text = str(caught.value)
    assert f"{bad}: streams.orders: Value error, phase 'x': phases[1]." in text
    assert "phases[1].sortt: Extra inputs are not permitted" in text
    assert "phases[1].paging.sortt: Extra inputs are not permitted" in text


def test_a_request_template_naming_no_public_credential_names_file_stream_and_key(
    tmp_path: Path,
) -> None:
    """``{shop}`` in a path or ``"{shop}"`` in a body must be a str/int/list credential:
    else the request would carry the text ``{shop}`` (or a secret)."""
    shop = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
    text = shop.read_text().replace('path = "/v1/orders"', 'path = "/v1/{shop}/orders"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('path = "/v1/{shop}/orders"', 'path = "/v1/{shop}/orders"\n'
                                'params = { key = "{api_key}" }'))  # fmt: skip
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert f"{bad}: streams.orders.path: names ['shop'], not a str, int" in str(caught.value)
    assert f"{bad}: streams.orders.params: names ['api_key']" in str(caught.value)
    good = tmp_path / "good.toml"
    good.write_text(text.replace('api_key = "secret"', 'api_key = "secret"\nshop = "str"'))
    assert build_connector(good).credentials_model.model_validate({"api_key": "k", "shop": "s"})


def test_a_spec_changed_by_a_connector_is_validated_again() -> None:
    spec = StreamSpec(record_type="order", path="/o", answer=Answer(records="rows"),
                      paging=Paging(next="next"),
                      phases=[{"phase": "a"}, {"phase": "b"}])  # fmt: skip
    resized = spec.changed(paging={"page_size": 5})
    assert [phase.paging.page_size for phase in resized.phase_specs()] == [5, 5]
    assert resized.paging.next == ["next"]  # a group is merged key by key, not replaced
    assert spec.changed() is spec
    with pytest.raises(ValueError, match=r"paging\.next: only a cursor or page_token"):
        spec.changed(paging={"kind": "offset"})


def test_a_phase_merges_into_a_group_key_by_key_and_replaces_any_other_key() -> None:
    """``paging``/``ends``/``answer``/``hooks`` in a phase change only the keys it names;
    ``body``, ``window``, ``params`` in a phase replace the stream's whole."""
    spec = StreamSpec.model_validate({
        "record_type": "return", "method": "POST", "path": "/a",
        "body": {"filter": {"a": 1}, "sort": "asc"},
        "window": {"since": "from", "split": False},
        "answer": {"records": "rows", "drop": ["name"]},
        "paging": {"param": "last_id", "next": "id", "page_size": 10},
        "ends": {"empty": True},
        "phases": [
            {"phase": "one"},
            {"phase": "two", "body": {"filter": {"b": 2}}, "window": {"since": "since"},
             "answer": {"lone_object": True}, "paging": {"page_size": 5},
             "ends": {"short": True}},
        ],
    })  # fmt: skip
    one, two = spec.phase_specs()
    assert (one.paging, one.ends, one.answer, one.body) == (
        spec.paging, spec.ends, spec.answer, spec.body)  # fmt: skip
    assert two.paging == Paging(param="last_id", next="id", page_size=5)
    assert two.ends == Ends(empty=True, short=True)
    assert two.answer == Answer(records="rows", drop=["name"], lone_object=True)
    assert two.body == {"filter": {"b": 2}}  # replaced, not merged: the "a" filter is gone
    assert two.window is not None and (two.window.since, two.window.split) == ("since", True)
    with pytest.raises(ValueError, match=r"phase 'two': .*paging\.strict: there is no has_more"):
        spec.changed(phases=[{"phase": "two", "paging": {"strict": True}}])
