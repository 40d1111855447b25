"""The email channel: SMTP with ``security = none | starttls | ssl`` and optional login.

The Message-ID is derived from the dedupe key, so a redelivered notification is
recognisably the same mail (except a draft's mail and a confirmation on a channel that
reads replies: their id is random, as a reply naming it approves); an issued invoice's
PDF is attached when the payload names it, and a payload with a chart (``chart_png``)
and ``table`` rows becomes an HTML mail with the chart inline above the table. With an
``imap`` table the channel's mailbox is read for replies to draft answers
(``mpsync.inbox.mailbox``): the channel ``accepts_replies`` (a draft's mail then invites
one), and the confirmation of a reply (``inbox.reply``) goes out in the seller's thread
(``In-Reply-To`` the reply, ``Re:`` its subject).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from html import escape
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from mpsync.config.model import ChannelConfig
from mpsync.config.types import Duration
from mpsync.domain.events import EventKind, OutboxKind
from mpsync.notify.channels.base import (
    ChannelOptions,
    DeliveryResult,
    OutgoingMessage,
    parse_options,
    short_error,
)

DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({"none": 25, "starttls": 587, "ssl": 465})
IMAP_PORTS: Mapping[str, int] = MappingProxyType({"none": 143, "starttls": 143, "ssl": 993})
REPLY_KIND = OutboxKind.INBOX_REPLY  # a confirmation of the seller's reply (inbox.replies)
REPLYABLE = frozenset({EventKind.INBOX_DRAFT, REPLY_KIND})  # mails whose replies act on a draft
THREAD_ID = re.compile(r"<[^<>\s]{1,250}>")


class ImapOptions(ChannelOptions):
    """The mailbox where the recipients' replies to draft answers arrive (``imap`` table)."""

    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "ssl"
    username: str
    password: SecretStr
    folder: str = "INBOX"
    every: Duration = Field(default=timedelta(minutes=1))
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("every")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value


class EmailOptions(ChannelOptions):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    ca_file: Path | None = None
    timeout: float = Field(default=30.0, gt=0)
    imap: ImapOptions | None = None

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


def message_id(dedupe_key: str, sender: str) -> str:
    """A stable RFC 5322 Message-ID for *dedupe_key* (hashed: keys may hold any character)."""
    # The domain of the address, not of "Name <robot@example.ru>" as written.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "mpsync.local"
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
    return f"<{digest}.mpsync@{domain}>"


class EmailChannel:
    """Sends each notification as one plain-text mail to the configured recipients."""

    def __init__(self, config: ChannelConfig) -> None:
        self.name = config.name
        self.language: str = config.language
        self.options = parse_options(config, EmailOptions)
        self.accepts_replies = self.options.imap is not None

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        mail = self.compose(message)
        try:
            await asyncio.to_thread(self._deliver, mail)
        except smtplib.SMTPResponseException as error:
            # The server's text may quote addresses: report the code only.
            return DeliveryResult(
                ok=False,
                detail=f"SMTP error {error.smtp_code}",
                permanent=error.smtp_code >= 500,
            )
        except smtplib.SMTPRecipientsRefused:
            return DeliveryResult(ok=False, detail="SMTP recipients refused", permanent=True)
        except (smtplib.SMTPException, OSError) as error:
            return DeliveryResult(ok=False, detail=short_error(error))
        sent = str(mail["Message-ID"])
        return DeliveryResult(ok=True, detail=f"sent {sent}", ref=sent)

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = " ".join(message.subject.split())  # a header is one line
        mail["From"] = self.options.sender
        mail["To"] = ", ".join(self.options.to)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        key = message.dedupe_key
        if self.accepts_replies and message.event_kind in REPLYABLE:
            # A reply naming this id acts on a draft: it must not be derivable from what
            # others may know (the account, the message, the draft's text). Linked when sent.
            key = f"{key}:{secrets.token_hex(16)}"
        mail["Message-ID"] = message_id(key, self.options.sender)
        mail["X-Mpsync-Event"] = message.event_kind
        if message.event_kind == REPLY_KIND:
            _thread(mail, message)
        mail.set_content(message.body or message.subject)
        _inline_chart(mail, message, self.language)
        attachment = _invoice_pdf(message)
        if attachment is not None:
            mail.add_attachment(
                attachment.read_bytes(),
                maintype="application",
                subtype="pdf",
                filename=attachment.name,
            )
        return mail

    def _deliver(self, mail: EmailMessage) -> None:
        options = self.options
        port = options.port or DEFAULT_PORTS[options.security]
        context = ssl.create_default_context(
            cafile=str(options.ca_file) if options.ca_file else None
        )
        client: smtplib.SMTP
        if options.security == "ssl":
            client = smtplib.SMTP_SSL(options.host, port, timeout=options.timeout, context=context)
        else:
            client = smtplib.SMTP(options.host, port, timeout=options.timeout)
        with client:
            client.ehlo()
            if options.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if options.username and options.password is not None:
                client.login(options.username, options.password.get_secret_value())
            client.send_message(mail)

    async def aclose(self) -> None:
        return None


def _thread(mail: EmailMessage, message: OutgoingMessage) -> None:
    """A confirmation answers the seller's reply: in its thread, under its subject."""
    replied = THREAD_ID.fullmatch(str(message.payload.get("in_reply_to") or ""))
    if replied is None:
        return
    earlier = message.payload.get("references")
    chain = [ref for ref in (earlier if isinstance(earlier, list) else [])
             if isinstance(ref, str) and THREAD_ID.fullmatch(ref)][-10:]  # fmt: skip
    mail["In-Reply-To"] = replied.group(0)
    mail["References"] = " ".join([*chain, replied.group(0)])
    subject = " ".join(str(message.payload.get("subject") or "").split())[:200]
    if subject:
        del mail["Subject"]
        mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _invoice_pdf(message: OutgoingMessage) -> Path | None:
    if message.event_kind != EventKind.INVOICE_ISSUED:
        return None
    invoice = message.payload.get("invoice") or {}
    name = invoice.get("pdf_path") if isinstance(invoice, dict) else None
    if not name:
        return None
    path = Path(str(name))
    return path if path.is_file() else None


def _inline_chart(mail: EmailMessage, message: OutgoingMessage, language: str) -> None:
    """An HTML alternative: the text, the chart (``cid:``) and the payload's table rows."""
    chart = message.payload.get("chart_png")
    if not isinstance(chart, str) or not chart:
        return
    tables = message.payload.get("table")
    rows: list[Any] = []
    if isinstance(tables, dict) and tables:
        rows = tables.get(language) or next(iter(tables.values()))
    cid = make_msgid(domain="mpsync.local")
    lines = "".join(f"<p>{escape(line)}</p>" for line in (message.body or "").splitlines())
    html = (
        f"<html><body><h3>{escape(message.subject)}</h3>"
        f'<img src="cid:{cid[1:-1]}" alt="chart" style="max-width:100%"/>'
        f"{_html_table(rows)}{lines}</body></html>"
    )
    mail.add_alternative(html, subtype="html")
    html_part = mail.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(base64.b64decode(chart), maintype="image", subtype="png", cid=cid,
                          filename="chart.png")  # fmt: skip


def _html_table(rows: Any) -> str:
    if not rows:
        return ""
    head, *body = rows
    cells = "".join(f"<th>{escape(str(c))}</th>" for c in head)
    lines = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in body
    )
    return f'<table border="1" cellpadding="4"><tr>{cells}</tr>{lines}</table>'
