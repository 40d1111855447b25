"""Network failures told apart: DNS, refused, TLS, timeout — with the host and what to check.

``describe`` turns an httpx transport error into one line and says whether waiting can
help: an unknown host, a closed port or an untrusted certificate stay that way (fatal),
a timeout or a dropped connection may not (retriable).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

_TRANSIENT_DNS = {socket.EAI_AGAIN}


@dataclass(frozen=True)
class NetworkFailure:
    message: str
    retriable: bool


def describe(exc: httpx.TransportError, url: str, timeout: httpx.Timeout) -> NetworkFailure:
    """What went wrong talking to *url*'s host, in one line that says what to check."""
    where = _host_port(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return NetworkFailure(
            f"{where}: no connection within {timeout.connect:g}s (connect timeout); check the "
            "network, a firewall or proxy on the way, and the host (api_base_url)",
            True,
        )
    if isinstance(exc, httpx.TimeoutException):
        return NetworkFailure(
            f"{where}: no answer within {timeout.read:g}s (read timeout); the marketplace is "
            "slow or the connection stalled",
            True,
        )
    for cause in _causes(exc):
        found = _classify(cause, where)
        if found is not None:
            return found
    return NetworkFailure(
        f"{where}: connection failed ({type(exc).__name__}: {exc}); check "
        "the network and the host (api_base_url)",
        True,
    )


def _classify(cause: BaseException, where: str) -> NetworkFailure | None:
    if isinstance(cause, socket.gaierror):
        host = where.rsplit(":", 1)[0]
        return NetworkFailure(
            f"{host}: DNS lookup failed ({cause.strerror or cause}); check the host name "
            "(api_base_url) and this machine's DNS",
            cause.errno in _TRANSIENT_DNS,
        )
    if isinstance(cause, ConnectionRefusedError):
        return NetworkFailure(
            f"{where}: connection refused (nothing listens there); check the host and port "
            "(api_base_url) and that the service is up",
            False,
        )
    if isinstance(cause, ssl.SSLCertVerificationError):
        return NetworkFailure(
            f"{where}: TLS certificate not trusted ({_verify_reason(cause)}); check the "
            "system CA certificates, the clock, or a proxy that intercepts TLS",
            False,
        )
    if isinstance(cause, ssl.SSLError):
        return NetworkFailure(
            f"{where}: TLS handshake failed ({cause.reason or cause}); check that the URL's "
            "scheme and port speak HTTPS, or a proxy that intercepts TLS",
            False,
        )
    if isinstance(cause, ConnectionResetError | BrokenPipeError):
        return NetworkFailure(f"{where}: connection reset by the server", True)
    if isinstance(cause, OSError) and cause.errno is not None:
        return NetworkFailure(
            f"{where}: network error ({cause.strerror}); check this machine's network and routes",
            True,
        )
    return None


def _verify_reason(cause: ssl.SSLCertVerificationError) -> str:
    return str(getattr(cause, "verify_message", None) or cause)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """*exc*'s cause and context chain, outermost first, each once."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
        stack += list(getattr(current, "exceptions", ()))


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"
