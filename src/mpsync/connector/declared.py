"""Streams as data: a stream is declared (endpoint, paginator, where the records and the
next-page token are, the window rule, the request template) and one engine runs them all.

``StreamSpec`` is the declaration; ``DeclaredStream`` turns it into pages through the
connector's ``call`` and a paginator of ``mpsync.connector.paginate``. Built-in connectors
declare their plain listings this way; a marketplace whose API is plain REST needs nothing
else: ``mpsync.connector.config_connector`` builds a whole connector from a TOML file.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mpsync.config.types import Duration
from mpsync.connector.base import FetchWindow, RecordType
from mpsync.connector.errors import FatalError
from mpsync.connector.paginate import (
    CursorPaginator,
    IndexCodec,
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
    read window by window); ``split``: false asks for the whole window at once (an API
    with no span limit; resume tokens as for a read without a window); ``history``: how
    far back a first read goes; ``reread``: an incremental read (not a backfill) starts at
    least this long before its end (rows that settle late); ``format``: ``iso``
    (``2026-04-05T12:00:00Z``), ``unix`` (seconds) or ``date`` (``2026-04-05``, the
    calendar day in ``zone``); ``place``: where the window keys go (default: the stream's).
    """

    since: str
    until: str | None = None
    span: Duration = timedelta(days=30)
    split: bool = True
    history: Duration = timedelta(days=30)
    reread: Duration | None = None
    format: Literal["iso", "unix", "date"] = "iso"
    zone: str = "UTC"
    place: Literal["query", "body"] | None = None

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)  # an unknown zone is an error when the spec loads
        return value


class EachRule(_Spec):
    """The same listing once per value of a list: ``values`` names the list among the
    stream's path values (an account credential: its stores, say), ``key`` the ``{key}``
    a value fills in the path, the group and ``pace``, ``field`` (optional) the record
    field it is written to."""

    values: str
    key: str
    field: str | None = None


class StreamSpec(_Spec):
    """One declared stream.

    ``records``/``next``: dotted paths (``result.items``) into the answer, a list of paths
    tried in order; ``has_more``: a flag that, false, ends the listing whatever the token;
    ``ends_on_empty``: an empty page is the last (else an empty page with a token is a
    loop); ``cursor_param``: the request key carrying the token (``offset``: the offset),
    ``first_cursor`` what it carries on the first page (left out when None); ``phase``: the
    name a resume token gives a read without a window (default: the stream's);
    ``params``/``body``: fixed query parameters and JSON body (a string value ``"{name}"``
    in them is the path value of that name, its type kept: a list stays a list);
    ``place``: where paging and window keys go (default: the query of a GET, the body of
    anything else). ``{name}`` in ``path`` and ``group`` is the account's credential of
    that name (a business id, say). ``records_required``: an answer without the records
    path is an error (else it is an empty page).

    ``each``: the listing once per value of a list (``EachRule``), a phase each, named by
    ``phase`` as a template (``campaign:{campaignId}``; default the value). ``pace``: a
    second rate limit a call waits for (an item quota the connector holds), a template
    like ``group``, passed to ``call`` as ``pace=``. Hooks, the names of connector
    methods (code; the listing stays data): ``enrich(records) -> records`` (or awaitable)
    runs on every page a read yields (a second call per page, a flattening);
    ``slices(low, high) -> [keys]`` splits each window into slices read one after the
    other, each with its extra request keys (placed as window keys), the resume cursor
    ``index|token`` (``IndexCodec``).
    """

    record_type: RecordType
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
    records_required: bool = False
    each: EachRule | None = None
    pace: str | None = None
    enrich: str | None = None
    slices: str | None = None

    @field_validator("records", "next", "has_more")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _sliced_windows(self) -> StreamSpec:
        if self.slices and (self.window is None or not self.window.split):
            raise ValueError("slices split each window: they need a window rule with split")
        return self

    @property
    def hooks(self) -> list[str]:
        """The connector methods the stream calls (``enrich``, ``slices``)."""
        return [hook for hook in (self.enrich, self.slices) if hook]

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
    if rule.format == "date":
        return moment.astimezone(ZoneInfo(rule.zone)).date().isoformat()
    return int(moment.timestamp()) if rule.format == "unix" else iso_z(moment)


