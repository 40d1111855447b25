"""Approving a draft answer by replying to its e-mail, on SQLite and PostgreSQL.

The draft's mail really goes out (aiosmtpd on 127.0.0.1) with the Message-ID mpsync gave
it; the seller's replies wait in a small IMAP4rev1 server on 127.0.0.1
(``tests/inbox/imap_server.py``); answers to buyers go to a recording ``marketplace``
channel through the outbox, as the daemon sends them. Time is fixed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, create_engine, select
from structlog.testing import capture_logs

from mpsync.config import ChannelConfig, Settings, load_config_data
from mpsync.coordination import Coordinator
from mpsync.domain import BuyerMessageRecord
from mpsync.inbox.answers import CHANNEL, apply_rules
from mpsync.inbox.mailbox import MailboxError, MailReplies, mail_readers
from mpsync.inbox.store import MESSAGES
from mpsync.mapping import MappedPage
from mpsync.notify import DeliveryResult, Dispatcher, OutgoingMessage, build_channels
from mpsync.notify.channels.smtp import message_id
from mpsync.notify.outbox import OUTBOX
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page
from tests.inbox.imap_server import PASSWORD, USER, ImapServer
from tests.notify.test_notify_email import Sink, certificate, free_port, server_context

__all__ = ["certificate"]  # the test certificate fixture (openssl CLI)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SELLER = "seller@shop.example"
DRAFT = "Здравствуйте! Доставим за 1–3 дня."


@dataclass
class Marketplace:
    """The ``marketplace`` channel, recording each answer it is asked to send."""

    name: str = CHANNEL
    language: str = "ru"
    accepts_replies: bool = False
    sent: list[str] = field(default_factory=list)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.sent.append(str(message.payload["text"]))
        return DeliveryResult(True, "answered")

    async def aclose(self) -> None:
        return None


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with ImapServer() as server:
        yield server


@dataclass
class World:
    store: Engine
    settings: Settings
    sink: Sink
    imap: ImapServer
    marketplace: Marketplace
    message: int

    async def dispatch(self) -> None:
        channels = {**build_channels(self.settings), CHANNEL: self.marketplace}
        dispatcher = Dispatcher(self.store, self.settings, channels, clock=lambda: NOW)
        await dispatcher.run_once()

    def reader(self, coordinator: Coordinator | None = None) -> MailReplies:
        (reader,) = mail_readers(self.store, self.settings, clock=lambda: NOW,
                                 coordinator=coordinator)  # fmt: skip
        return reader

    def draft_mail(self) -> EmailMessage:
        return self.sink.mails[0]

    def state(self) -> str:
        with self.store.connect() as connection:
            query = select(MESSAGES.c.state).where(MESSAGES.c.id == self.message)
            return str(connection.execute(query).scalar_one())


def _settings(store_url: str, smtp_port: int, imap_port: int) -> Settings:
    mail = {
        "name": "mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": smtp_port,
        "security": "none",
        "from": "mpsync <robot@shop.example>",
        "to": [f"Продавец <{SELLER}>"],
        "timeout": 5,
        "imap": {
            "host": "127.0.0.1",
            "port": imap_port,
            "security": "none",
            "username": USER,
            "password": PASSWORD,
            "every": "1m",
            "timeout": 5,
        },
    }
    rule = {
        "name": "delivery",
        "kinds": ["question"],
        "match": ["доставка"],
        "template": DRAFT,
        "mode": "draft",
    }
    return load_config_data({
        "store": {"url": store_url},
        "accounts": [{"id": "wb", "marketplace": "wildberries", "token": "t"}],
        "notifications": {"channels": [mail],
                          "rules": [{"events": ["inbox.draft"], "channels": ["mail"]}]},
        "answers": {"rules": [rule]},
    }, env={})  # fmt: skip


@pytest.fixture
def world(store: Engine, store_url: str, smtp: tuple[Sink, int], imap: ImapServer) -> World:
    settings = _settings(store_url, smtp[1], imap.port)
    record = BuyerMessageRecord.model_validate({
        "account_id": "wb", "kind": "question", "external_id": "q1", "author": "Анна",
        "created_at": NOW - timedelta(hours=3), "sku": "MUG-1", "text": "Когда доставка?"})  # fmt: skip
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "wb", "marketplace": "wildberries",  # type: ignore[attr-defined]
                    "created_at": NOW}], ["id"], update=[], returning=None)  # fmt: skip
        write_page(connection, None, PageTarget("wb", "wildberries", "questions", "question"),
                   MappedPage(records=[record]), now=NOW)  # fmt: skip
        drafted = apply_rules(connection, settings, now=NOW).drafted
    assert len(drafted) == 1
    world = World(store, settings, smtp[0], imap, Marketplace(), drafted[0])
    asyncio.run(world.dispatch())  # the draft's mail goes out
    return world


def reply(world: World, body: str, *, sender: str = f"Продавец <{SELLER}>",
          in_reply_to: str | None = None, number: int = 1) -> int:  # fmt: skip
    """A reply to the draft's mail, the draft quoted below *body*, put into the mailbox."""
    draft = world.draft_mail()
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "robot@shop.example"
    mail["Subject"] = f"Re: {draft['Subject']}"
    mail["Message-ID"] = f"<reply-{number}@shop.example>"
    mail["In-Reply-To"] = in_reply_to or draft["Message-ID"]
    mail["References"] = in_reply_to or draft["Message-ID"]
    quoted = "\n".join(f"> {line}" for line in draft.get_content().splitlines())
    mail.set_content(f"{body}\n\nOn Wed, 2 Dec 2026 at 12:00, mpsync <robot@shop.example> "
                     f"wrote:\n{quoted}\n")  # fmt: skip
    return world.imap.box.add(mail.as_bytes())


