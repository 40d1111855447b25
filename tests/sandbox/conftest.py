"""Fixtures for the sandbox tests: a fixed-start sandbox app and an in-process client.

No sockets and no real time here: httpx.ASGITransport and a hand-driven clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sandbox_helpers import START, FakeClock

from mpsync.sandbox import SandboxConfig, SandboxState, create_app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(
        seed=7, backlog=300, orders_per_minute=2, start_time=START, rate_limit_scale=0
    )


@pytest.fixture
def state(config: SandboxConfig, clock: FakeClock) -> SandboxState:
    return SandboxState(config, clock=clock)


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(state=state)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sbx"
    ) as c:
        yield c
