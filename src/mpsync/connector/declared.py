"""Streams as data: a stream is declared (endpoint, paginator, where the records and the
next-page token are, the window rule, the request template) and one engine runs them all.

``StreamSpec`` is the declaration; ``DeclaredStream`` turns it into pages through the
connector's ``call`` and a paginator of ``mpsync.connector.paginate``. Built-in connectors
declare their listings this way (``RestConnector.declared_streams``); a marketplace whose
API is plain REST needs nothing else: ``mpsync.connector.config_connector`` builds a whole
connector from a TOML file.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mpsync.config.types import Duration
from mpsync.connector.base import FetchWindow, Page, RecordType
from mpsync.connector.errors import (
    AuthError,
    FatalError,
    PaginationLoopError,
    UnavailableError,
)
from mpsync.connector.paginate import (
    CursorPaginator,
    IndexCodec,
    OffsetPaginator,
    PageTokenPaginator,
    Paginator,
    PhasedPaginator,
    WindowedPaginator,
)
from mpsync.connector.paging import Resume, iso_z, utc
from mpsync.connector.records import Records, as_dicts, dig, json_object

Call = Callable[..., Awaitable[Any]]
PaginatorKind = Literal["cursor", "page_token", "offset", "page", "ids", "none"]
TimeFormat = Literal["iso", "iso_ms", "iso_offset", "unix", "date"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowRule(_Spec):
    """How a stream asks for the records changed in a time window.

    ``since``/``until``: the request keys carrying the window's bounds (dotted for a nested
    body key; ``until`` may list several keys carrying the end); ``reach``: keys carrying
    the window's end less a duration (Ozon's postings list wants ``filter.since`` within a
    year of ``filter.to``); ``span``: the longest window one request may ask for (longer
    windows are read window by window); ``split``: false asks for the whole window at once
    (an API with no span limit; resume tokens as for a read without a window);
    ``history``: how far back a first read goes (``None``, unsplit only: a first read sends
    no ``since`` and gets everything); ``reread``: an incremental read (not a backfill)
    starts at least this long before its end (rows that settle late); ``earliest``: no read
    starts before it (the first day the API has data of; aware); ``format``: ``iso``
    (``2026-04-05T12:00:00Z``), ``iso_ms`` (``2026-04-05T12:00:00.000Z``), ``iso_offset``
    (``2026-04-05T12:00:00+00:00``), ``unix`` (seconds) or ``date`` (``2026-04-05``, the
    calendar day in ``zone``); ``place``: where the window keys go (default: the stream's).
    """

    since: str
    until: str | list[str] | None = None
    reach: dict[str, Duration] = Field(default_factory=dict)
    span: Duration = timedelta(days=30)
    split: bool = True
    history: Duration | None = timedelta(days=30)
    reread: Duration | None = None
    earliest: datetime | None = None
    format: TimeFormat = "iso"
    zone: str = "UTC"
    place: Literal["query", "body"] | None = None

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)  # an unknown zone is an error when the spec loads
        return value

    @field_validator("earliest")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("earliest needs a time zone (2024-01-29T00:00:00+03:00)")
        return value

    @model_validator(mode="after")
    def _first_read(self) -> WindowRule:
        if self.history is None and self.split:
            raise ValueError("a window without history (a first read asks for everything) "
                             "cannot be split: set split = false")  # fmt: skip
        return self


class EachRule(_Spec):
    """The same listing once per value of a list: ``values`` names the list among the
    stream's path values (an account credential: its stores, say), ``key`` the ``{key}``
    a value fills in the path, the group and ``pace``, ``field`` (optional) the record
    field it is written to."""

    values: str
    key: str
    field: str | None = None


Paths = str | list[str]


def _as_paths(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Paging(_Spec):
    """How the next page is asked for (``paging = {kind = "cursor", ...}``).

    ``kind``: ``cursor``, ``page_token``, ``offset``, ``page`` (page numbers), ``ids`` (a
    read by the ids the caller holds: the window's open ids, ``page_size`` ids a request at
    ``param`` as ``ids_as``, ``int`` leaving out ids that are not numbers; the token the
    next batch's number) or ``none`` (one page). ``param``: the request key carrying the
    token (``offset``: the offset, ``page``: the page number); ``first``: what it carries
    on the first page (left out when None; ``page`` counts from it, default 1; a next token
    equal to it ends the listing: Wildberries' ``next: 0``); ``token_type``: a token is
    sent as a ``string`` or an ``integer``. ``next``: dotted path(s) of the next page's
    token in the answer (``next_in = "last_record"``: in the page's last record);
    ``has_more``: a flag that, false, ends the listing (true with no token is an error:
    the rest would be lost); ``strict``: only a true flag goes on (absent ends the
    listing). ``page_count``: for ``page``, the path of the number of pages (else an empty
    page is the last; a page repeating the page before it is a loop); ``count``: the path
    of the API's count of the page's records, below ``page_size`` (or missing) the page is
    the last; ``cursor_fields``: the token is an object at ``next`` whose named fields are
    merged into the object at ``param`` of the next request (a full page without them is an
    error, a shorter one the last); ``grows``: the token is an integer that must grow past
    the one sent (a row id: one that does not is a ``PaginationLoopError``);
    ``max_offset``: the most records the API serves of one offset listing (offset + page
    size), beyond it the read fails asking for a shorter window; ``page_size`` records (or
    ids) a request, sent at ``limit_param``.
    """

    kind: PaginatorKind = "cursor"
    param: str = "cursor"
    first: str | int | None = None
    token_type: Literal["string", "integer"] = "string"
    next: Paths | None = None
    next_in: Literal["answer", "last_record"] = "answer"
    has_more: Paths | None = None
    strict: bool = False
    page_count: Paths | None = None
    count: Paths | None = None
    cursor_fields: list[str] | None = None
    grows: bool = False
    max_offset: int | None = Field(default=None, gt=0)
    ids_as: Literal["str", "int"] = "str"
    limit_param: str = "limit"
    page_size: int | None = Field(default=None, gt=0)

    @field_validator("next", "has_more", "page_count", "count")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return _as_paths(value)


class Ends(_Spec):
    """What makes a page the last besides the paging (``ends = {empty = true}``):
    ``empty``: an empty page (else an empty page with a token is a loop); ``short``: a page
    shorter than ``paging.page_size``; ``older``: a record field holding a time, for a list
    read newest first: a page holding a record older than the window's start."""

    empty: bool = False
    short: bool = False
    older: str | None = None


class Answer(_Spec):
    """Where the records are in an answer and what is done to them (``answer = {...}``):
    ``records``: dotted path(s) of the records list, tried in order (empty: the answer
    itself); ``required``: an answer without it is an error (else an empty page);
    ``lone_object``: an object where the list should be is one record; ``error``/
    ``error_text``: a flag that, true, makes a 200 answer an error, and its message;
    ``drop``: fields removed from every record (personal data the store must not hold);
    ``defaults``: fields a record gets where it has none (missing, null or empty)."""

    records: Paths = ""
    required: bool = False
    lone_object: bool = False
    error: Paths | None = None
    error_text: Paths | None = None
    drop: list[str] = Field(default_factory=list)
    defaults: dict[str, Any] = Field(default_factory=dict)

    @field_validator("records", "error", "error_text")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return _as_paths(value)


class Hooks(_Spec):
    """Connector methods a stream calls (code; the listing stays data):
    ``enrich(records) -> records`` (or awaitable) runs on every page a read yields (a
    second call per page, a flattening); ``slices(low, high) -> [keys]`` splits each window
    into slices read one after the other, each with its extra request keys (placed as
    window keys), the resume cursor ``index|token`` (``IndexCodec``)."""

    enrich: str | None = None
    slices: str | None = None

    @property
    def names(self) -> list[str]:
        return [hook for hook in (self.enrich, self.slices) if hook]


GROUPS = {"paging": Paging, "ends": Ends, "answer": Answer, "hooks": Hooks}
"""The grouped keys of a ``StreamSpec``: a phase or ``changed()`` merges into them key by
key (every other key it names replaces the stream's)."""


def _set_fields(value: Any) -> Any:
    """A model as the dict of the keys it was given (a dict as it is)."""
    if isinstance(value, BaseModel):
        return {name: getattr(value, name) for name in value.model_fields_set}
    return value


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """*base* keys with *changes* applied: a group (``paging``...) merges key by key, any
    other key is replaced."""
    merged = dict(base)
    for key, value in changes.items():
        old, new = _set_fields(merged.get(key)), _set_fields(value)
        if key in GROUPS and isinstance(old, dict) and isinstance(new, dict):
            merged[key] = {**old, **new}
        else:
            merged[key] = value
    return merged


class StreamSpec(_Spec):
    """One declared stream: the request (``method``, ``host``, ``path``, ``group``,
    ``params``, ``body``, ``place``), the time ``window`` (``WindowRule``), the ``paging``,
    when a page ``ends`` the listing, where the records are in the ``answer``, and the
    ``hooks`` it calls, like a dlt rest_api endpoint.

    ``{name}`` in ``path``, ``group`` and ``pace`` is the path value of that name (an
    account's credential: a business id, say); a string value ``"{name}"`` in ``params``/
    ``body`` is that value, its type kept (a list stays a list). ``place``: where paging
    and window keys go (default: the query of a GET, the body of anything else).
    ``phase``: the name a resume token gives a read (default: the stream's); ``phases``:
    the same listing read several times in order, each a ``phase`` name and the keys it
    changes (a group such as ``paging`` merges key by key, any other key such as ``body``
    or ``window`` is replaced), the resume token naming the phase. ``each``: the listing
    once per value of a list (``EachRule``), a phase each, named by ``phase`` as a template
    (``campaign:{campaignId}``; default the value). ``pace``: a second rate limit a call
    waits for (an item quota the connector holds), passed to ``call`` as ``pace=``.
    ``requires``: what an account needs to read the stream (a subscription): a 401/403 ends
    the read as not available to it (``UnavailableError``) instead of failing.
    """

    record_type: RecordType
    path: str
    method: Literal["GET", "POST"] = "GET"
    host: str = "api"
    group: str = "api"
    params: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    place: Literal["query", "body"] | None = None
    window: WindowRule | None = None
    paging: Paging = Paging()
    ends: Ends = Ends()
    answer: Answer = Answer()
    hooks: Hooks = Hooks()
    phase: str | None = None
    phases: list[dict[str, Any]] = Field(default_factory=list)
    each: EachRule | None = None
    pace: str | None = None
    requires: str | None = None

    @model_validator(mode="after")
    def _sliced_windows(self) -> StreamSpec:
        if self.hooks.slices and (self.window is None or not self.window.split):
            raise ValueError("hooks.slices split each window: they need a window rule with "
                             "split")  # fmt: skip
        return self

    @model_validator(mode="after")
    def _coherent(self) -> StreamSpec:
        """Keys another key or paginator makes meaningless are refused, naming the key (a
        stream with ``phases`` is checked phase by phase: its keys are their base)."""
        if self.phases:
            return self
        problem = next((text for bad, text in self._incoherent() if bad), None)
        if problem is not None:
            raise ValueError(problem)
        return self

    def _incoherent(self) -> list[tuple[bool, str]]:
        paging, ends, answer = self.paging, self.ends, self.answer
        kind = paging.kind
        tokens = kind in ("cursor", "page_token")
        only = "only a cursor or page_token paginator reads"
        return [
            (paging.page_count is not None and kind != "page",
             f"paging.page_count: only a page paginator has a page count, not {kind!r}"),
            (kind == "page" and paging.first is not None and not str(paging.first).isdigit(),
             "paging.first: a page paginator counts pages from a number (0 or 1)"),
            (paging.max_offset is not None and kind != "offset",
             f"paging.max_offset: only an offset paginator has one, not {kind!r}"),
            (paging.ids_as != "str" and kind != "ids",
             f"paging.ids_as: only an ids paginator sends ids, not {kind!r}"),
            (kind == "ids" and (self.window is not None or self.each is not None),
             "window/each: an ids read asks for the open ids the caller holds, no window "
             "or list of its own"),
            (kind in ("offset", "ids") and ends.older is not None,
             f"ends.older: {kind} paging has no next page to stop before"),
            (kind in ("offset", "ids") and paging.count is not None,
             f"paging.count: {kind} paging does not read a count"),
            (kind in ("offset", "ids") and ends.short,
             f"ends.short: {kind} paging ends at a short page by itself "
             "(offset: unless ends.empty)"),
            (not tokens and paging.next is not None, f"paging.next: {only} a next token"),
            (not tokens and paging.next_in != "answer", f"paging.next_in: {only} a next token"),
            (not tokens and paging.has_more is not None, f"paging.has_more: {only} a more flag"),
            (not tokens and bool(paging.cursor_fields),
             f"paging.cursor_fields: {only} a cursor object"),
            (not tokens and paging.grows, f"paging.grows: {only} a growing token"),
            (paging.strict and paging.has_more is None,
             "paging.strict: there is no has_more flag to be strict about"),
            (paging.grows and paging.token_type != "integer",
             "paging.grows: a growing token is an integer (token_type = \"integer\")"),
            (paging.grows and bool(paging.cursor_fields),
             "paging.grows: a cursor object (cursor_fields) cannot grow"),
            (answer.error_text is not None and answer.error is None,
             "answer.error_text: there is no error flag (error) it is the text of"),
            (answer.required and not any(answer.records),
             "answer.required: there is no records path to require"),
            (ends.short and paging.page_size is None,
             "ends.short: a page is short of paging.page_size, which is not set"),
            (paging.count is not None and paging.page_size is None,
             "paging.count: the count is compared with paging.page_size, which is not set"),
        ]  # fmt: skip

    @model_validator(mode="after")
    def _phases_valid(self) -> StreamSpec:
        for phase in self.phases:
            if not isinstance(phase.get("phase"), str) or "phases" in phase:
                raise ValueError("each of phases names itself (phase = ...) and has no phases")
        base = self._base()
        for index, phase in enumerate(self.phases):
            try:
                StreamSpec.model_validate(_merged(base, phase))
            except ValidationError as exc:
                problems = "; ".join(
                    f"phases[{index}]{''.join(f'.{part}' for part in error['loc'])}: "
                    f"{error['msg']}" for error in exc.errors(include_url=False)
                )  # fmt: skip
                raise ValueError(f"phase {phase['phase']!r}: {problems}") from None
        return self

    def _base(self) -> dict[str, Any]:
        """The keys this spec was given, its phases left out."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"phases"}}

    def changed(self, **changes: Any) -> StreamSpec:
        """This spec with *changes* (a connector's ``paging={"page_size": n}``, a body),
        merged as a phase merges (a group key by key) and validated again as a whole:
        ``model_copy(update=...)`` would let a meaningless combination through."""
        if not changes:
            return self
        phases = {"phases": self.phases} if "phases" in self.model_fields_set else {}
        return StreamSpec.model_validate(_merged({**self._base(), **phases}, changes))

    def phase_specs(self) -> list[StreamSpec]:
        """Each phase as a whole spec: the stream's keys, the phase's changes merged in."""
        base = self._base()
        return [StreamSpec.model_validate(_merged(base, phase)) for phase in self.phases]

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
    """Set a dotted *key* (``filter.since``) in a nested JSON body; an object merges into
    the object already there."""
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    if isinstance(value, dict) and isinstance(target.get(last), dict):
        target[last] = {**target[last], **value}
    else:
        target[last] = value


def _moment(moment: datetime, rule: WindowRule) -> str | int:
    moment = utc(moment)
    if rule.format == "date":
        return moment.astimezone(ZoneInfo(rule.zone)).date().isoformat()
    if rule.format == "iso_ms":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if rule.format == "iso_offset":
        return moment.isoformat()
    return int(moment.timestamp()) if rule.format == "unix" else iso_z(moment)


def _before(value: Any, moment: datetime) -> bool:
    """*value* is an ISO time (``Z`` or an offset) before *moment*; anything else is not."""
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return stamp.tzinfo is not None and stamp < moment


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


class IdBatches(Paginator):
    """A read by ids the caller holds (not a server's paging: nothing can repeat): a request
    per batch of ``size`` ids; the token is the next batch's number."""

    kind = "ids"

    def __init__(self, fetch: Callable[[list[Any]], Awaitable[Records]], ids: Sequence[Any], *,
                 size: int, stream: str, what: str) -> None:  # fmt: skip
        super().__init__(stream=stream, what=what)
        self._fetch = fetch
        self.batches = [list(ids[start : start + size]) for start in range(0, len(ids), size)]

    async def pages(self, resume: str | None = None) -> AsyncIterator[tuple[Records, str | None]]:
        for index in range(int(resume or 0), len(self.batches)):
            records = await self._fetch(self.batches[index])
            yield records, str(index + 1) if index + 1 < len(self.batches) else None


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
        self.connector = connector
        self.since: datetime | None = None  # the read's window start (``ends.older``)
        self._last_page: tuple[int, str] = (0, "")  # the page before (``page`` paging)
        for hook in spec.hooks.names:
            if not callable(getattr(hooks, hook, None)):
                raise FatalError(f"{name} stream: {self.what}: the connector has no method "
                                 f"{hook!r} the stream names as a hook")  # fmt: skip

    @property
    def phase(self) -> str:
        """The name the resume tokens of a read without ``phases`` or ``each`` give it."""
        return self.spec.phase or self.name

    def paginator(self, window: FetchWindow) -> Paginator:
        """The stream's pages for *window*: phase by phase (``phases``), window by window
        when it declares a window rule (``split``), else one phase, or a phase per value of
        its ``each`` list; an ``ids`` read: the window's open ids."""
        self.since = utc(window.since) if window.since else None
        if self.spec.phases:
            phases = [(spec.phase or self.name, self._sub(spec)._phase(window))
                      for spec in self.spec.phase_specs()]  # fmt: skip
            return PhasedPaginator(phases, stream=self.name, what=self.what)
        if self.spec.paging.kind == "ids":
            return PhasedPaginator([(self.phase, self.by_ids(window.open_ids))],
                                   stream=self.name, what=self.what)  # fmt: skip
        rule = self.spec.window
        if rule is None or not rule.split:
            keys = self._window_keys(rule, *self._bounds(rule, window)) if rule else {}
            return PhasedPaginator(self._phases(keys), stream=self.name, what=self.what)
        since, until = self._bounds(rule, window)
        phase = self.spec.phase if self.spec.phase and not self.spec.each else self.name
        return WindowedPaginator(partial(self._window, rule), start=since or until, end=until,
                                 span=rule.span, phase=phase, stream=self.name,
                                 what=self.what)  # fmt: skip

    def _sub(self, spec: StreamSpec) -> DeclaredStream:
        return DeclaredStream(self.name, spec, connector=self.connector, call=self.call,
                              path_values=self.values, extra=self.extra,
                              hooks=self.hooks)  # fmt: skip

    def _phase(self, window: FetchWindow) -> Paginator:
        """One of ``phases``: its listing (with its window's keys), or window by window."""
        self.since = utc(window.since) if window.since else None
        rule = self.spec.window
        if rule is None or not rule.split:
            return self._each(self._window_keys(rule, *self._bounds(rule, window)) if rule else {})
        since, until = self._bounds(rule, window)
        return WindowedPaginator(partial(self._window, rule), start=since or until, end=until,
                                 span=rule.span, phase=self.spec.phase or self.name,
                                 stream=self.name, what=self.what)  # fmt: skip

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
        if spec.paging.kind == "offset":
            return OffsetPaginator(
                partial(self._offset_page, target, fixed), limit=spec.paging.page_size or 1,
                until_empty=spec.paging.page_size is None or spec.ends.empty,
                stream=self.name, what=self.what,
            )  # fmt: skip
        kind = PageTokenPaginator if spec.paging.kind == "page_token" else CursorPaginator
        return kind(partial(self._token_page, target, fixed), stream=self.name, what=self.what)

    def _bounds(self, rule: WindowRule, window: FetchWindow) -> tuple[datetime | None, datetime]:
        """The read's start (``None``: a first read of a window without history) and end."""
        until = utc(window.until)
        since = utc(window.since) if window.since else None
        if since is None and rule.history is not None:
            since = until - rule.history
        if since is not None and rule.reread is not None and not window.backfill:
            since = min(since, until - rule.reread)
        if since is not None and rule.earliest is not None:
            since = max(since, utc(rule.earliest))
        return since, until

    def by_ids(self, ids: Sequence[Any]) -> Paginator:
        """The listing of *ids* (an ``ids`` read), ``paging.page_size`` a request."""
        if self.spec.paging.ids_as == "int":
            ids = [int(i) for i in ids if isinstance(i, int) or str(i).isdigit()]
        return IdBatches(self._ids_page, ids, size=self.spec.paging.page_size or 1,
                         stream=self.name, what=self.what)  # fmt: skip

    async def _ids_page(self, ids: list[Any]) -> Records:
        target = _Target(self.spec, self.values, self.extra)
        paging = {self.spec.paging.param: ids}
        records, _ = await self._page(target, ({}, self.spec.where), paging)
        return records

    @staticmethod
    def _window_keys(rule: WindowRule, low: datetime | None, high: datetime) -> dict[str, Any]:
        keys: dict[str, Any] = {} if low is None else {rule.since: _moment(low, rule)}
        for key in [rule.until] if isinstance(rule.until, str) else rule.until or []:
            keys[key] = _moment(high, rule)
        keys.update({key: _moment(high - back, rule) for key, back in rule.reach.items()})
        return keys

    def _window(self, rule: WindowRule, low: datetime, high: datetime) -> Paginator:
        """The listing of one window ``[low, high]``: slice by slice (``slices``)."""
        keys = self._window_keys(rule, low, high)
        if not self.spec.hooks.slices:
            return self._each(keys)
        slices = getattr(self.hooks, self.spec.hooks.slices)(low, high)
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
        if not self.spec.hooks.enrich:
            return records
        found = getattr(self.hooks, self.spec.hooks.enrich)(records)
        return as_dicts(await found if inspect.isawaitable(found) else found)

    async def _offset_page(self, target: _Target, fixed: tuple[dict[str, Any], str],
                           offset: int) -> Records:  # fmt: skip
        most = self.spec.paging.max_offset
        if most is not None and offset + (self.spec.paging.page_size or 0) > most:
            raise FatalError(f"{self.name} stream: {self.what}: more than {most} records in "
                             "one window; resync a shorter one")  # fmt: skip
        records, _ = await self._page(target, fixed, {self.spec.paging.param: offset})
        return records

    async def _token_page(
        self, target: _Target, fixed: tuple[dict[str, Any], str], cursor: str | None
    ) -> tuple[Records, str | None]:
        spec = self.spec
        value: str | int | None = cursor if cursor is not None else spec.paging.first
        if spec.paging.kind == "page":
            value = int(value if value is not None else 1)
        elif value is not None and spec.paging.token_type == "integer":
            value = int(value)
        paging: dict[str, Any] = {} if value is None else {spec.paging.param: value}
        if value is not None and spec.paging.cursor_fields:
            paging[spec.paging.param] = json.loads(str(value))
        records, body = await self._page(target, fixed, paging)
        if spec.paging.kind == "page":
            self._same_page(fixed[0], int(value or 0), records)
        return records, self._next(records, body, value)

    def _same_page(self, keys: dict[str, Any], number: int, records: Records) -> None:
        """A ``page`` listing whose page repeats the page before it (a server ignoring the
        page number) ends the read: the page number never repeats, the page does."""
        mark = json.dumps([keys, records], sort_keys=True, default=str) if records else ""
        last, self._last_page = self._last_page, (number, mark)
        if mark and last == (number - 1, mark):
            raise PaginationLoopError(
                f"{self.name} stream: {self.what}: page {number} repeats the page before it; "
                "stopping instead of looping forever",
                stream=self.name,
                token=str(number),
            )

    def _next(self, records: Records, body: Any, sent: Any) -> str | None:
        """The token of the page after this one, ``None`` when this one is the last."""
        paging, ends, since = self.spec.paging, self.spec.ends, self.since
        short = ends.short and len(records) < (paging.page_size or 0)
        older = bool(ends.older) and since is not None and any(
            _before(dig(record, ends.older or ""), since) for record in records)  # fmt: skip
        if paging.kind == "none" or short or older or (ends.empty and not records):
            return None
        count = _first(body, paging.count) if paging.count else 0
        if paging.count and (not isinstance(count, int) or count < (paging.page_size or 0)):
            return None
        if paging.kind == "page":
            count = _first(body, paging.page_count)
            first = int(paging.first) if paging.first is not None else 1
            more = bool(records) if count is None else int(sent) - first + 1 < int(count)
            return str(int(sent) + 1) if more else None
        source = (records[-1] if records else None) if paging.next_in == "last_record" else body
        token = _first(source, paging.next)
        more = _first(body, paging.has_more) if paging.has_more else True
        if more is False or (paging.strict and more is not True):
            return None
        if paging.cursor_fields:
            return self._object_token(token, records)
        if token in (None, ""):
            if more is True and paging.has_more:  # ending here would drop the rest silently
                raise FatalError(f"{self.name} stream: {self.what}: the answer says there is "
                                 "more but gives no next token; cannot page on")  # fmt: skip
            return None
        if paging.first is not None and str(token) == str(paging.first):
            return None  # the API points back at the start: nothing after this page
        if paging.grows:
            self._grows(token, sent)
        return str(token)

    def _grows(self, token: Any, sent: Any) -> None:
        """A ``paging.grows`` token: an integer past the one sent (else a loop, or worse)."""
        if not isinstance(token, int) or isinstance(token, bool):
            raise FatalError(f"{self.name} stream: {self.what}: next token {token!r} is not "
                             "the integer row id it should be")  # fmt: skip
        if sent is not None and token <= int(sent):
            raise PaginationLoopError(
                f"{self.name} stream: {self.what}: next token {token!r} does not move past "
                f"{sent!r}; stopping instead of looping forever",
                stream=self.name,
                token=str(token),
            )

    def _object_token(self, token: Any, records: Records) -> str | None:
        """The ``paging.cursor_fields`` of the answer's cursor object, as the resume token; a page
        short of ``paging.page_size`` without them is the last, a full one an error."""
        fields = self.spec.paging.cursor_fields or []
        if not isinstance(token, dict) or any(token.get(key) is None for key in fields):
            if self.spec.paging.page_size is None or len(records) < self.spec.paging.page_size:
                return None
            raise FatalError(f"{self.name} stream: {self.what}: a full page without a "
                             "cursor to continue from")  # fmt: skip
        return json.dumps({key: token[key] for key in fields}, separators=(",", ":"))

    async def _page(self, target: _Target, fixed: tuple[dict[str, Any], str],
                    paging: dict[str, Any]) -> tuple[Records, Any]:  # fmt: skip
        spec = self.spec
        params: dict[str, Any] = dict(target.params)
        body: dict[str, Any] | None = _deep_copy(target.body)
        if spec.paging.page_size is not None and spec.paging.kind not in ("none", "ids"):
            paging = {spec.paging.limit_param: spec.paging.page_size, **paging}
        for keys, place in ((fixed[0], fixed[1]), (paging, spec.where)):
            if place == "query":
                params.update(keys)
            elif keys or body is None:
                body = body if body is not None else {}
                for key, value in keys.items():
                    _put(body, key, value)
        options: dict[str, Any] = {"pace": target.pace} if target.pace else {}
        try:
            answer = await self.call(spec.method, spec.host, target.path, group=target.group,
                                     json_body=body, params=params or None, **options)  # fmt: skip
        except AuthError as exc:
            if spec.requires is None:
                raise
            raise UnavailableError(f"{self.what} needs {spec.requires} ({exc})") from exc
        return self._records(answer, target), answer

    def _records(self, answer: Any, target: _Target) -> Records:
        spec = self.spec
        if spec.answer.records or spec.answer.error:  # anything but an object is a shape not known
            answer = json_object(answer, f"{self.name} stream: {self.what}")
        if spec.answer.error and _first(answer, spec.answer.error):
            text = _first(answer, spec.answer.error_text) or "an error without a text"
            raise FatalError(f"{self.name} stream: {self.what}: {text}")
        found = _first(answer, spec.answer.records) if spec.answer.records else answer
        if found is None and spec.answer.required:
            raise FatalError(f"{self.name} stream: {self.what}: the answer has no "
                             f"{' or '.join(spec.answer.records)}")  # fmt: skip
        if isinstance(found, dict) and spec.answer.lone_object:
            found = [found]
        if found is not None and not isinstance(found, list):
            raise FatalError(
                f"{self.name} stream: {self.what}: the records at {spec.answer.records} are a "
                f"{type(found).__name__}, not a list"
            )
        records = as_dicts(found)
        if spec.answer.drop:
            records = [{k: v for k, v in record.items() if k not in spec.answer.drop}
                       for record in records]  # fmt: skip
        if target.extra or spec.answer.defaults:
            records = [{**target.extra, **record, **self._lacking(record)} for record in records]
        return records

    def _lacking(self, record: dict[str, Any]) -> dict[str, Any]:
        """The ``answer.defaults`` *record* has no value of (missing, null or empty)."""
        return {key: value for key, value in self.spec.answer.defaults.items()
                if record.get(key) in (None, "")}  # fmt: skip


async def chained(streams: Sequence[DeclaredStream], window: FetchWindow) -> AsyncIterator[Page]:
    """Declared reads one after the other (new tasks, a status refresh, then the history,
    say) as one stream's pages, each of its read's record type.

    Each read's resume tokens name its ``phase``; a token resumes the read it names, and
    the last page of a read (but the last) hands over to the next with ``Resume(phase)``.
    A token naming none of them starts from the first: re-reading is harmless, skipping is
    not.
    """
    saved = Resume.decode(window.resume)
    names = [stream.phase for stream in streams]
    known = saved is not None and saved.phase in names
    start = names.index(saved.phase) if saved is not None and known else 0
    resume = window.resume if known else None
    for index in range(start, len(streams)):
        stream = streams[index]
        async for records, following in stream.pages(replace(window, resume=resume)):
            if following is None and index + 1 < len(streams):
                following = Resume(names[index + 1]).encode()
            yield Page(stream.spec.record_type, records, following)
        resume = None


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value
