"""The sandbox ASGI app: one mount per marketplace plus the /_sandbox control API.

Background tasks (wall-clock driven time, push delivery) run only under a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mpsync.sandbox import control, ozon, wildberries, yandex_market
from mpsync.sandbox.config import SandboxConfig
from mpsync.sandbox.state import SandboxState

_TICK = 0.2


def _asgi(handler: Callable[[Request], Response]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await handler(Request(scope, receive))(scope, receive, send)

    return app


def create_app(
    config: SandboxConfig | None = None, *, state: SandboxState | None = None
) -> Starlette:
    """The sandbox as an ASGI app; `app.state.sandbox` is its SandboxState."""
    sandbox = state or SandboxState(config or SandboxConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sandbox.loop = asyncio.get_running_loop()
        tasks = [asyncio.create_task(_push_loop(sandbox))]
        if sandbox.config.speed > 0:
            tasks.append(asyncio.create_task(_clock_loop(sandbox)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    mounts = [
        ("/wildberries", wildberries.routes(sandbox), wildberries.not_found),
        ("/ozon", ozon.routes(sandbox), ozon.not_found),
        ("/yandex_market", yandex_market.routes(sandbox), yandex_market.not_found),
    ]
    routes = [Mount(prefix, app=Router(r, default=_asgi(nf))) for prefix, r, nf in mounts]
    routes.append(Mount("/_sandbox", routes=control.routes(sandbox)))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = sandbox
    return app


async def _clock_loop(state: SandboxState) -> None:
    """Let simulated time follow wall time x speed."""
    carry, last = 0.0, time.monotonic()
    while True:
        await asyncio.sleep(_TICK)
        now = time.monotonic()
        carry += (now - last) * state.config.speed
        last = now
        if carry >= 1:
            state.advance_seconds(int(carry))
            carry -= int(carry)


async def _push_loop(state: SandboxState) -> None:
    """Deliver due pushes every `push_interval` seconds while pushes are configured."""
    while True:
        await asyncio.sleep(state.config.push_interval)
        if state.push.targets():
            state.push.collect()
            await state.push.deliver()
