"""Rate limiters per method group: a token bucket (WB, Ozon) and a parallel cap (YM).

Connectors declare their documented limits as data; the HTTP layer builds one limiter per group.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from mpsync.connector.base import Sleep

Clock = Callable[[], float]


@dataclass(frozen=True)
class TokenBucket:
    """``per_second`` tokens refill continuously up to ``burst`` (WB/Ozon style limits)."""

    per_second: float
    burst: int = 1

    @classmethod
    def per_minute(cls, count: float, burst: int = 1) -> TokenBucket:
        return cls(per_second=count / 60.0, burst=burst)


@dataclass(frozen=True)
class Parallel:
    """At most ``requests`` calls in flight at once (Yandex Market style limits)."""

    requests: int


LimitSpec = TokenBucket | Parallel


class Limiter(Protocol):
    def slot(self) -> AbstractAsyncContextManager[float]:
        """Hold a slot for one request; yields the seconds waited for it."""
        ...


class BucketLimiter:
    """A token bucket that reserves a token and sleeps off any debt (never spins)."""

    def __init__(self, spec: TokenBucket, *, sleep: Sleep, clock: Clock) -> None:
        self._spec = spec
        self._sleep = sleep
        self._clock = clock
        self._tokens = float(spec.burst)
        self._stamp = clock()

    def _reserve(self) -> float:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(float(self._spec.burst), self._tokens + elapsed * self._spec.per_second)
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self._spec.per_second

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[float]:
        wait = self._reserve()
        if wait > 0:
            await self._sleep(wait)
        yield wait


class ParallelLimiter:
    """A semaphore capping requests in flight."""

    def __init__(self, spec: Parallel, *, clock: Clock) -> None:
        self._semaphore = asyncio.Semaphore(spec.requests)
        self._clock = clock

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[float]:
        start = self._clock()
        async with self._semaphore:
            yield max(0.0, self._clock() - start)


class Limiters:
    """One limiter per group key; ``kind:scope`` keys share the spec of ``kind``."""

    def __init__(
        self,
        specs: Mapping[str, LimitSpec],
        *,
        sleep: Sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._specs = dict(specs)
        self._sleep = sleep
        self._clock = clock
        self._built: dict[str, Limiter] = {}

    def get(self, group: str) -> Limiter:
        if group not in self._built:
            kind = group.split(":", 1)[0]
            spec = self._specs.get(group) or self._specs.get(kind)
            if spec is None:
                raise KeyError(f"no rate limit declared for method group {group!r}")
            self._built[group] = self._build(spec)
        return self._built[group]

    def _build(self, spec: LimitSpec) -> Limiter:
        if isinstance(spec, TokenBucket):
            return BucketLimiter(spec, sleep=self._sleep, clock=self._clock)
        return ParallelLimiter(spec, clock=self._clock)
