"""Streams as data: a stream is declared (endpoint, paginator, where the records and the
next-page token are, the window rule, the request template) and one engine runs them all.

``StreamSpec`` is the declaration; ``run_stream`` turns it into pages through the
connector's ``call`` and a paginator of ``mpsync.connector.paginate``. Built-in connectors
declare their plain listings this way; a marketplace whose API is plain REST needs nothing
else: ``mpsync.connector.config_connector`` builds a whole connector from a TOML file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mpsync.config.types import Duration
from mpsync.connector.base import FetchWindow
from mpsync.connector.errors import FatalError
from mpsync.connector.paginate import (
    CursorPaginator,
    OffsetPaginator,
    PageTokenPaginator,
    Paginator,
    PhasedPaginator,
    WindowedPaginator,
)
from mpsync.connector.paging import iso_z, utc
from mpsync.connector.records import Records, as_dicts, dig, json_object

Call = Callable[..., Awaitable[Any]]
PaginatorKind = Literal["cursor", "page_token", "offset", "none"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowRule(_Spec):
    """How a stream asks for the records changed in a time window.

    ``since``/``until``: the request keys carrying the window's bounds (dotted for a nested
    body key); ``span``: the longest window one request may ask for (longer windows are
    read window by window); ``history``: how far back a first read goes; ``format``:
    ``iso`` (``2026-04-05T12:00:00Z``) or ``unix`` (seconds).
    """

    since: str
    until: str | None = None
    span: Duration = timedelta(days=30)
    history: Duration = timedelta(days=30)
    format: Literal["iso", "unix"] = "iso"


class StreamSpec(_Spec):
    """One declared stream.

    ``records``/``next``: dotted paths (``result.items``) into the answer, a list of paths
    tried in order; ``has_more``: a flag that, false, ends the listing whatever the token;
    ``ends_on_empty``: an empty page is the last (else an empty page with a token is a
    loop); ``cursor_param``: the request key carrying the token (``offset``: the offset),
    ``first_cursor`` what it carries on the first page (left out when None); ``phase``: the
    name a resume token gives a read without a window (default: the stream's);
    ``params``/``body``: fixed query parameters and JSON body; ``place``: where paging and
    window keys go (default: the query of a GET, the body of anything else). ``{name}`` in
    ``path`` is the account's credential of that name (a business id, say).
    """

    record_type: Literal["order", "order_status", "stock", "price", "product", "question", "review"]
    path: str
    method: Literal["GET", "POST"] = "GET"
    host: str = "api"
    group: str = "api"
    records: str | list[str] = ""
    paginator: PaginatorKind = "cursor"
    next: str | list[str] | None = None
    has_more: str | list[str] | None = None
    ends_on_empty: bool = False
    first_cursor: str | None = None
    phase: str | None = None
    page_size: int | None = Field(default=None, gt=0)
    limit_param: str = "limit"
    cursor_param: str = "cursor"
    params: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    place: Literal["query", "body"] | None = None
    window: WindowRule | None = None

    @field_validator("records", "next", "has_more")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def where(self) -> Literal["query", "body"]:
        return self.place or ("query" if self.method == "GET" else "body")

    def describe(self, connector: str) -> str:
        return f"{connector} {self.method} {self.path}"


def _first(body: Any, paths: list[str] | str | None) -> Any:
    for path in [paths] if isinstance(paths, str) else paths or []:
        value = dig(body, path)
        if value is not None:
            return value
    return None


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted *key* (``filter.since``) in a nested JSON body."""
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def _moment(moment: datetime, rule: WindowRule) -> str | int:
    return int(moment.timestamp()) if rule.format == "unix" else iso_z(moment)


class DeclaredStream:
    """Runs one ``StreamSpec`` through a connector's ``call``."""

    def __init__(self, name: str, spec: StreamSpec, *, connector: str, call: Call,
                 path_values: Mapping[str, Any] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        """*path_values* fill ``{name}`` in the path and the group; *extra* fields go into
        every record (the campaign a listing is of, say)."""
        self.name, self.spec, self.call = name, spec, call
        self.what = spec.describe(connector)
        values = dict(path_values or {})
        self.path = spec.path.format(**values) if values else spec.path
        self.group = spec.group.format(**values) if values else spec.group
        self.extra = dict(extra or {})

    def paginator(self, window: FetchWindow) -> Paginator:
        """The stream's pages for *window*: window by window when it declares a window rule,
        else one phase (its resume tokens name ``phase``)."""
        rule = self.spec.window
        if rule is None:
            phase = self.spec.phase or self.name
            return PhasedPaginator([(phase, self.listing())], stream=self.name, what=self.what)
        until = utc(window.until)
        since = utc(window.since) if window.since else until - rule.history

        def listing(low: datetime, high: datetime) -> Paginator:
            keys = {rule.since: _moment(low, rule)}
            if rule.until:
                keys[rule.until] = _moment(high, rule)
            return self.listing(keys)

        return WindowedPaginator(listing, start=since, end=until, span=rule.span,
                                 phase=self.name, stream=self.name, what=self.what)  # fmt: skip

    async def pages(self, window: FetchWindow) -> AsyncIterator[tuple[Records, str | None]]:
        async for records, following in self.paginator(window).pages(window.resume):
            yield records, following

    def listing(self, keys: Mapping[str, Any] | None = None) -> Paginator:
        """One listing of the stream (no window, no phase), *keys* added to each request."""
        keys = dict(keys or {})
        spec = self.spec
        if spec.paginator == "offset":
            return OffsetPaginator(
                partial(self._offset_page, keys), limit=spec.page_size or 1,
                until_empty=spec.page_size is None or spec.ends_on_empty,
                stream=self.name, what=self.what,
            )  # fmt: skip
        kind = PageTokenPaginator if spec.paginator == "page_token" else CursorPaginator
        return kind(partial(self._token_page, keys), stream=self.name, what=self.what)

    async def _offset_page(self, keys: dict[str, Any], offset: int) -> Records:
        records, _ = await self._page({**keys, self.spec.cursor_param: offset})
        return records

    async def _token_page(
        self, keys: dict[str, Any], cursor: str | None
    ) -> tuple[Records, str | None]:
        spec = self.spec
        asked = dict(keys)
        if cursor is not None or spec.first_cursor is not None:
            asked[spec.cursor_param] = cursor if cursor is not None else spec.first_cursor
        records, body = await self._page(asked)
        if spec.paginator == "none":
            return records, None
        token = _first(body, spec.next)
        more = _first(body, spec.has_more) if spec.has_more else True
        if token in (None, "") or more is False or (spec.ends_on_empty and not records):
            return records, None
        return records, str(token)

    async def _page(self, keys: dict[str, Any]) -> tuple[Records, Any]:
        spec = self.spec
        params: dict[str, Any] = dict(spec.params)
        body: dict[str, Any] | None = _deep_copy(spec.body) if spec.body is not None else None
        if spec.page_size is not None and spec.paginator != "none":
            keys = {spec.limit_param: spec.page_size, **keys}
        if spec.where == "query":
            params.update(keys)
        else:
            body = body if body is not None else {}
            for key, value in keys.items():
                _put(body, key, value)
        answer = await self.call(spec.method, spec.host, self.path, group=self.group,
                                 json_body=body, params=params or None)  # fmt: skip
        if spec.records:  # records at a path: anything but an object is a shape not known
            answer = json_object(answer, f"{self.name} stream: {self.what}")
        found = _first(answer, spec.records) if spec.records else answer
        if found is not None and not isinstance(found, list):
            raise FatalError(
                f"{self.name} stream: {self.what}: the records at {spec.records} are a "
                f"{type(found).__name__}, not a list"
            )
        records = as_dicts(found)
        if self.extra:
            records = [{**self.extra, **record} for record in records]
        return records, answer


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value
