"""ASGI app: ``POST /webhooks/{account}/{token}[/notification]``, ``/healthz``, ``/readyz``.

A push is authenticated (constant-time token, optional IP allowlist), bounded
in size, parsed by the account's connector, stored in the inbox and only then
answered in the marketplace's format; processing happens afterwards.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from mpsync.config import AccountConfig, Settings
from mpsync.connector.base import Connector
from mpsync.connector.errors import PushError
from mpsync.metrics import PushMetrics
from mpsync.sync.inbox import store_events

log = structlog.get_logger("mpsync.webhooks")


@dataclass
class WebhookContext:
    engine: Engine
    settings: Settings
    connector: Callable[[AccountConfig], Connector]
    clock: Callable[[], datetime]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    ready: Callable[[], bool] = lambda: True
    metrics: Callable[[], tuple[bytes, str]] | None = None
    observer: Any = None  # a ``mpsync.metrics.Metrics``: pushes counted by their answer


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _client_ip(request: Request, settings: Settings) -> str | None:
    header = settings.server.trusted_proxy_header
    if header and request.headers.get(header):
        return request.headers[header].split(",")[0].strip()
    return request.client.host if request.client else None


def _ip_allowed(ip: str | None, allowed: list[str]) -> bool:
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allowed)


def _find_account(settings: Settings, account_id: str) -> AccountConfig | None:
    return next((a for a in settings.accounts if a.id == account_id), None)


def create_app(ctx: WebhookContext) -> ASGIApp:
    async def webhook(request: Request) -> Response:
        account = _find_account(ctx.settings, request.path_params["account"])
        if account is None or account.webhook.token is None:
            return _error(404, "NOT_FOUND", "unknown account or pushes not enabled for it")
        expected = account.webhook.token.get_secret_value().encode()
        if not hmac.compare_digest(request.path_params["token"].encode(), expected):
            log.warning("push rejected: bad token", account=account.id)
            return _error(403, "FORBIDDEN", "invalid push token")
        if not _ip_allowed(_client_ip(request, ctx.settings), account.webhook.allowed_ips):
            log.warning("push rejected: source address not allowed", account=account.id)
            return _error(403, "FORBIDDEN", "source address not allowed")
        try:
            body = await _read_body(request, ctx.settings.server.max_body_bytes)
        except _TooLarge:
            return _error(413, "PAYLOAD_TOO_LARGE", "push body too large")
        return await _accept(ctx, account, dict(request.headers), body)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ok = ctx.ready() and await asyncio.to_thread(_store_reachable, ctx.engine)
        return JSONResponse({"ready": ok}, status_code=200 if ok else 503)

    async def metrics(_: Request) -> Response:
        if ctx.metrics is None:
            return PlainTextResponse("", status_code=404)
        payload, content_type = await asyncio.to_thread(ctx.metrics)
        return Response(payload, media_type=content_type)

    routes = [
        Route("/webhooks/{account}/{token}", webhook, methods=["POST"]),
        Route("/webhooks/{account}/{token}/notification", webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    return app if ctx.observer is None else PushMetrics(app, ctx.observer)


async def _accept(ctx: WebhookContext, account: AccountConfig, headers: dict[str, str],
                  body: bytes) -> Response:  # fmt: skip
    try:
        parsed = ctx.connector(account).parse_push(headers, body)
    except PushError as exc:
        log.warning("push rejected: malformed", account=account.id, reason=str(exc))
        return JSONResponse(dict(exc.response), status_code=exc.status_code)
    except Exception as exc:  # noqa: BLE001 - a push must never produce a 500
        log.warning("push rejected: unparseable", account=account.id, error=type(exc).__name__)
        return _error(400, "BAD_REQUEST", "malformed push body")
    try:
        new = await asyncio.to_thread(store_events, ctx.engine, account.id, parsed.events,
                                      ctx.clock())  # fmt: skip
    except SQLAlchemyError as exc:
        log.error("push not stored: store unavailable", account=account.id, error=str(exc)[:200])
        return _error(503, "UNAVAILABLE", "temporarily unavailable, retry later")
    if new:
        ctx.wake.set()
    log.info("push accepted", account=account.id, events=len(parsed.events), new=new)
    return JSONResponse(parsed.response, status_code=parsed.status_code)


def _store_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
