"""The shared HTTP layer: one httpx client per connector, rate limits, bounded retries.

429/420/5xx/timeouts are retried with jittered exponential waits that honour the server's
``Retry-After`` / ``X-Ratelimit-Retry`` / ``X-RateLimit-Resource-Until`` up to a cap
(``MAX_SERVER_WAIT``, 5 minutes by default): a longer wait raises ``RateLimitedUntil``,
which ends the stream's tick instead of pinning it. 401/403 raise ``AuthError``; other 4xx
``ApiError``; an unknown host, a refused connection or an untrusted certificate
``NetworkError``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from mpsync.connector.base import HttpObserver, Sleep
from mpsync.connector.errors import (
    ApiError,
    AuthError,
    NetworkError,
    RateLimitedUntil,
    RetriableError,
    RetriesExhausted,
)
from mpsync.connector.limits import Clock, Limiters, LimitSpec
from mpsync.connector.network import describe as describe_network_error

log = structlog.get_logger("mpsync.connector.http")
RETRIABLE_STATUSES = frozenset({420, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with a capped, jittered exponential wait between them."""

    attempts: int = 5
    initial: float = 1.0
    maximum: float = 60.0
    jitter: float = 1.0


CONNECT_TIMEOUT = 5.0
MAX_SERVER_WAIT = 300.0
READ_TIMEOUT = 30.0


def default_timeout() -> httpx.Timeout:
    """5 s to connect (an unreachable host says so quickly), 30 s for each read."""
    return httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


