"""A base for HTTP/JSON connectors: hosts, limits and retries declared as class data.

Subclasses add auth headers and the marketplace's endpoints; ``api_base_url`` swaps every host.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from mpsync.connector.base import Connector, FetchWindow, HttpObserver, Page, Sleep, WriteResult
from mpsync.connector.declared import DeclaredStream, StreamSpec
from mpsync.connector.errors import ApiError, NotSupportedError
from mpsync.connector.http import HttpClient, RetryPolicy
from mpsync.connector.limits import Clock, LimitSpec

if TYPE_CHECKING:
    from mpsync.config.model import AccountConfig

Now = Callable[[], datetime]
StreamFetch = Callable[[FetchWindow], AsyncIterator[Page]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class RestConnector(Connector):
    """Shared plumbing of the built-in connectors (any HTTP/JSON marketplace can use it)."""

    hosts: ClassVar[Mapping[str, str]]
    limits: ClassVar[Mapping[str, LimitSpec]]
    retry_policy: ClassVar[RetryPolicy] = RetryPolicy()
    integration_name: ClassVar[str] = "mpsync"
    integration_version: ClassVar[str] = "0.1.0"
    declared_streams: ClassVar[Mapping[str, StreamSpec]] = MappingProxyType({})
    """The connector's reads as data (``mpsync.connector.declared``): a stream of
    ``capabilities`` declared here and without a ``_<stream>`` method is read by the engine
    alone; other names are reads the connector's code runs (``declared(name)``)."""

    def __init__(
        self,
        account: AccountConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        metrics: HttpObserver | None = None,
        now: Now = utc_now,
        clock: Clock = time.monotonic,
    ) -> None:
        """*now* is the wall clock of windows and server-directed waits; *clock* the monotonic
        one of the rate limiters (a test freezes both)."""
        super().__init__(account, transport=transport, sleep=sleep, metrics=metrics)
        self.now = now
        self.base_url = account.api_base_url.rstrip("/") if account.api_base_url else None
        self.http = HttpClient(
            marketplace=self.name,
            headers=self.auth_headers(),
            limits=self.limits,
            transport=transport,
            sleep=sleep,
            metrics=metrics,
            retry=self.retry_policy,
            clock=clock,
            wall_clock=now,
            timeout=httpx.Timeout(
                account.timeout.read.total_seconds(),
                connect=account.timeout.connect.total_seconds(),
            ),
            max_server_wait=account.timeout.max_server_wait.total_seconds(),
        )

    def auth_headers(self) -> dict[str, str]:
        """Headers carrying the credentials (never logged)."""
        raise NotImplementedError

    def auth_params(self) -> dict[str, str]:
        """Query parameters carrying the credentials (never logged); most APIs use headers."""
        return {}

    def url(self, host: str, path: str) -> str:
        """The full URL: ``api_base_url`` (when set) replaces every host; the path is kept."""
        return f"{self.base_url or self.hosts[host]}{path}"

    async def call(
        self,
        method: str,
        host: str,
        path: str,
        *,
        group: str,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        url = self.url(host, path)
        auth = self.auth_params()
        if auth:
            params = {**(params or {}), **auth}
        return await self.http.request(method, url, group=group, json_body=json_body, params=params)

    def declared(self, name: str, **changes: Any) -> DeclaredStream:
        """The declared read *name* of ``declared_streams``, *changes* applied to its spec."""
        spec = self.declared_streams[name]
        spec = spec.changed(**changes)
        return DeclaredStream(name, spec, connector=self.name, call=self.call, hooks=self)

    async def _read_declared(self, name: str, window: FetchWindow) -> AsyncIterator[Page]:
        declared = self.declared(name)
        async for records, following in declared.pages(window):
            yield Page(declared.spec.record_type, records, following)

    def bespoke_streams(self) -> Mapping[str, StreamFetch]:
        """The streams this connector reads with code of its own, by name (each method's
        docstring says why it is not a declaration); none by default."""
        return {}

    def stream_fetchers(self) -> Mapping[str, StreamFetch]:
        """Stream name → async generator of pages for each stream in ``capabilities``: the
        connector's ``bespoke_streams()`` or else its declaration in ``declared_streams``."""
        bespoke = self.bespoke_streams()
        found: dict[str, StreamFetch] = {}
        for name in self.capabilities.streams:
            if name in bespoke:
                found[name] = bespoke[name]
            elif name in self.declared_streams:
                found[name] = partial(self._read_declared, name)
        return found

    async def fetch(self, stream: str, window: FetchWindow) -> AsyncIterator[Page]:
        fetcher = self.stream_fetchers().get(stream)
        if fetcher is None or stream not in self.capabilities.streams:
            raise NotSupportedError(
                f"{self.name} does not read stream {stream!r} "
                f"(it reads: {', '.join(sorted(self.capabilities.streams))})"
            )
        async for page in fetcher(window):
            yield page

    @staticmethod
    async def write(action: Awaitable[WriteResult]) -> WriteResult:
        """Run a write-back; a 4xx becomes a failed result with the marketplace's message."""
        try:
            return await action
        except ApiError as exc:
            return WriteResult(False, str(exc), {"status": exc.status, "body": exc.body})

    async def aclose(self) -> None:
        await self.http.aclose()