def _filled(value: Any, values: Mapping[str, Any]) -> Any:
    """A request template with each ``"{name}"`` string replaced by that path value."""
    if isinstance(value, dict):
        return {key: _filled(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, values) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return values.get(value[1:-1], value)
    return value


class _Target:
    """Where one listing's requests go: path, group, pace, and the fields its records get."""

    def __init__(self, spec: StreamSpec, values: Mapping[str, Any], extra: dict[str, Any]):
        self.path = spec.path.format(**values) if values else spec.path
        self.group = spec.group.format(**values) if values else spec.group
        self.pace = spec.pace.format(**values) if spec.pace and values else spec.pace
        self.params = _filled(spec.params, values)
        self.body = _filled(spec.body, values) if spec.body is not None else None
        self.extra = extra


class DeclaredStream:
    """Runs one ``StreamSpec`` through a connector's ``call``."""

    def __init__(self, name: str, spec: StreamSpec, *, connector: str, call: Call,
                 path_values: Mapping[str, Any] | None = None,
                 extra: Mapping[str, Any] | None = None, hooks: object = None) -> None:  # fmt: skip
        """*path_values* fill ``{name}`` in the path, the group and the request template;
        *extra* fields go into every record; *hooks* holds the methods the spec names."""
        self.name, self.spec, self.call = name, spec, call
        self.what = spec.describe(connector)
        self.values = dict(path_values or {})
        self.extra = dict(extra or {})
        self.hooks = hooks
        for hook in spec.hooks:
            if not callable(getattr(hooks, hook, None)):
                raise FatalError(f"{name} stream: {self.what}: the connector has no method "
                                 f"{hook!r} the stream names as a hook")  # fmt: skip

    def paginator(self, window: FetchWindow) -> Paginator:
        """The stream's pages for *window*: window by window when it declares a window rule
        (``split``), else one phase, or a phase per value of its ``each`` list."""
        rule = self.spec.window
        if rule is None or not rule.split:
            keys = self._window_keys(rule, *self._bounds(rule, window)) if rule else {}
            return PhasedPaginator(self._phases(keys), stream=self.name, what=self.what)
        since, until = self._bounds(rule, window)
        phase = self.spec.phase if self.spec.phase and not self.spec.each else self.name
        return WindowedPaginator(partial(self._window, rule), start=since, end=until,
                                 span=rule.span, phase=phase, stream=self.name,
                                 what=self.what)  # fmt: skip

    async def pages(self, window: FetchWindow) -> AsyncIterator[tuple[Records, str | None]]:
        async for records, following in self.paginator(window).pages(window.resume):
            yield await self._enriched(records), following

    def listing(self, keys: Mapping[str, Any] | None = None, value: Any = None, *,
                place: Literal["query", "body"] | None = None) -> Paginator:  # fmt: skip
        """One listing of the stream (no window, no phase), *keys* added to each request
        (in *place*, default the stream's); *value*: the ``each`` value it is of."""
        values, extra = dict(self.values), dict(self.extra)
        each = self.spec.each
        if each is not None and value is not None:
            values[each.key] = value
            if each.field:
                extra[each.field] = value
        target = _Target(self.spec, values, extra)
        fixed = (dict(keys or {}), place or self.spec.where)
        spec = self.spec
        if spec.paginator == "offset":
            return OffsetPaginator(
                partial(self._offset_page, target, fixed), limit=spec.page_size or 1,
                until_empty=spec.page_size is None or spec.ends_on_empty,
                stream=self.name, what=self.what,
            )  # fmt: skip
        kind = PageTokenPaginator if spec.paginator == "page_token" else CursorPaginator
        return kind(partial(self._token_page, target, fixed), stream=self.name, what=self.what)

    def _bounds(self, rule: WindowRule, window: FetchWindow) -> tuple[datetime, datetime]:
        until = utc(window.until)
        since = utc(window.since) if window.since else until - rule.history
        if rule.reread is not None and not window.backfill:
            since = min(since, until - rule.reread)
        return since, until

    @staticmethod
    def _window_keys(rule: WindowRule, low: datetime, high: datetime) -> dict[str, Any]:
        keys: dict[str, Any] = {rule.since: _moment(low, rule)}
        if rule.until:
            keys[rule.until] = _moment(high, rule)
        return keys

    def _window(self, rule: WindowRule, low: datetime, high: datetime) -> Paginator:
        """The listing of one window ``[low, high]``: slice by slice (``slices``)."""
        keys = self._window_keys(rule, low, high)
        if not self.spec.slices:
            return self._each(keys)
        slices = getattr(self.hooks, self.spec.slices)(low, high)
        phases = [(str(index), self._each({**keys, **extra}))
                  for index, extra in enumerate(slices)]  # fmt: skip
        return PhasedPaginator(phases, stream=self.name, what=self.what, codec=IndexCodec())

    def _each(self, keys: dict[str, Any]) -> Paginator:
        if self.spec.each is None:
            return self.listing(keys, place=self._window_place)
        return PhasedPaginator(self._phases(keys), stream=self.name, what=self.what)

    @property
    def _window_place(self) -> Literal["query", "body"] | None:
        return self.spec.window.place if self.spec.window else None

    def _phases(self, keys: dict[str, Any]) -> list[tuple[str, Paginator]]:
        """A phase per ``each`` value (named by the ``phase`` template), else one."""
        spec, place = self.spec, self._window_place
        if spec.each is None:
            return [(spec.phase or self.name, self.listing(keys, place=place))]
        key, found = spec.each.key, self.values.get(spec.each.values)
        if not isinstance(found, list | tuple):
            raise FatalError(f"{self.name} stream: {self.what}: each value of "
                             f"{spec.each.values!r}, which is not a list")  # fmt: skip
        template = spec.phase or "{" + key + "}"
        return [(template.format(**{**self.values, key: value}),
                 self.listing(keys, value, place=place)) for value in found]  # fmt: skip

    async def _enriched(self, records: Records) -> Records:
        if not self.spec.enrich:
            return records
        found = getattr(self.hooks, self.spec.enrich)(records)
        return as_dicts(await found if inspect.isawaitable(found) else found)

    async def _offset_page(self, target: _Target, fixed: tuple[dict[str, Any], str],
                           offset: int) -> Records:  # fmt: skip
        records, _ = await self._page(target, fixed, {self.spec.cursor_param: offset})
        return records

    async def _token_page(
        self, target: _Target, fixed: tuple[dict[str, Any], str], cursor: str | None
    ) -> tuple[Records, str | None]:
        spec = self.spec
        paging: dict[str, Any] = {}
        if cursor is not None or spec.first_cursor is not None:
            paging[spec.cursor_param] = cursor if cursor is not None else spec.first_cursor
        records, body = await self._page(target, fixed, paging)
        if spec.paginator == "none":
            return records, None
        token = _first(body, spec.next)
        more = _first(body, spec.has_more) if spec.has_more else True
        if token in (None, "") or more is False or (spec.ends_on_empty and not records):
            return records, None
        return records, str(token)

    async def _page(self, target: _Target, fixed: tuple[dict[str, Any], str],
                    paging: dict[str, Any]) -> tuple[Records, Any]:  # fmt: skip
        spec = self.spec
        params: dict[str, Any] = dict(target.params)
        body: dict[str, Any] | None = _deep_copy(target.body)
        if spec.page_size is not None and spec.paginator != "none":
            paging = {spec.limit_param: spec.page_size, **paging}
        for keys, place in ((fixed[0], fixed[1]), (paging, spec.where)):
            if place == "query":
                params.update(keys)
            elif keys or body is None:
                body = body if body is not None else {}
                for key, value in keys.items():
                    _put(body, key, value)
        options: dict[str, Any] = {"pace": target.pace} if target.pace else {}
        answer = await self.call(spec.method, spec.host, target.path, group=target.group,
                                 json_body=body, params=params or None, **options)  # fmt: skip
        return self._records(answer, target), answer

    def _records(self, answer: Any, target: _Target) -> Records:
        spec = self.spec
        if spec.records:  # records at a path: anything but an object is a shape not known
            answer = json_object(answer, f"{self.name} stream: {self.what}")
        found = _first(answer, spec.records) if spec.records else answer
        if found is None and spec.records_required:
            raise FatalError(f"{self.name} stream: {self.what}: the answer has no "
                             f"{' or '.join(spec.records)}")  # fmt: skip
        if found is not None and not isinstance(found, list):
            raise FatalError(
                f"{self.name} stream: {self.what}: the records at {spec.records} are a "
                f"{type(found).__name__}, not a list"
            )
        records = as_dicts(found)
        if target.extra:
            records = [{**target.extra, **record} for record in records]
        return records


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value
