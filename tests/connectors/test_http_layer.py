"""The shared HTTP layer: token bucket, parallel cap, header waits, exact JSON money."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from connector_helpers import RecordingSleep

from mpsync.connector.errors import ApiError
from mpsync.connector.http import HttpClient, encode_json, retry_after
from mpsync.connector.limits import BucketLimiter, Parallel, ParallelLimiter, TokenBucket
from mpsync.connector.paging import LoopGuard, PaginationLoopError


async def test_token_bucket_spends_the_burst_then_waits_the_interval() -> None:
    sleep, now = RecordingSleep(), [0.0]
    bucket = BucketLimiter(TokenBucket.per_minute(300, burst=2), sleep=sleep, clock=lambda: now[0])
    for _ in range(4):
        async with bucket.slot():
            pass
    assert sleep.waits == pytest.approx([0.2, 0.4])
    now[0] = 10.0
    async with bucket.slot():
        pass
    assert len(sleep.waits) == 2


async def test_parallel_cap_holds_the_fifth_request() -> None:
    limiter, inside, peak = ParallelLimiter(Parallel(4), clock=lambda: 0.0), [0], [0]

    async def one() -> None:
        async with limiter.slot():
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            await asyncio.sleep(0)
            inside[0] -= 1

    await asyncio.gather(*(one() for _ in range(10)))
    assert peak[0] == 4


def test_wait_headers() -> None:
    now = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
    assert retry_after(httpx.Headers({"X-Ratelimit-Retry": "3"}), now) == 3.0
    assert retry_after(httpx.Headers({"Retry-After": "Sun, 05 Apr 2026 12:00:10 GMT"}), now) == 10
    assert retry_after(httpx.Headers({}), now) is None
    # Issue #12: an endless wait is a day (a moment "retry at T" can hold), NaN none at all.
    for endless in ("inf", "1e300", "Infinity"):
        assert retry_after(httpx.Headers({"Retry-After": endless}), now) == 86_400
    assert retry_after(httpx.Headers({"Retry-After": "nan"}), now) is None


def test_money_goes_out_exactly() -> None:
    assert encode_json({"a": Decimal("499.90"), "b": Decimal("590")}) == b'{"a": 499.9, "b": 590}'
    with pytest.raises(TypeError):
        encode_json({"a": Decimal("0.12345678901234567890")})


def test_loop_guard() -> None:
    guard = LoopGuard("x")
    guard.check("a")
    with pytest.raises(PaginationLoopError):
        guard.check("a")


async def test_4xx_surfaces_the_marketplace_message_without_secrets() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": 3, "message": "filter.since is required"})

    client = HttpClient(
        marketplace="m",
        headers={"Api-Key": "s3cret"},
        limits={"g": Parallel(1)},
        transport=httpx.MockTransport(handler),
        sleep=RecordingSleep(),
    )
    with pytest.raises(ApiError) as caught:
        await client.request("POST", "http://x/v4/list?key=1", group="g", json_body={})
    assert "filter.since is required" in str(caught.value) and "s3cret" not in str(caught.value)
    assert caught.value.status == 400
    await client.aclose()
