"""End-to-end fixtures: a webhook receiver and an SMTP sink on 127.0.0.1, free ports."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ready(port: int, timeout: float = 5.0) -> bool:
    """Whether ``mpsync run`` on *port* answers ``/readyz`` with 200 (patient: busy CI)."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got: lower-cased headers and the raw body bytes."""

    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookSink:
    url: str = ""
    delay: float = 0.0  # seconds each answer takes: widens the window a crash can hit
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    sink = WebhookSink()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with sink.lock:
                sink.deliveries.append(Delivery(headers, body))
            if sink.delay:
                time.sleep(sink.delay)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                return  # the sender died mid-request (a SIGKILL test): nobody to answer

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpSink:
    port: int = 0
    mails: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
