"""The shared request pipeline of marketplace endpoints: auth, limits, faults, JSON, stats.

Marketplace modules declare an `Api` (auth + error shape + limits) and plain handlers.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mpsync.sandbox.jsontext import json_members, json_text
from mpsync.sandbox.state import SandboxState
from mpsync.sandbox.statuses import Flow

Json = dict[str, Any]


class ApiError(Exception):
    """An error answer in the marketplace's own shape (status, message, code)."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


@dataclass
class Reply:
    """A handler's answer: JSON payload (None for an empty body), status, headers.

    The payload is a JSON-able value or RawJson text (list pages render to text).
    """

    payload: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Admission:
    """The limiter's decision: a refusal response, headers to add, a release hook."""

    refused: Response | None = None
    headers: dict[str, str] = field(default_factory=dict)
    release: Callable[[], None] | None = None


@dataclass
class Ctx:
    """What a handler sees: the state, the request, its parsed JSON body, the account."""

    state: SandboxState
    request: Request
    body: Any
    account: str

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class Api:
    """How one marketplace authenticates, limits, and shapes its errors."""

    marketplace: str
    authenticate: Callable[[Request, SandboxState], str]
    error_body: Callable[[int, str, str | int | None], Json]
    admit: Callable[[SandboxState, Request, str, str], Admission]

    def error(
        self,
        status: int,
        message: str,
        code: str | int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return json_response(self.error_body(status, message, code), status, headers)


@functools.lru_cache(maxsize=8)
def status_members(flow: Flow) -> tuple[str, ...]:
    """Per state of `flow`, its "status" and "substatus" members as JSON text."""
    return tuple(
        json_members({"status": raw.status, "substatus": raw.substatus}) for raw in flow.states
    )


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = json_text(payload).encode()
    return Response(body, status, headers, media_type="application/json")


def route(
    state: SandboxState, api: Api, method: str, path: str, handler: Handler, group: str
) -> Route:
    """A Starlette route running `handler` through the shared pipeline."""
    key = f"{api.marketplace} {method} {path}"

    async def endpoint(request: Request) -> Response:
        response = await _pipeline(state, api, request, handler, group)
        state.requests[(key, response.status_code)] += 1
        return response

    return Route(path, endpoint, methods=[method], name=key)


async def _pipeline(
    state: SandboxState, api: Api, request: Request, handler: Handler, group: str
) -> Response:
    try:
        account = api.authenticate(request, state)
        admission = api.admit(state, request, account, group)
        if admission.refused is not None:
            return admission.refused
        try:
            reply = await _run(state, api, request, handler, account)
        finally:
            if admission.release is not None:
                admission.release()
    except ApiError as error:
        return api.error(error.status, error.message, error.code, error.headers)
    headers = {**admission.headers, **reply.headers}
    if reply.payload is None:
        return Response(status_code=reply.status, headers=headers)
    response = json_response(reply.payload, reply.status, headers)
    if reply.status == 200 and state.roll("malformed"):
        cut = max(1, len(response.body) * 2 // 3)
        return Response(response.body[:cut], 200, headers, media_type="application/json")
    return response


async def _run(
    state: SandboxState, api: Api, request: Request, handler: Handler, account: str
) -> Reply:
    if state.roll("error"):
        raise ApiError(
            503 if state.random.random() < 0.5 else 500, "Internal Server Error (injected)"
        )
    if state.roll("slow"):
        await state.sleep(state.config.faults.slow_seconds)
    body = await read_json(request)
    with state.world.lock:
        return handler(Ctx(state, request, body, account))


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as error:
        raise ApiError(400, f"invalid JSON body: {error}") from error


# -- body helpers -------------------------------------------------------------------------
def obj(value: Any, what: str = "body") -> Json:
    if not isinstance(value, dict):
        raise ApiError(400, f"{what} must be a JSON object")
    return value


def items(value: Any, what: str, low: int, high: int) -> list[Any]:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise ApiError(400, f"{what} must be a list of {low}..{high} elements")
    return value


def integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ApiError(400, f"{what} must be an integer")
    try:
        return int(value)
    except ValueError as error:
        raise ApiError(400, f"{what} must be an integer") from error


def limit_param(value: Any, default: int, high: int, what: str = "limit") -> int:
    limit = default if value in (None, "") else integer(value, what)
    if not 1 <= limit <= high:
        raise ApiError(400, f"{what} must be between 1 and {high}")
    return limit


def timestamp(value: Any, what: str) -> int:
    """Epoch seconds of an ISO-8601 date or datetime string (naive means UTC)."""
    if not isinstance(value, str):
        raise ApiError(400, f"{what} must be an ISO-8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ApiError(400, f"{what} is not a valid date-time: {value!r}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


# -- opaque cursors -----------------------------------------------------------------------
def encode_cursor(resume: int, last: int) -> str:
    return base64.urlsafe_b64encode(f"sbx:{resume}:{last}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[int, int]:
    """(row to resume at, last row served) of a cursor; (-1, -1) for the first page."""
    if not cursor:
        return -1, -1
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, resume, last = text.split(":")
        if tag != "sbx":
            raise ValueError(tag)
        return int(resume), int(last)
    except ValueError as error:
        raise ApiError(400, "invalid cursor / page token") from error


def with_duplicate(state: SandboxState, rows: list[int], last: int) -> list[int]:
    """Maybe repeat the previous page's last record (duplicate fault)."""
    if last >= 0 and rows and state.roll("duplicate"):
        return [last, *rows]
    return rows
