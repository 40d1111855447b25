"""Documented rate limits per account: token buckets (WB, Ozon) and parallel gates (YM).

Time comes from an injectable monotonic clock so tests never sleep.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BucketSpec:
    """`limit` requests per `period` seconds with a burst of `burst`."""

    limit: float
    period: float
    burst: int

    def scaled(self, scale: float) -> BucketSpec:
        return BucketSpec(self.limit * scale, self.period, max(1, round(self.burst * scale)))


@dataclass
class TokenBucket:
    """A classic token bucket; `take` answers None or the seconds to wait."""

    spec: BucketSpec
    tokens: float
    stamp: float

    @property
    def rate(self) -> float:
        return self.spec.limit / self.spec.period

    def _refill(self, now: float) -> None:
        self.tokens = min(float(self.spec.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float, cost: float = 1.0) -> float | None:
        self._refill(now)
        if self.tokens >= cost:
            self.tokens -= cost
            return None
        return (cost - self.tokens) / self.rate

    def debit(self, now: float, cost: float) -> None:
        """Take `cost` tokens even into debt (a refusal charged as several requests)."""
        self._refill(now)
        self.tokens -= cost

    def seconds_to_full(self) -> float:
        return (self.spec.burst - self.tokens) / self.rate

    @property
    def remaining(self) -> int:
        return int(self.tokens)


@dataclass(frozen=True)
class Verdict:
    """The outcome of a limit check: allowed, or refused with headers to send."""

    allowed: bool
    retry_after: float = 0.0
    reset_after: float = 0.0
    limit: int = 0
    remaining: int = 0


@dataclass
class Limiter:
    """All buckets and parallel gates of one sandbox, keyed by (group, account)."""

    scale: float
    clock: Callable[[], float]
    buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)
    in_flight: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.scale > 0

    def take(self, group: str, account: str, spec: BucketSpec, cost: float = 1.0) -> Verdict:
        """Charge one request of `account` against the `group` bucket."""
        scaled = spec.scaled(self.scale) if self.enabled else spec
        if not self.enabled:
            return Verdict(True, limit=scaled.burst, remaining=scaled.burst)
        now = self.clock()
        bucket = self._bucket(group, account, scaled, now)
        wait = bucket.take(now, cost)
        if wait is None:
            return Verdict(True, limit=scaled.burst, remaining=bucket.remaining)
        return Verdict(False, wait, bucket.seconds_to_full(), scaled.burst, 0)

    def charge(self, group: str, account: str, spec: BucketSpec, cost: float) -> None:
        """Charge `cost` more requests to a bucket, into debt if need be (Wildberries
        counts an answer of 409 as 10 requests)."""
        if not self.enabled:
            return
        now = self.clock()
        self._bucket(group, account, spec.scaled(self.scale), now).debit(now, cost)

    def _bucket(self, group: str, account: str, spec: BucketSpec, now: float) -> TokenBucket:
        key = (group, account)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(spec, float(spec.burst), now)
        return bucket

    def enter(self, group: str, account: str, parallel: int) -> bool:
        """Admit one more concurrent request, or refuse when `parallel` are running."""
        if not self.enabled:
            return True
        key = (group, account)
        allowed = max(1, round(parallel * self.scale))
        if self.in_flight.get(key, 0) >= allowed:
            return False
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        return True

    def leave(self, group: str, account: str) -> None:
        if not self.enabled:
            return
        key = (group, account)
        self.in_flight[key] = max(0, self.in_flight.get(key, 0) - 1)

    def reset(self) -> None:
        self.buckets.clear()
        self.in_flight.clear()


def ceil_seconds(value: float) -> int:
    """Whole seconds for headers, never 0 when a wait is needed."""
    return max(1, math.ceil(value)) if value > 0 else 0