def test_a_draft_rule_sends_nothing_until_the_reply_ok_then_the_draft_once(world: World) -> None:
    draft = world.draft_mail()
    assert "Ответьте «ок», чтобы отправить" in draft.get_content()  # the invitation
    assert world.marketplace.sent == [] and world.state() == "draft"
    reader = world.reader()
    assert reader.poll_once().looked == 0  # nothing in the mailbox: nothing sent
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == []

    uid = reply(world, "Ок!")
    stats = reader.poll_once()
    assert stats.acted == [world.message] and stats.outcomes == ["approved"]
    assert stats.duplicates == 0
    assert world.imap.box.seen(uid)
    assert world.imap.box.logins == [USER, USER]
    asyncio.run(world.dispatch())
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == [DRAFT]  # one answer: the draft as written
    _, confirmed = world.sink.mails  # and one mail in the seller's thread says so
    assert confirmed["In-Reply-To"] == "<reply-1@shop.example>"
    assert confirmed["Subject"].startswith(f"Re: {draft['Subject']}")
    assert "принят и отправляется на маркетплейс" in confirmed.get_content()
    assert reader.poll_once().looked == 0  # flagged \Seen: not looked at again


def test_the_sellers_own_text_above_the_quote_is_sent_without_the_quote(world: World) -> None:
    reply(world, "Привезём завтра до 18:00.\nСпасибо, что выбрали нас!\n-- \nИван, магазин")
    assert world.reader().poll_once().outcomes == ["answered"]
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == ["Привезём завтра до 18:00.\nСпасибо, что выбрали нас!"]


def test_a_reply_no_declines_a_text_in_the_same_thread_answers_later(world: World) -> None:
    reply(world, "Нет")
    reader = world.reader()
    assert reader.poll_once().outcomes == ["declined"]
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == [] and world.state() == "draft"
    confirmed = world.sink.mails[1]
    assert "отклонён и не отправлен" in confirmed.get_content()
    # The seller answers the confirmation: its References still name the draft's mail.
    assert world.draft_mail()["Message-ID"] in confirmed["References"]
    later = EmailMessage()
    later["From"], later["Subject"] = SELLER, f"Re: {confirmed['Subject']}"
    later["Message-ID"] = "<reply-2@shop.example>"
    later["In-Reply-To"] = confirmed["Message-ID"]
    later["References"] = f"{confirmed['References']} {confirmed['Message-ID']}"
    later.set_content("Привезём в пятницу.\n\n> " + confirmed.get_content())
    world.imap.box.add(later.as_bytes())
    assert reader.poll_once().outcomes == ["answered"]
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == ["Привезём в пятницу."]


