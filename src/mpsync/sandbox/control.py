"""The control API under /_sandbox/: ground truth, stats, faults, reset, clock, push flush.

Tests and `mpsync demo` use it to steer the simulator and compare the CRM with truth.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mpsync.sandbox.config import MARKETPLACES
from mpsync.sandbox.state import SandboxState, iso


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status)


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    return None if value is None else int(value)


def routes(state: SandboxState) -> list[Route]:
    """Routes of the control API bound to `state`."""

    async def truth(request: Request) -> Response:
        marketplace = request.query_params.get("marketplace")
        if marketplace is not None and marketplace not in MARKETPLACES:
            return _error(
                400, f"unknown marketplace {marketplace!r}; use one of {list(MARKETPLACES)}"
            )
        try:
            offset, limit = _int_param(request, "offset") or 0, _int_param(request, "limit")
        except ValueError:
            return _error(400, "offset and limit must be integers")
        return JSONResponse(state.truth(marketplace, offset, limit))

    async def buyers(request: Request) -> Response:
        from mpsync.sandbox.buyers import book

        with state.world.lock:
            return JSONResponse(book(state.world).truth(request.query_params.get("marketplace")))

    async def shared(request: Request) -> Response:
        truth = state.shared_truth()
        if truth is None:
            return _error(404, "the sandbox runs without shared_stock")
        return JSONResponse(truth)

    async def finance(request: Request) -> Response:
        from mpsync.sandbox.money import truth as money_truth

        marketplace = request.query_params.get("marketplace")
        if marketplace is not None and marketplace not in MARKETPLACES:
            return _error(400, f"unknown marketplace {marketplace!r}")
        return JSONResponse(money_truth(state, marketplace))

    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats())

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(state.config.faults.as_dict())
        try:
            body: Any = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object of fault probabilities")
            return JSONResponse(state.set_faults(body))
        except ValueError as error:
            return _error(400, str(error))

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True, "now": iso(state.world.now)})

    async def advance(request: Request) -> Response:
        try:
            minutes = float(request.query_params.get("minutes", "1"))
        except ValueError:
            return _error(400, "minutes must be a number")
        if minutes < 0:
            return _error(400, "minutes must be >= 0")
        applied = state.advance(minutes)
        return JSONResponse({"now": iso(state.world.now), "events": applied})

    async def flush(request: Request) -> Response:
        return JSONResponse(await state.flush_push())

    async def info(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        urls = {mp: f"{base}/{mp}" for mp in MARKETPLACES}
        body = {
            "now": iso(state.world.now),
            "urls": urls,
            "credentials": state.config.credentials.as_dict(),
        }
        return JSONResponse(body)

    return [
        Route("/truth", truth, methods=["GET"]),
        Route("/buyers", buyers, methods=["GET"]),  # questions, reviews and their answers
        Route("/truth/shared-stock", shared, methods=["GET"]),
        Route("/finance", finance, methods=["GET"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/faults", faults, methods=["GET", "POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/advance", advance, methods=["POST"]),
        Route("/push/flush", flush, methods=["POST"]),
        Route("/info", info, methods=["GET"]),
    ]
