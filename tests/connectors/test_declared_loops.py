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
from mpsync.connector.declared import DeclaredStream, StreamSpec
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
CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "cursor": ({"next": "next"}, TOKEN),
    "page_token": ({"paginator": "page_token", "next": "next"}, TOKEN),
    "cursor, has_more true": ({"next": "next", "has_more": "more"}, {**TOKEN, "more": True}),
    "cursor, strict has_more": (
        {"next": "next", "has_more": "more", "has_more_strict": True},
        {**TOKEN, "more": True},
    ),
    "integer cursor": (
        {"next": "next", "cursor_type": "integer", "first_cursor": 0},
        {"rows": ROWS, "next": 5},
    ),
    "last-record cursor": ({"next": "id", "next_in": "last_record"}, {"rows": ROWS}),
    "growing last-record cursor": (
        {
            "next": "rrd_id",
            "next_in": "last_record",
            "cursor_type": "integer",
            "first_cursor": 0,
            "cursor_grows": True,
            "ends_on_short": True,
        },
        {"rows": ROWS},
    ),
    "cursor_fields": (
        {"next": "cursor", "cursor_fields": ["updatedAt", "nmID"], "count": "cursor.total"},
        {"rows": ROWS, "cursor": {"updatedAt": "2026-11-01", "nmID": 3, "total": 2}},
    ),
    "offset": ({"paginator": "offset", "cursor_param": "offset"}, {"rows": ROWS}),
    "offset until empty": (
        {"paginator": "offset", "cursor_param": "offset", "ends_on_empty": True},
        {"rows": ROWS},
    ),
    "page numbers": ({"paginator": "page", "cursor_param": "page"}, {"rows": ROWS}),
    "page numbers to a page count": (
        {"paginator": "page", "cursor_param": "page", "page_count": "pages"},
        {"rows": ROWS, "pages": 9},
    ),
    "phases": ({"next": "next", "phases": [{"phase": "one"}, {"phase": "two"}]}, TOKEN),
    "each": ({"next": "next", "each": {"values": "stores", "key": "store"}}, TOKEN),
    "split window": ({"next": "next", "window": {"since": "from", "span": "1d"}}, TOKEN),
    "unsplit window": ({"next": "next", "window": {"since": "from", "split": False}}, TOKEN),
    "window slices": (
        {"next": "next", "slices": "two_slices", "window": {"since": "from", "span": "1d"}},
        TOKEN,
    ),
    "phases of windows, each": (
        {
            "next": "next",
            "each": {"values": "stores", "key": "store"},
            "phases": [{"phase": "w", "window": {"since": "from", "span": "1d"}}],
        },
        TOKEN,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_repeated_page_ends_every_paginator_kind_within_two_requests(case: str) -> None:
    changes, answer = CASES[case]
    spec = StreamSpec.model_validate(
        {"record_type": "order", "path": "/o", "records": "rows", "page_size": 2, **changes}
    )
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
    spec = StreamSpec.model_validate(
        {"record_type": "order", "path": "/o", "records": "rows", "page_size": 2, **changes}
    )
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
        records="rows",
        next="next",
        has_more="more",
        first_cursor="",
    )
    for answer in ({"rows": ROWS, "more": True}, {"rows": ROWS, "more": True, "next": ""}):
        stream = DeclaredStream("orders", spec, connector="fake", call=SamePage(answer).call)
        with pytest.raises(FatalError, match="says there is more but gives no next token"):
            [page async for page in stream.pages(WINDOW)]
    ended = SamePage({"rows": ROWS, "more": False, "next": "t9"})
    stream = DeclaredStream("orders", spec, connector="fake", call=ended.call)
    assert [token async for _, token in stream.pages(WINDOW)] == [None]


async def test_an_empty_window_asks_nothing_and_a_token_at_the_first_cursor_ends() -> None:
    spec = StreamSpec(
        record_type="order",
        path="/o",
        records="rows",
        next="next",
        first_cursor="0",
        window={"since": "from", "span": "1d"},
    )
    api = SamePage({"rows": ROWS, "next": "0"})
    stream = DeclaredStream("orders", spec, connector="fake", call=api.call)
    assert [page async for page in stream.pages(FetchWindow(NOW, NOW))] == []
    assert api.sent == 0
    pages = [page async for page in stream.pages(FetchWindow(NOW - timedelta(hours=1), NOW))]
    assert pages == [(ROWS, None)] and api.sent == 1