class Refusing:
    """A connector whose marketplace refuses every answer (after the core's checks)."""

    async def read_message(self, ref: Any) -> None:
        return None

    async def answer(self, ref: Any, text: str) -> Any:
        from mpsync.connector.errors import FatalError

        raise FatalError("400: the answer contains a link")


def test_an_approved_draft_the_marketplace_refuses_is_told_in_the_sellers_thread(
    world: World,
) -> None:
    from mpsync.inbox.channel import AnswerChannel

    reply(world, "ок")
    assert world.reader().poll_once().outcomes == ["approved"]
    connector: Any = Refusing()
    refusing = AnswerChannel(world.store, world.settings, lambda _: connector, lambda _: None,
                             lambda: NOW)  # fmt: skip
    channels = {**build_channels(world.settings), CHANNEL: refusing}
    for _ in range(2):
        asyncio.run(Dispatcher(world.store, world.settings, channels, clock=lambda: NOW).run_once())
    assert world.state() == "draft"  # the text is back, with the marketplace's reason
    refused = world.sink.mails[-1]
    assert len(world.sink.mails) == 3  # the draft, the confirmation, the refusal
    assert "не отправлен" in refused.get_content() and "contains a link" in refused.get_content()
    assert refused["In-Reply-To"] == "<reply-1@shop.example>"  # in the seller's thread
    # A fixed text sent in reply to the refusal answers the message.
    fixed = EmailMessage()
    fixed["From"], fixed["Subject"] = SELLER, f"Re: {refused['Subject']}"
    fixed["Message-ID"], fixed["In-Reply-To"] = "<reply-2@shop.example>", refused["Message-ID"]
    fixed.set_content("Доставим за 1–3 дня.\n\n> " + refused.get_content())
    world.imap.box.add(fixed.as_bytes())
    assert world.reader().poll_once().outcomes == ["answered"]
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == ["Доставим за 1–3 дня."]


def test_a_stranger_an_unknown_draft_and_other_mail_change_nothing(world: World) -> None:
    stranger = reply(world, "ок", sender="Продавец <seller@shop.example.evil.test>", number=1)
    # Whoever knows the account, the message, the draft's text and the channel can compute
    # the draft's outbox key; the mail's id is not derived from it alone (it is random).
    with world.store.connect() as connection:
        key = connection.execute(select(OUTBOX.c.dedupe_key).where(
            OUTBOX.c.event_kind == "inbox.draft")).scalar_one()  # fmt: skip
    guessed = message_id(key, "robot@shop.example")
    assert guessed != world.draft_mail()["Message-ID"]
    unknown = reply(world, "ок", in_reply_to=guessed, number=2)
    other = EmailMessage()
    other["From"], other["Subject"] = SELLER, "Счёт"
    other.set_content("Пришлите счёт")
    foreign = world.imap.box.add(other.as_bytes())
    reader = world.reader()
    with capture_logs() as logs:
        stats = reader.poll_once()
    assert stats.acted == [] and stats.foreign == 1
    assert stats.rejected == {"not from a recipient": 1, "unknown draft": 1}
    ignored = [e for e in logs if e["event"] == "mail reply ignored"]
    assert sorted(e["reason"] for e in ignored) == ["not from a recipient", "unknown draft"]
    assert "evil" not in repr(logs) and "ок" not in repr(logs) and SELLER not in repr(logs)
    assert not any(world.imap.box.seen(uid) for uid in (stranger, unknown, foreign))  # unread
    assert foreign not in world.imap.box.downloaded  # only its header was read
    fetched = world.imap.box.commands.count("UID FETCH")
    assert reader.poll_once().looked == 0  # left alone, not fetched and logged again
    assert world.imap.box.commands.count("UID FETCH") == fetched
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == [] and world.state() == "draft"
    assert len(world.sink.mails) == 1  # no confirmation to anyone


