"""ASGI app: ``POST /webhooks/{account}/{token}[/notification]``, ``/healthz``, ``/readyz``.

A push is authenticated (constant-time token, optional IP allowlist), bounded
in size, parsed by the account's connector, stored in the push queue and only then
answered in the marketplace's format; processing happens afterwards. Whatever the
bytes, the answer is a 2xx or a 4xx; a 503 only when the store is down (a retry can
then succeed). An unknown account and a wrong token get the same 403, so account ids
cannot be told apart from the outside.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime

import structlog
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from mpsync.config import AccountConfig, Settings
from mpsync.connector import pushbody
from mpsync.connector.base import Connector, PushEvent
from mpsync.connector.errors import PushError
from mpsync.metrics import PushMetrics
from mpsync.observe import PushObserver
from mpsync.runtime import Runtime
from mpsync.sync.pushes import store_events

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
    observer: PushObserver | None = None  # pushes counted by their answer (the metrics)

    @classmethod
    def of(cls, runtime: Runtime, *, ready: Callable[[], bool] = lambda: True,
           metrics: Callable[[], tuple[bytes, str]] | None = None) -> WebhookContext:  # fmt: skip
        """The webhook server's context over a runtime: its store, settings, connectors,
        clock, and its observer counting the pushes."""
        return cls(runtime.engine, runtime.settings, runtime.connectors.connector, runtime.clock,
                   ready=ready, metrics=metrics, observer=runtime.observer)  # fmt: skip


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
    return any(address in network for network in _networks(allowed))


def _networks(allowed: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allowlist's networks; ``check`` rejects a bad entry, here it matches nothing."""
    networks = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


_NO_TOKEN = b"\x00" * 32  # compared against when there is no account: same work, same answer


def _find_account(settings: Settings, account_id: str) -> AccountConfig | None:
    return next((a for a in settings.accounts if a.id == account_id), None)


def create_app(ctx: WebhookContext) -> ASGIApp:
    async def webhook(request: Request) -> Response:
        try:
            return await _webhook(ctx, request)
        except Exception as exc:  # noqa: BLE001 - whatever a push holds, it gets no 500
            log.error("push rejected: unexpected failure", account=_safe_account(request),
                      error=type(exc).__name__)  # fmt: skip
            return _error(400, "BAD_REQUEST", "the push could not be accepted")

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


def _safe_account(request: Request) -> str:
    return str(request.path_params.get("account", ""))[:64].encode("utf-8", "replace").decode()


async def _webhook(ctx: WebhookContext, request: Request) -> Response:
    account = _find_account(ctx.settings, request.path_params["account"])
    token = account.webhook.token if account is not None else None
    expected = token.get_secret_value().encode() if token is not None else _NO_TOKEN
    given = request.path_params["token"].encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(given, expected) or account is None or token is None:
        log.warning("push rejected: unknown account or bad token",
                    account=account.id if account else "unknown")  # fmt: skip
        return _error(403, "FORBIDDEN", "unknown push address or invalid token")
    if not _ip_allowed(_client_ip(request, ctx.settings), account.webhook.allowed_ips):
        log.warning("push rejected: source address not allowed", account=account.id)
        return _error(403, "FORBIDDEN", "source address not allowed")
    try:
        body = await _read_body(request, ctx.settings.server.max_body_bytes)
    except _TooLarge:
        return _error(413, "PAYLOAD_TOO_LARGE", "push body too large")
    except ClientDisconnect:
        log.warning("push rejected: the client left before sending its body", account=account.id)
        return _error(400, "BAD_REQUEST", "the body ended before its declared length")
    return await _accept(ctx, account, dict(request.headers), body)


def _unstorable(events: list[PushEvent]) -> str | None:
    """Why *events* cannot be stored (a connector let a hostile value through), or None."""
    try:
        pushbody.check([{f.name: getattr(e, f.name) for f in fields(e)} for e in events])
    except pushbody.UnstorableBody as exc:
        return str(exc)
    return None


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
    reason = _unstorable(parsed.events)
    if reason is not None:
        log.warning("push rejected: unstorable", account=account.id, reason=reason)
        return _error(400, "BAD_REQUEST", f"malformed push body: {reason}")
    try:
        new = await asyncio.to_thread(store_events, ctx.engine, account.id, parsed.events,
                                      ctx.clock())  # fmt: skip
    except (DataError, IntegrityError) as exc:  # this body can never be stored: no retry
        log.warning("push rejected: unstorable", account=account.id, error=type(exc.orig).__name__)
        return _error(400, "BAD_REQUEST", "malformed push body")
    except SQLAlchemyError as exc:
        log.error("push not stored: store unavailable", account=account.id,
                  error=type(exc).__name__)  # fmt: skip
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