class HttpClient:
    """Sends JSON requests for one connector instance (one account)."""

    def __init__(
        self,
        *,
        marketplace: str,
        headers: Mapping[str, str],
        limits: Mapping[str, LimitSpec],
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep,
        metrics: HttpObserver | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: httpx.Timeout | None = None,
        max_server_wait: float = MAX_SERVER_WAIT,
    ) -> None:
        self.marketplace = marketplace
        self.max_server_wait = max_server_wait
        self._timeout = timeout or default_timeout()
        self._client = httpx.AsyncClient(
            headers=dict(headers),
            transport=transport,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        )
        self._limiters = Limiters(limits, sleep=sleep, clock=clock)
        self._sleep = sleep
        self._metrics = metrics
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._wall_clock = wall_clock

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        group: str,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send with rate limiting and retries; return the decoded JSON (None if empty)."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetriableError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(method, url, group, json_body, params)
        except RetriableError as exc:
            where = f"{method} {urlsplit(url).path}"
            raise RetriesExhausted(
                f"{where}: gave up after {self._retry.attempts} attempts: {exc}",
                attempts=self._retry.attempts,
                last=exc,
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            wait = max(0.0, exc.retry_after)
        else:
            policy = self._retry
            backoff = wait_exponential_jitter(policy.initial, policy.maximum, 2, policy.jitter)
            wait = float(backoff(state))
        if self._metrics is not None and isinstance(exc, RetriableError) and exc.status:
            self._metrics.rate_limited(self.marketplace, "retry", wait)
        if isinstance(exc, RetriableError):
            # Never silent: a network failure is a warning each time, a 429 a note.
            report = log.info if exc.status else log.warning
            report("http.retry", marketplace=self.marketplace, attempt=state.attempt_number,
                   of=self._retry.attempts, wait=round(wait, 1), error=str(exc))  # fmt: skip
        return wait

    async def _once(
        self, method: str, url: str, group: str, body: Any, params: Mapping[str, Any] | None
    ) -> Any:
        path = urlsplit(url).path
        async with self._limiters.get(group).slot() as waited:
            if waited > 0 and self._metrics is not None:
                self._metrics.rate_limited(self.marketplace, group, waited)
            started = self._clock()
            try:
                content = None if body is None else encode_json(body)
                response = await self._client.request(
                    method, url, content=content, params=params, headers=_JSON if content else None
                )
            except httpx.TransportError as exc:
                failure = describe_network_error(exc, url, self._timeout)
                error = RetriableError if failure.retriable else NetworkError
                raise error(f"{method} {path}: {failure.message}") from exc
        seconds = self._clock() - started
        if self._metrics is not None:
            self._metrics.request_done(self.marketplace, group, response.status_code, seconds)
        log.debug(
            "http.request",
            marketplace=self.marketplace,
            method=method,
            path=path,
            status=response.status_code,
            seconds=round(seconds, 3),
        )
        return self._decode(method, path, response)

    def _decode(self, method: str, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        body = _parse_json(response.content)
        where = f"{method} {path} -> HTTP {status}"
        if status in RETRIABLE_STATUSES or status >= 500:
            message = error_message(body, response.text)
            now = self._wall_clock()
            wait = retry_after(response.headers, now)
            if wait is not None and wait > self.max_server_wait:
                until = now + timedelta(seconds=wait)
                raise RateLimitedUntil(
                    f"rate-limited until {until_text(until)} ({where}: the server asks to wait "
                    f"{wait:.0f} s, over the {self.max_server_wait:.0f} s cap)",
                    until=until,
                    wait=wait,
                )
            raise RetriableError(f"{where}: {message}", status=status, retry_after=wait)
        if status in (401, 403):
            raise AuthError(f"{where}: credentials rejected: {error_message(body, response.text)}")
        if status >= 400:
            raise ApiError(
                f"{where}: {error_message(body, response.text)}", status=status, body=body
            )
        if body is _INVALID:
            raise RetriableError(f"{where}: response body is not valid JSON", status=status)
        return body


_INVALID = object()
_JSON = {"Content-Type": "application/json"}


def _number(value: object) -> int | float:
    if not isinstance(value, Decimal):
        raise TypeError(f"cannot send {type(value).__name__} as JSON")
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise TypeError(f"{value} cannot be sent as a JSON number without losing precision")
    return number


def encode_json(body: Any) -> bytes:
    """JSON for a request; Decimal becomes an exact JSON number (never a lossy float)."""
    return json.dumps(body, default=_number, ensure_ascii=False).encode()


def until_text(moment: datetime) -> str:
    """``2026-12-03T06:00:00Z``: how "rate-limited until T" writes T (``parse_until`` reads it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_until(text: str | None) -> datetime | None:
    """T of a "rate-limited until T" message (a run's error), else None."""
    marker = "rate-limited until "
    if not text or marker not in text:
        return None
    stamp = text.split(marker, 1)[1][:20]
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _parse_json(content: bytes) -> Any:
    if not content.strip():
        return None
    try:
        return json.loads(content, parse_float=Decimal)
    except ValueError:
        return _INVALID


def error_message(body: Any, text: str) -> str:
    """The marketplace's own error text from the common envelope shapes.

    A list of errors (Wildberries ``PUT /api/v3/stocks`` 409) gives its first error's text.
    """
    if isinstance(body, list) and body:
        return error_message(body[0], text)
    if isinstance(body, dict):
        for key in ("message", "detail", "errorText", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        for key in ("errors", "error"):
            nested = body.get(key)
            if isinstance(nested, list) and nested:
                nested = nested[0]
            if isinstance(nested, dict):
                return error_message(nested, text)
            if isinstance(nested, str) and nested:
                return nested
    snippet = text.strip()[:200]
    return snippet or "no error message in the response"


def retry_after(headers: httpx.Headers, now: datetime) -> float | None:
    """Seconds the server asks us to wait, from the rate-limit headers it sent."""
    for name in ("X-Ratelimit-Retry", "Retry-After"):
        value = headers.get(name)
        if value is None:
            continue
        seconds = _seconds_or_date(value, now)
        if seconds is not None:
            return seconds
    until = headers.get("X-RateLimit-Resource-Until")
    return _seconds_or_date(until, now) if until else None


# A server-directed wait longer than this (``Retry-After: inf`` or ``1e300``, issue #12) is
# taken as this: "retry at T" stays a moment a datetime can hold.
LONGEST_SERVER_WAIT = 86_400.0


def _seconds_or_date(value: str, now: datetime) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else min(max(0.0, seconds), LONGEST_SERVER_WAIT)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())