def test_a_mail_the_parser_chokes_on_an_undecodable_or_a_huge_one_blocks_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mpsync.inbox import mailbox

    poison = reply(world, "ок", number=1)  # the parser raises on it (CPython has such bugs)
    judge = mailbox.judge

    def choking(mail: Any, raw: bytes, *args: Any) -> Any:
        if b"<reply-1@" in raw:
            raise IndexError("list index out of range")
        return judge(mail, raw, *args)

    monkeypatch.setattr(mailbox, "judge", choking)
    # "ок" in windows-1251, declared utf-8: its bytes cannot be read, so it is not sent
    draft = world.draft_mail()
    mislabelled = (
        f"From: {SELLER}\r\nMessage-ID: <reply-2@shop.example>\r\n"
        f"In-Reply-To: {draft['Message-ID']}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "ок\r\n".encode("cp1251")
    garbled = world.imap.box.add(mislabelled)
    monkeypatch.setattr(mailbox, "MAX_MAIL", 50_000)
    huge = reply(world, "ок\n" + "а" * 60_000, number=4)  # not downloaded, not acted on
    good = reply(world, "Привезём в пятницу.", number=3)
    with capture_logs() as logs:
        stats = world.reader().poll_once()
    assert stats.rejected == {"unreadable mail (IndexError)": 1, "undecodable text": 1,
                              "too large": 1}  # fmt: skip
    assert stats.outcomes == ["answered"] and world.imap.box.seen(good)  # the next mail
    assert not any(world.imap.box.seen(uid) for uid in (poison, garbled, huge))
    assert SELLER not in repr(logs) and "пятниц" not in repr(logs)
    asyncio.run(world.dispatch())
    assert world.marketplace.sent == ["Привезём в пятницу."]


def test_a_reply_seen_again_after_a_crash_before_its_flag_sends_one_answer(world: World) -> None:
    uid = reply(world, "да")
    world.imap.box.drop_on_store = 1  # the connection dies between acting and flagging
    with pytest.raises(MailboxError):
        world.reader().poll_once()
    assert not world.imap.box.seen(uid) and world.state() == "sending"
    again = world.reader().poll_once()  # a restarted daemon sees the mail again
    assert again.acted == [world.message] and world.imap.box.seen(uid)
    assert again.duplicates == 1  # the core knew the reply: nothing was done again
    for _ in range(2):
        asyncio.run(world.dispatch())
    assert world.marketplace.sent == [DRAFT]
    assert len(world.sink.mails) == 2  # the draft and one confirmation


def test_only_one_replica_polls_the_mailbox(world: World) -> None:
    reply(world, "ок")

    async def replicas() -> list[Any]:
        first = Coordinator(world.store, clock=lambda: NOW, role="run")
        second = Coordinator(world.store, clock=lambda: NOW, role="run")
        try:
            one = await world.reader(first).run_once()
            two = await world.reader(second).run_once()  # the unit is first's until due
            return [one, two]
        finally:
            await first.aclose()
            await second.aclose()

    one, two = asyncio.run(replicas())
    assert one is not None and one.acted == [world.message]
    assert two is None
    assert world.imap.box.logins == [USER]


async def test_mpsync_run_reads_the_mailbox_and_acts_on_a_reply(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mpsync.daemon import Daemon

    # No outbox delivery here (the account has no API to send to); the reader alone.
    monkeypatch.setattr(Daemon, "_notification_tasks", lambda self: [])
    settings = world.settings.model_copy(deep=True)
    settings.accounts[0].enabled = False  # no sync jobs
    uid = reply(world, "ок")
    daemon = Daemon(world.store, settings, clock=lambda: NOW, serve_http=False)
    running = asyncio.create_task(daemon.run())
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not world.imap.box.seen(uid):
            assert asyncio.get_running_loop().time() < deadline, "the reply was not handled"
            assert not running.done(), running
            await asyncio.sleep(0.05)
        assert "mail-replies:mail" in daemon.supervisor.snapshot()
    finally:
        daemon.request_stop()
        await asyncio.wait_for(running, timeout=30)
    assert world.state() == "sending"


def _reader(imap: dict[str, Any], **channel: Any) -> MailReplies:
    config = ChannelConfig.model_validate({
        "name": "mail", "type": "email", "host": "127.0.0.1", "from": "robot@shop.example",
        "to": [SELLER], "imap": {"host": "127.0.0.1", "username": USER, "timeout": 5, **imap},
        **channel})  # fmt: skip
    settings = load_config_data({"store": {"url": "sqlite://"}}, env={})
    return MailReplies(create_engine("sqlite://"), settings, config, clock=lambda: NOW)


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_imap_over_tls_checks_the_servers_certificate(
    mode: str, certificate: tuple[Path, Path]
) -> None:
    with ImapServer(tls=mode, context=server_context(certificate)) as server:
        reader = _reader({"port": server.port, "security": mode, "password": PASSWORD},
                         ca_file=str(certificate[0]))  # fmt: skip
        assert reader.poll_once().looked == 0
        assert server.box.logins == [USER] and server.box.encrypted == [True]
        untrusted = _reader({"port": server.port, "security": mode, "password": PASSWORD})
        with pytest.raises(
            MailboxError, match=r"cannot log in to 127\.0\.0\.1: SSLCertVerification"
        ):
            untrusted.poll_once()  # the system CAs do not know the test certificate
        assert server.box.logins == [USER]


async def test_a_refused_login_is_logged_without_the_password(imap: ImapServer) -> None:
    reader = _reader({"port": imap.port, "security": "none", "password": "wrong-s3cret",
                      "every": "1m"})  # fmt: skip
    stop = asyncio.Event()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # time injected: no real wait
        waits.append(seconds)
        if len(waits) == 6:
            stop.set()

    reader.sleep = sleep
    counted: list[str] = []
    reader.observer = SimpleNamespace(reply_read_failed=counted.append)
    with capture_logs() as logs:
        await asyncio.wait_for(reader.serve(stop), timeout=30)
    assert counted == ["mail"] * 6  # each failed read counted (mpsync_reply_read_failures)
    refused = ("cannot log in to 127.0.0.1: the server refused (check imap.username, "
               "imap.password and imap.security)")  # fmt: skip
    assert [(e["event"], e["error"]) for e in logs] == [("mailbox unreadable", refused)] * 6
    assert waits == [60, 120, 240, 480, 900, 900]  # backs off while it stays unreadable
    assert "wrong-s3cret" not in repr(logs) and USER not in repr(logs)
    assert imap.box.logins == []


@pytest.mark.parametrize("password", [PASSWORD, "wrong-s3cret"])
def test_notify_test_checks_the_mailbox_too(
    password: str, tmp_path: Path, smtp: tuple[Sink, int], imap: ImapServer
) -> None:
    from typer.testing import CliRunner

    from mpsync.cli import app

    waiting = imap.box.add(b"From: someone@example.ru\r\nSubject: x\r\n\r\nhello\r\n")
    config = tmp_path / "mpsync.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "store.db"}"

[[notifications.channels]]
name = "mail"
type = "email"
host = "127.0.0.1"
port = {smtp[1]}
security = "none"
from = "robot@shop.example"
to = ["{SELLER}"]

[notifications.channels.imap]
host = "127.0.0.1"
port = {imap.port}
security = "none"
username = "{USER}"
password = "${{IMAP_PASSWORD}}"
""", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(app, ["notify", "test", "mail", "--config", str(config)],
                                env={"IMAP_PASSWORD": password})  # fmt: skip
    assert "mail: sent" in result.output
    if password == PASSWORD:
        assert result.exit_code == 0, result.output
        assert "mail: mailbox ok — 127.0.0.1: INBOX opened, 1 unread" in result.output
    else:
        assert result.exit_code == 1, result.output
        assert ("mail: mailbox FAILED — cannot log in to 127.0.0.1: the server refused (check "
                "imap.username, imap.password and imap.security)") in " ".join(
                    result.output.split())  # fmt: skip
        assert password not in result.output
    assert not imap.box.seen(waiting)  # nothing fetched or flagged