MEANINGLESS: dict[str, tuple[dict[str, Any], str]] = {
    "page_count": ({"page_count": "pages"}, "page_count: only a page paginator"),
    "first_cursor": ({"paginator": "page", "first_cursor": "a"}, "first_cursor: a page"),
    "max_offset": ({"paginator": "page", "max_offset": 100}, "max_offset: only an offset"),
    "ids_as": ({"ids_as": "int"}, "ids_as: only an ids paginator"),
    "next": ({"paginator": "offset", "next": "n"}, "next: only a cursor or page_token"),
    "next_in": ({"paginator": "page", "next_in": "last_record"}, "next_in: only a cursor"),
    "has_more": ({"paginator": "none", "has_more": "more"}, "has_more: only a cursor"),
    "cursor_fields": ({"paginator": "offset", "cursor_fields": ["a"]}, "cursor_fields: only"),
    "ids window": ({"paginator": "ids", "window": {"since": "a"}}, "window/each: an ids"),
    "stop_older": ({"paginator": "offset", "stop_older": "at"}, "stop_older: offset paging"),
    "offset count": ({"paginator": "offset", "count": "n"}, "count: offset paging"),
    "offset short": ({"paginator": "ids", "ends_on_short": True}, "ends_on_short: ids paging"),
    "has_more_strict": ({"has_more_strict": True}, "has_more_strict: there is no has_more"),
    "cursor_grows type": ({"cursor_grows": True}, "cursor_grows: a growing token is an int"),
    "error_text": ({"error_text": "message"}, "error_text: there is no error flag"),
    "records_required": ({"records": "", "records_required": True}, "records_required: th"),
    "ends_on_short": ({"ends_on_short": True, "page_size": None}, "ends_on_short: a page"),
    "count": ({"count": "total", "page_size": None}, "count: the count is compared"),
}


@pytest.mark.parametrize("case", list(MEANINGLESS))
def test_a_key_another_key_makes_meaningless_is_refused_naming_it(case: str) -> None:
    changes, message = MEANINGLESS[case]
    base = {"record_type": "order", "path": "/o", "records": "rows", "page_size": 2}
    with pytest.raises(ValueError, match=message):
        StreamSpec.model_validate({**base, **changes})
    phased = {**base, "phases": [{"phase": "a"}, {"phase": "b", **changes}]}
    with pytest.raises(ValueError, match=message):  # a phase is checked as a whole stream
        StreamSpec.model_validate(phased)


def test_a_connector_file_naming_a_meaningless_key_is_an_error_naming_file_and_key(
    tmp_path: Path,
) -> None:
    shop = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(
        shop.read_text().replace('paginator = "cursor"', 'paginator = "offset"\nsort = "x"')
    )
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    text = str(caught.value)
    assert f"{bad}: streams.orders.sort: Extra inputs are not permitted" in text
    bad.write_text(shop.read_text().replace('paginator = "cursor"', 'paginator = "offset"'))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert f"{bad}: streams.orders: Value error, next: only a cursor" in str(caught.value)


async def test_a_cursor_object_missing_ends_a_short_page_and_fails_a_full_one() -> None:
    """As documented: "a full page without them is an error"; a short one is the last."""
    spec = StreamSpec(record_type="product", method="POST", path="/cards", records="cards",
                      next="cursor", cursor_fields=["updatedAt", "nmID"], page_size=2)  # fmt: skip
    short = SamePage({"cards": [{"nmID": 1}], "cursor": {}})
    stream = DeclaredStream("products", spec, connector="fake", call=short.call)
    assert [token async for _, token in stream.pages(WINDOW)] == [None]
    full = SamePage({"cards": [{"nmID": 1}, {"nmID": 2}], "cursor": {"nmID": 2}})
    stream = DeclaredStream("products", spec, connector="fake", call=full.call)
    with pytest.raises(FatalError, match="a full page without a cursor"):
        [page async for page in stream.pages(WINDOW)]


async def test_page_numbers_from_zero_stop_at_the_page_count() -> None:
    """A page count of 2 counted from page 0 is pages 0 and 1, not a third request."""
    spec = StreamSpec(record_type="finance", path="/t", records="rows", paginator="page",
                      cursor_param="page", first_cursor=0, page_count="pages")  # fmt: skip
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
    phases = '[[streams.orders.phases]]\nphase = "open"\n[[streams.orders.phases]]\nphase = "x"\nsortt = 1\n'
    bad = tmp_path / "bad.toml"
    bad.write_text(shop.read_text().replace("# ---- the mapping", phases + "# ---- the mapping"))
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert f"{bad}: streams.orders: Value error, phase 'x': phases[1].sortt: Extra inputs" in str(
        caught.value
    )


def test_a_request_template_naming_no_public_credential_names_file_stream_and_key(
    tmp_path: Path,
) -> None:
    """``{shop}`` in a path or ``"{shop}"`` in a body must be a str/int/list credential:
    else the request would carry the text ``{shop}`` (or a secret)."""
    shop = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
    text = shop.read_text().replace('path = "/v1/orders"', 'path = "/v1/{shop}/orders"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('limit_param = "limit"', 'limit_param = "limit"\n'
                                'params = { key = "{api_key}" }'))  # fmt: skip
    with pytest.raises(ConnectorFileError) as caught:
        build_connector(bad)
    assert f"{bad}: streams.orders.path: names ['shop'], not a str, int" in str(caught.value)
    assert f"{bad}: streams.orders.params: names ['api_key']" in str(caught.value)
    good = tmp_path / "good.toml"
    good.write_text(text.replace('api_key = "secret"', 'api_key = "secret"\nshop = "str"'))
    assert build_connector(good).credentials_model.model_validate({"api_key": "k", "shop": "s"})


def test_a_spec_changed_by_a_connector_is_validated_again() -> None:
    spec = StreamSpec(record_type="order", path="/o", records="rows", next="next",
                      phases=[{"phase": "a"}, {"phase": "b"}])  # fmt: skip
    assert [phase.page_size for phase in spec.changed(page_size=5).phase_specs()] == [5, 5]
    assert spec.changed() is spec
    with pytest.raises(ValueError, match="next: only a cursor or page_token"):
        spec.changed(paginator="offset")
