"""The digest arrives at a local SMTP server and a fake Telegram API, with a PNG chart that
decodes, in each channel's language, exactly once per period across a daemon restart."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, text

from mpsync.analytics.digest import due_period
from mpsync.config import Settings, load_config_data
from mpsync.daemon import Daemon
from tests.analytics import dataset

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
aiosmtpd = pytest.importorskip("aiosmtpd.controller")

# 10:00 in Moscow on March 16: the daily digest of March 15 (O4: 1 order, 900.00) is due.
NOW = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.original_content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class FakeTelegram(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[str, dict[str, bytes]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        form = BytesParser(policy=policy.default).parsebytes(head + body)
        fields = {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                  for part in form.iter_parts()} if form.is_multipart() else {"json": body}  # fmt: skip
        FakeTelegram.calls.append((self.path, fields))
        answer = json.dumps({"ok": True, "result": {"message_id": len(FakeTelegram.calls)}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def telegram() -> Iterator[str]:
    FakeTelegram.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTelegram)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), _free_port()
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _settings(store_url: str, smtp_port: int, telegram: str) -> Settings:
    return load_config_data({
        "store": {"url": store_url},
        "display": {"timezone": dataset.ZONE},
        "analytics": {"digest": "daily", "digest_at": "09:00"},
        "notifications": {
            "channels": [
                {"name": "mail", "type": "email", "language": "en", "host": "127.0.0.1",
                 "port": smtp_port, "security": "none", "from": "mpsync@example.com",
                 "to": "seller@example.com"},
                {"name": "tg", "type": "telegram", "language": "ru", "bot_token": "123:abc",
                 "chat_id": 42, "api_base_url": telegram},
            ],
            "rules": [{"events": ["report.digest"], "channels": ["mail", "tg"]}],
        },
    }, env={})  # fmt: skip


async def _run_daemon(store: Engine, settings: Settings, done: Any) -> Daemon:
    daemon = Daemon(store, settings, clock=lambda: NOW, serve_http=False)
    task = asyncio.create_task(daemon.run())
    for _ in range(600):  # 30 s at most
        await asyncio.sleep(0.05)
        if done(daemon):
            break
    daemon.request_stop()
    await asyncio.wait_for(task, timeout=30)
    return daemon


async def test_digest_once_per_period_across_a_restart(
    store: Engine, store_url: str, mailbox: tuple[Mailbox, int], telegram: str
) -> None:
    dataset.load(store)
    box, port = mailbox
    settings = _settings(store_url, port, telegram)
    await _run_daemon(store, settings, lambda d: box.mails and FakeTelegram.calls)
    assert len(box.mails) == 1 and len(FakeTelegram.calls) == 1

    path, fields = FakeTelegram.calls[0]
    assert path == "/bot123:abc/sendPhoto" and fields["chat_id"] == b"42"
    caption = fields["caption"].decode()
    assert caption.startswith("Сводка за 2026-03-15") and "Заказы: 1" in caption
    assert "900,00\u00a0₽" in caption
    picture = Image.open(io.BytesIO(fields["photo"]))
    picture.load()
    assert picture.format == "PNG" and picture.size[0] > 200

    mail = box.mails[0]
    assert mail["Subject"] == "Digest for 2026-03-15"
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    content = html.get_content()
    assert "<table" in content and "Revenue" in content and "900.00\u00a0₽" in content
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and f"cid:{images[0]['Content-ID'][1:-1]}" in content
    Image.open(io.BytesIO(images[0].get_content())).load()

    # A restart at the same moment finds the period's keys: nothing new is sent.
    again = await _run_daemon(store, settings, lambda d: d.stats.digest_checks)
    assert again.stats.digest_checks >= 1
    await asyncio.sleep(0.3)
    assert len(box.mails) == 1 and len(FakeTelegram.calls) == 1
    with store.connect() as connection:
        rows = connection.execute(text(
            "SELECT dedupe_key, state FROM outbox ORDER BY dedupe_key")).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [("report.digest:2026-03-15:mail", "sent"),
                                        ("report.digest:2026-03-15:tg", "sent")]  # fmt: skip


def test_due_periods_daily_and_weekly() -> None:
    daily = load_config_data({"display": {"timezone": dataset.ZONE}}, env={})
    assert due_period(daily, NOW).label == "2026-03-15"  # 10:00 MSK, after 09:00
    early = datetime(2026, 3, 16, 5, 0, tzinfo=UTC)  # 08:00 MSK: yesterday's is not due yet
    assert due_period(daily, early).label == "2026-03-14"
    weekly = load_config_data({"display": {"timezone": dataset.ZONE},
                               "analytics": {"digest": "weekly"}}, env={})  # fmt: skip
    assert due_period(weekly, NOW).label == "2026-03-09..2026-03-15"  # Monday 10:00
    assert due_period(weekly, early).label == "2026-03-02..2026-03-08"  # Monday 08:00
    with pytest.raises(Exception, match="digest_at"):
        load_config_data({"analytics": {"digest_at": "25:00"}}, env={})
