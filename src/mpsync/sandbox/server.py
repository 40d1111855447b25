"""Run the sandbox with uvicorn in a background thread on a free 127.0.0.1 port.

`with SandboxServer(config) as server:` (or `async with`) for tests, demo and benchmarks.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from mpsync.sandbox.app import create_app
from mpsync.sandbox.config import MARKETPLACES, SandboxConfig
from mpsync.sandbox.state import SandboxState

_START_TIMEOUT = 30.0


class SandboxServer:
    """The sandbox served over real HTTP; `.state` is the in-process simulator."""

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.port = port
        self.state = SandboxState(self.config)
        self.app = create_app(self.config, state=self.state)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, marketplace: str) -> str:
        """The api_base_url an account of `marketplace` should use."""
        if marketplace not in MARKETPLACES:
            raise ValueError(
                f"unknown marketplace {marketplace!r}; use one of {list(MARKETPLACES)}"
            )
        return f"{self.base_url}/{marketplace}"

    def start(self) -> SandboxServer:
        # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections
        # (without it every keep-alive response waits ~40 ms for a delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="on", log_config=None
        )  # log_config=None: its records join mpsync's log stream, not a handler of uvicorn's
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="mpsync-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server failed to start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def flush_push(self) -> dict[str, int]:
        """Deliver pending pushes now, on the server's own event loop."""
        if self.state.loop is None:
            raise RuntimeError("the sandbox server is not running")
        future = asyncio.run_coroutine_threadsafe(self.state.flush_push(), self.state.loop)
        return future.result(timeout=60)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
