"""Issue 13 point 6: a network failure names the host, the kind of failure and what to check.

DNS, refused, TLS and timeout are told apart; the ones waiting cannot fix (unknown
host, closed port, untrusted certificate) fail at once instead of after every retry.
"""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest
from connector_helpers import RecordingSleep
from mpsync_connectors.wildberries import WildberriesConnector

from mpsync.config import AccountConfig
from mpsync.connector.errors import NetworkError, RetriesExhausted
from mpsync.connector.http import HttpClient, default_timeout
from mpsync.connector.limits import Parallel


def _raising(error: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return httpx.MockTransport(handler)


def _wrapped(cause: BaseException) -> httpx.ConnectError:
    """What httpx raises: a ConnectError whose cause is the socket's own error."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError("All connection attempts failed") from inner
    except httpx.ConnectError as outer:
        return outer


def _client(transport: httpx.AsyncBaseTransport, sleep: RecordingSleep) -> HttpClient:
    return HttpClient(marketplace="m", headers={}, limits={"g": Parallel(1)},
                      transport=transport, sleep=sleep)  # fmt: skip


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_wrapped(socket.gaierror(socket.EAI_NONAME, "Name or service not known")),
         "api.example.test: DNS lookup failed (Name or service not known); check the host"),
        (_wrapped(ConnectionRefusedError(111, "Connect call failed")),
         "api.example.test:443: connection refused (nothing listens there)"),
        (_wrapped(ssl.SSLCertVerificationError(1, "certificate verify failed")),
         "api.example.test:443: TLS certificate not trusted"),
    ],
)  # fmt: skip
async def test_failures_waiting_cannot_fix_fail_at_once_naming_host(
    error: Exception, expected: str
) -> None:
    sleep = RecordingSleep()
    client = _client(_raising(error), sleep)
    with pytest.raises(NetworkError) as caught:
        await client.request("GET", "https://api.example.test/api/v3/orders", group="g")
    assert expected in str(caught.value) and "GET /api/v3/orders" in str(caught.value)
    assert sleep.waits == []  # no retries, no silence
    await client.aclose()


async def test_timeouts_are_retried_then_named() -> None:
    sleep = RecordingSleep()
    client = _client(_raising(httpx.ConnectTimeout("timed out")), sleep)
    with pytest.raises(RetriesExhausted) as caught:
        await client.request("GET", "http://10.0.0.1:8800/x", group="g")
    assert "10.0.0.1:8800: no connection within 5s (connect timeout)" in str(caught.value)
    assert len(sleep.waits) == 4
    await client.aclose()


def test_connect_timeout_is_5s_by_default_and_configurable() -> None:
    assert default_timeout().connect == 5.0
    account = AccountConfig(id="w", marketplace="wildberries", token="t",
                            timeout={"connect": "2s", "read": "1m"})  # fmt: skip
    connector = WildberriesConnector(account)
    timeout = connector.http._client.timeout
    assert (timeout.connect, timeout.read) == (2.0, 60.0)
    assert AccountConfig(id="w", marketplace="ozon").timeout.connect.total_seconds() == 5


async def test_a_closed_local_port_is_refused_quickly() -> None:
    with socket.socket() as probe:  # a port nothing listens on, on loopback only
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = RecordingSleep()
    client = HttpClient(marketplace="m", headers={}, limits={"g": Parallel(1)}, sleep=sleep)
    with pytest.raises(NetworkError, match=rf"127\.0\.0\.1:{port}: connection refused"):
        await client.request("GET", f"http://127.0.0.1:{port}/ping", group="g")
    assert sleep.waits == []
    await client.aclose()
