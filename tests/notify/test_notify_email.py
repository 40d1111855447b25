"""The email channel against a real aiosmtpd server on 127.0.0.1: plain, AUTH, STARTTLS, SSL.

A throwaway self-signed certificate (openssl CLI) serves the TLS cases.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mpsync.config import ChannelConfig
from mpsync.notify import OutgoingMessage, build_channel, send_test
from mpsync.notify.channels.smtp import message_id

PASSWORD = "s3cret-pass"


@dataclass
class Sink:
    mails: list[EmailMessage] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.original_content, policy=policy.default))
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.tls.append(encrypted or session.ssl is not None)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
        if ok:
            self.logins.append(auth_data.login)
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed: TLS cases need a throwaway certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture
def smtp(request: pytest.FixtureRequest) -> Iterator[tuple[Sink, int]]:
    """An SMTP server; ``request.param`` holds extra Controller keyword arguments."""
    sink, port = Sink(), free_port()
    extra = dict(getattr(request, "param", {}))
    if extra.pop("auth", False):
        extra.update(authenticator=sink.authenticate, auth_require_tls=False)
    controller = Controller(sink, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def channel(port: int, **options: Any) -> Any:
    config = {
        "name": "mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from": "robot@shop.example",
        "to": ["seller@shop.example"],
        "timeout": 5,
        **options,
    }
    return build_channel(ChannelConfig.model_validate(config))


def note(key: str = "ev-1:mail", kind: str = "order.created", **payload: Any) -> OutgoingMessage:
    return OutgoingMessage(key, kind, "Новый заказ 42", "Итого: 990,00 ₽", payload)


async def test_plain_delivery_with_message_id_from_dedupe_key(smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    mail = channel(port)
    assert (await mail.send(note())).ok
    assert (await mail.send(note())).ok  # a redelivery is the same mail
    first, second = sink.mails
    assert first["Subject"] == "Новый заказ 42"
    assert first["To"] == "seller@shop.example"
    assert "990,00 ₽" in first.get_content()
    assert (
        first["Message-ID"] == second["Message-ID"] == message_id("ev-1:mail", "robot@shop.example")
    )
    assert first["Message-ID"].endswith("@shop.example>")
    assert sink.tls == [False, False]


@pytest.mark.parametrize("smtp", [{"auth": True}], indirect=True)
async def test_login_then_wrong_password_is_permanent(smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    ok = await channel(port, username="robot", password=PASSWORD).send(note())
    assert ok.ok and sink.logins == [b"robot"] and len(sink.mails) == 1
    bad = await channel(port, username="robot", password="wrong-one").send(note())
    assert not bad.ok and bad.permanent and bad.detail == "SMTP error 535"
    assert "wrong-one" not in bad.detail and len(sink.mails) == 1


async def test_starttls_with_auth(certificate: tuple[Path, Path]) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=sink.authenticate,
    )
    controller.start()
    try:
        mail = channel(
            port,
            security="starttls",
            username="robot",
            password=PASSWORD,
            ca_file=str(certificate[0]),
        )
        result = await mail.send(note())
    finally:
        controller.stop()
    assert result.ok, result.detail
    assert sink.tls == [True] and sink.logins == [b"robot"]


async def test_implicit_ssl(certificate: tuple[Path, Path]) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, ssl_context=server_context(certificate)
    )
    controller.start()
    try:
        result = await channel(port, security="ssl", ca_file=str(certificate[0])).send(note())
    finally:
        controller.stop()
    assert result.ok, result.detail
    assert sink.tls == [True]


async def test_untrusted_certificate_fails_retriably(certificate: tuple[Path, Path]) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, ssl_context=server_context(certificate)
    )
    controller.start()
    try:
        result = await channel(port, security="ssl").send(note())
    finally:
        controller.stop()
    assert not result.ok and not result.permanent and sink.mails == []


async def test_invoice_pdf_is_attached(smtp: tuple[Sink, int], tmp_path: Path) -> None:
    sink, port = smtp
    pdf = tmp_path / "INV-2025-000001.pdf"
    pdf.write_bytes(b"%PDF-1.4 fake invoice")
    invoice = {"number": "INV-2025-000001", "total": "990.00", "pdf_path": str(pdf)}
    assert (await channel(port).send(note(kind="invoice.issued", invoice=invoice))).ok
    attachments = list(sink.mails[0].iter_attachments())
    assert [a.get_filename() for a in attachments] == ["INV-2025-000001.pdf"]
    assert attachments[0].get_content() == b"%PDF-1.4 fake invoice"


async def test_unreachable_server_is_retriable() -> None:
    result = await channel(free_port()).send(note())
    assert not result.ok and not result.permanent and result.detail


async def test_send_test_message(smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    assert (await send_test(channel(port))).ok
    assert sink.mails[0]["Subject"] == "Тестовое сообщение mpsync"
    assert "«mail»" in sink.mails[0].get_content()


def test_a_cr_in_the_subject_does_not_break_the_mail() -> None:
    """Issue #12, Why 7: a CR in a subject raised in the email channel (a header is one
    line); the subject is folded to one line instead."""
    message = OutgoingMessage("ev-9:mail", "order.created", "Новый заказ 42\r\nBcc: x@y", "b", {})
    mail = channel(25).compose(message)
    assert mail["Subject"] == "Новый заказ 42 Bcc: x@y" and "Bcc" not in mail
