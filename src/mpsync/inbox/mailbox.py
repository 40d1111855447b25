"""Approving drafts by e-mail: the replies to a draft's mail, read from the channel's mailbox.

An ``email`` channel with an ``imap`` table gets its mailbox read every ``imap.every`` by
the daemon (one replica at a time: the ``mail-replies:CHANNEL`` lease). A mail counts as a
reply to a draft only when

* its ``In-Reply-To`` (or ``References``) names the Message-ID mpsync gave a draft's mail
  (or a confirmation) on this channel. That id holds 128 random bits (``EmailChannel``
  draws them per delivery) and is linked to the buyer message when the outbox marks the
  mail sent (``notice_links``), so only who saw the mail can name it; and
* its ``From`` is one of the channel's recipients (``to``). ``From`` alone is spoofable,
  hence both.

The reply's own text (the ``text/plain`` part above the quoted draft: no ``> `` lines, no
"On … wrote:" / "… написал(а):" attribution, no signature after ``-- ``) goes to
``mpsync.inbox.replies.apply_reply``: "ок" approves the draft as written, "нет" declines it,
anything else is the seller's own answer; what it did is confirmed by a mail in the
seller's thread (``inbox.reply`` through the outbox; its ``References`` keep the draft's
id, so a reply to the confirmation — a text after "нет" — still finds the draft). A mail
acted on is flagged ``\\Seen``. Its Message-ID is the reply's key in the core, so a mail
seen again (a crash between acting and flagging, another replica) does nothing twice. Any
other mail is left as it is (unread), and a reply that fails a check is logged once per
process with the reason — never its body, subject or addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import imaplib
import re
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection, Engine, select

from mpsync.config.model import ChannelConfig, Settings
from mpsync.coordination import Coordinator, Held
from mpsync.coordination.supervisor import sleep_or_stop
from mpsync.inbox.replies import LINKS, apply_reply, confirmation
from mpsync.notify.channels.base import ChannelConfigError, parse_options
from mpsync.notify.channels.smtp import (
    IMAP_PORTS,
    REPLY_KIND,
    EmailOptions,
    ImapOptions,
)
from mpsync.notify.outbox import enqueue
from mpsync.observe import ReplyObserver

log = structlog.get_logger("mpsync.inbox.mailbox")
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
SOURCE = "email"
BATCH = 100  # mails looked at per poll; the rest wait for the next
# Draft mails older than this are not matched (no marketplace takes an answer that late).
REPLY_WINDOW = timedelta(days=90)
OUR_ID = re.compile(r"<[0-9a-f]{40}\.mpsync@[^<>\s]+>")
ANY_ID = re.compile(r"<[^<>\s]+>")
MAX_MAIL = 5_000_000  # bytes; a bigger mail is no reply to act on and is not downloaded
_SIZE = re.compile(r"RFC822\.SIZE (\d+)")
THREAD_DEPTH = 10  # References carried on in a confirmation (the draft's id among them)
RETRY_CAP = 900.0  # seconds: the longest wait while the mailbox stays unreadable


class ImapSession(Protocol):
    """What a poll needs of ``imaplib.IMAP4`` (tests may hand in their own)."""

    def select(self, mailbox: str = ..., readonly: bool = ...) -> tuple[str, list[Any]]: ...
    def uid(self, command: str, *args: str) -> tuple[str, list[Any]]: ...
    def response(self, code: str) -> tuple[str, list[Any]]: ...
    def logout(self) -> tuple[str, list[Any]]: ...


# -- the reply's text ----------------------------------------------------------------------
_ATTRIBUTION = re.compile(
    r"^\s*(on\s.+\swrote:|.+\s(написал|написала|написал\(а\)|пишет):"
    r"|-+\s*(original message|исходное сообщение|пересылаемое сообщение)\s*-+)\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*on\s.+", re.IGNORECASE)  # "On …" wrapped onto two lines
_DEVICE = re.compile(r"^\s*(sent from my |отправлено (с|из) |get outlook for )", re.IGNORECASE)


def reply_text(mail: Message) -> str | None:
    """The new text of a reply: its ``text/plain`` part above the quoted original, without
    the attribution line and the signature; None when there is no plain text."""
    if not isinstance(mail, EmailMessage):
        return None
    part = mail.get_body(preferencelist=("plain",))
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown charset
        return None
    if not isinstance(content, str):
        return None
    if str(part.get_param("format", "")).lower() == "flowed":
        content = _unflow(content, str(part.get_param("delsp", "")).lower() == "yes")
    return _above_quote(content.replace("\r\n", "\n").split("\n"))


def _above_quote(lines: list[str]) -> str:
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = next((nxt for nxt in lines[index + 1 :] if nxt.strip()), "")
        if line.startswith(">") or line.rstrip() in ("--", "-- "):
            break
        if _ATTRIBUTION.match(line):
            break
        if line.rstrip().endswith(":") and following.startswith(">"):
            break  # an attribution in words we do not know, right above the quote
        two = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else ""
        if _ATTRIBUTION_START.match(line) and two and _ATTRIBUTION.match(two):
            break
        kept.append(line)
    while kept and (not kept[-1].strip() or _DEVICE.match(kept[-1])):
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(line.rstrip() for line in kept)


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676: a line ending in a space continues on the next (unless it is quoted)."""
    out: list[str] = []
    carry = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line.rstrip() != "--" and not line.startswith(">"):
            carry += line[:-1] if delsp else line
            continue
        out.append(carry + line)
        carry = ""
    if carry:
        out.append(carry)
    return "\n".join(out)


def referenced_ids(mail: Message) -> list[str]:
    """The Message-IDs a mail replies to: ``In-Reply-To`` first, then ``References`` from
    the newest."""
    found: list[str] = []
    for header in ("In-Reply-To", "References"):
        values = [str(value) for value in mail.get_all(header, [])]
        ids = [i for value in values for i in ANY_ID.findall(value)]
        for ref in ids if header == "In-Reply-To" else reversed(ids):
            if ref not in found:
                found.append(ref)
    return found


def sender_of(mail: Message) -> str | None:
    """The one address in ``From`` (lower case), or None when there is none or several."""
    addresses = [addr for _, addr in getaddresses([str(v) for v in mail.get_all("From", [])])
                 if addr]  # fmt: skip
    return addresses[0].strip().lower() if len(addresses) == 1 else None


def recipients(options: EmailOptions) -> frozenset[str]:
    return frozenset(addr.strip().lower() for _, addr in getaddresses(options.to) if addr)


# -- which draft a mail is about -----------------------------------------------------------
def draft_mail_ids(connection: Connection, channel: str, *, since: datetime) -> dict[str, int]:
    """Message-ID of each draft mail (and confirmation) the channel delivered since *since*
    → the buyer message's id: the links the dispatcher stored when it marked them sent."""
    query = select(LINKS.c.ref, LINKS.c.message_id).where(
        LINKS.c.channel == channel, LINKS.c.created_at >= since
    )
    return {str(ref): int(message) for ref, message in connection.execute(query)}


# -- one poll ------------------------------------------------------------------------------
@dataclass
class PollStats:
    """What one look at the mailbox did (counts only: nothing about the mails)."""

    looked: int = 0
    acted: list[int] = field(default_factory=list)  # buyer messages a reply acted on
    outcomes: list[str] = field(default_factory=list)  # the core's action per reply
    duplicates: int = 0  # replies handled before (seen again): nothing done twice
    rejected: dict[str, int] = field(default_factory=dict)  # reason → mails
    foreign: int = 0  # mails that are no reply to mpsync: left alone

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


@dataclass(frozen=True)
class Verdict:
    """A mail's fate: acted on (``message``, ``text``) or left alone (``reason``)."""

    reason: str | None = None
    message: int | None = None
    text: str = ""
    key: str = ""
    reply_id: str | None = None  # the reply's Message-ID: the confirmation answers it
    subject: str = ""
    thread: tuple[str, ...] = ()  # the reply's References: the confirmation carries them on


def judge(mail: Message, raw: bytes, known: dict[str, int], allowed: frozenset[str]) -> Verdict:
    """Whether *mail* is a reply to one of the *known* draft mails from an *allowed* sender."""
    refs = referenced_ids(mail)
    ours = [ref for ref in refs if OUR_ID.fullmatch(ref)]
    if not ours:
        return Verdict("foreign")
    message = next((known[ref] for ref in ours if ref in known), None)
    if message is None:
        return Verdict("unknown draft")
    sender = sender_of(mail)
    if sender is None or sender not in allowed:
        return Verdict("not from a recipient")
    text = reply_text(mail)
    if text is None:
        return Verdict("no plain text")
    if "\ufffd" in text:  # bytes not in the declared charset: never sent as an answer
        return Verdict("undecodable text")
    ids = ANY_ID.findall(str(mail.get("Message-ID", "")))
    subject = " ".join(str(mail.get("Subject", "")).split())
    thread = tuple(ANY_ID.findall(" ".join(str(v) for v in mail.get_all("References", []))))
    return Verdict(None, message, text, reply_key(mail, raw), ids[0] if ids else None, subject,
                   thread[-THREAD_DEPTH:])  # fmt: skip


def _judged(raw: bytes, known: dict[str, int], allowed: frozenset[str]) -> Verdict:
    """``judge`` of the mail *raw*; a mail the parser chokes on is left alone (one bad mail
    must not stop the mails after it, poll after poll)."""
    try:
        return judge(message_from_bytes(raw, policy=policy.default), raw, known, allowed)
    except Exception as exc:  # noqa: BLE001 - the email package raises anything on bad input
        return Verdict(f"unreadable mail ({type(exc).__name__})")


def _names_ours(header: bytes) -> bool:
    """Whether a mail's header names a Message-ID of mpsync's form (else it is no reply to
    mpsync, and its body is never downloaded); a header the parser chokes on is judged
    whole."""
    try:
        refs = referenced_ids(message_from_bytes(header, policy=policy.default))
    except Exception:  # noqa: BLE001 - _judged reports it
        return True
    return any(OUR_ID.fullmatch(ref) for ref in refs)


def reply_key(mail: Message, raw: bytes) -> str:
    """The reply's key in the core: its Message-ID (else its bytes), hashed."""
    ids = ANY_ID.findall(str(mail.get("Message-ID", "")))
    basis = ids[0].encode() if ids else raw
    return f"email:{hashlib.sha256(basis).hexdigest()[:40]}"


Connect = Callable[[ImapOptions, EmailOptions], ImapSession]


def connect(imap: ImapOptions, options: EmailOptions) -> ImapSession:
    """Log in to the channel's IMAP server (``security`` as for SMTP, ``ca_file`` shared)."""
    port = imap.port or IMAP_PORTS[imap.security]
    context = ssl.create_default_context(cafile=str(options.ca_file) if options.ca_file else None)
    client: imaplib.IMAP4
    if imap.security == "ssl":
        client = imaplib.IMAP4_SSL(imap.host, port, ssl_context=context, timeout=imap.timeout)
    else:
        client = imaplib.IMAP4(imap.host, port, timeout=imap.timeout)
    try:
        if imap.security == "starttls":
            client.starttls(context)
        client.login(imap.username, imap.password.get_secret_value())
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


class MailboxError(RuntimeError):
    """The mailbox could not be read; one line, no server text (it may echo the login)."""


def login(connect: Connect, imap: ImapOptions, options: EmailOptions) -> ImapSession:
    """``connect``, its failures as ``MailboxError`` naming the host and what to check."""
    try:
        return connect(imap, options)
    except imaplib.IMAP4.error:  # its text may echo the login: not shown
        raise MailboxError(f"cannot log in to {imap.host}: the server refused (check "
                           "imap.username, imap.password and imap.security)") from None  # fmt: skip
    except OSError as exc:  # refused, timed out, a certificate not trusted
        raise MailboxError(f"cannot log in to {imap.host}: {type(exc).__name__}") from None


class MailReplies:
    """Reads one ``email`` channel's mailbox for replies to draft answers."""

    def __init__(self, engine: Engine, settings: Settings, channel: ChannelConfig, *,
                 clock: Clock, coordinator: Coordinator | None = None, connect: Connect = connect,
                 sleep: Sleep = asyncio.sleep,
                 observer: ReplyObserver | None = None) -> None:  # fmt: skip
        self.engine, self.settings, self.clock, self.sleep = engine, settings, clock, sleep
        self.observer = observer
        self.name = channel.name
        self.language = channel.language
        if channel.unresolved:  # a ${VAR} unset here (imap.password, say): name it
            raise ChannelConfigError("; ".join(u.problem() for u in channel.unresolved.values()))
        self.options = parse_options(channel, EmailOptions)
        if self.options.imap is None:
            raise ValueError(f"notifications.channels[{channel.name!r}] has no imap table")
        self.imap: ImapOptions = self.options.imap
        self.allowed = recipients(self.options)
        self.coordinator = coordinator
        self._connect = connect
        self._left: set[int] = set()  # UIDs looked at and left alone (logged once)
        self._validity: str | None = None
        self.polls = 0

    @property
    def unit(self) -> str:
        return f"mail-replies:{self.name}"

    async def serve(self, stop: asyncio.Event) -> None:
        """Poll every ``imap.every`` until *stop*. A mailbox that cannot be read is logged
        and tried again after ``every``, doubling while it stays so (up to ``RETRY_CAP``);
        any other error ends the task for the daemon's supervisor to log and restart."""
        every = self.imap.every.total_seconds()
        failures = 0
        while not stop.is_set():
            wait = every
            try:
                await self.run_once()
                failures = 0
            except MailboxError as exc:
                failures += 1
                if self.observer is not None:
                    self.observer.reply_read_failed(self.name)
                wait = min(every * 2 ** (failures - 1), max(every, RETRY_CAP))
                log.warning("mailbox unreadable", channel=self.name, error=str(exc),
                            failures=failures, retry_in=wait)  # fmt: skip
            await self._wait(stop, wait)

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        await sleep_or_stop(self.sleep, stop, seconds)

    async def run_once(self) -> PollStats | None:
        """One poll under the channel's lease (None: another replica polls it now)."""
        if self.coordinator is None:
            return await asyncio.to_thread(self.poll_once)
        async with self.coordinator.hold(self.unit, every=self.imap.every) as lease:
            if isinstance(lease, Held):
                return None
            return await asyncio.to_thread(self.poll_once)

    def poll_once(self) -> PollStats:
        """Look at the unread mails once: act on the replies, flag them ``\\Seen``."""
        stats = PollStats()
        session = login(self._connect, self.imap, self.options)
        try:
            self._poll(session, stats)
        except (OSError, imaplib.IMAP4.error) as exc:
            folder = self.imap.folder
            raise MailboxError(f"reading {folder!r} failed: {type(exc).__name__}") from None
        finally:
            with contextlib.suppress(Exception):
                session.logout()
        self.polls += 1
        if stats.acted or stats.rejected:
            log.info("mailbox read", channel=self.name, looked=stats.looked, acted=stats.acted,
                     outcomes=stats.outcomes, rejected=stats.rejected)  # fmt: skip
        return stats

    def _poll(self, session: ImapSession, stats: PollStats) -> None:
        status, _ = session.select(_quoted(self.imap.folder))
        if status != "OK":
            raise MailboxError(f"the folder {self.imap.folder!r} cannot be selected")
        validity = _first(session.response("UIDVALIDITY")[1])
        if validity != self._validity:  # UIDs of another mailbox generation
            self._validity, self._left = validity, set()
        status, data = session.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise MailboxError("the server refused SEARCH UNSEEN")
        uids = [int(u) for chunk in data if chunk for u in _text(chunk).split()]
        fresh = [uid for uid in sorted(uids) if uid not in self._left][:BATCH]
        if not fresh:
            return
        with self.engine.connect() as connection:
            known = draft_mail_ids(connection, self.name, since=self.clock() - REPLY_WINDOW)
        for uid in fresh:
            stats.looked += 1
            if self._size(session, uid) > MAX_MAIL:
                self._leave(uid, "too large", stats)
                continue
            head = self._fetch(session, uid, "BODY.PEEK[HEADER]")
            if head is None:
                continue
            if not _names_ours(head):  # another mail of the seller's: its body is not read
                self._leave(uid, "foreign", stats)
                continue
            raw = self._fetch(session, uid)
            if raw is None:
                continue
            verdict = _judged(raw, known, self.allowed)
            if verdict.reason is not None:
                self._leave(uid, verdict.reason, stats)
                continue
            assert verdict.message is not None
            action, duplicate = self._act(verdict)
            stats.acted.append(verdict.message)
            stats.outcomes.append(action)
            stats.duplicates += duplicate
            status, _ = session.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
            if status != "OK":
                raise MailboxError("the server refused to flag a reply \\Seen")

    def _size(self, session: ImapSession, uid: int) -> int:
        """The size of the mail *uid* in bytes (0 when the server does not say)."""
        status, data = session.uid("FETCH", str(uid), "(RFC822.SIZE)")
        if status != "OK":
            raise MailboxError("the server refused FETCH")
        for item in data:
            found = _SIZE.search(_text(item[0] if isinstance(item, tuple) else item or ""))
            if found:
                return int(found.group(1))
        return 0

    def _fetch(self, session: ImapSession, uid: int, item: str = "BODY.PEEK[]") -> bytes | None:
        """The mail *uid* (or its *item*: the header), not flagged \\Seen; None when it is
        gone meanwhile."""
        status, data = session.uid("FETCH", str(uid), f"({item})")
        if status != "OK":
            raise MailboxError("the server refused FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # expunged meanwhile

    def _leave(self, uid: int, reason: str, stats: PollStats) -> None:
        self._left.add(uid)
        if reason == "foreign":
            stats.foreign += 1
            return
        stats.reject(reason)
        log.warning("mail reply ignored", channel=self.name, uid=uid, reason=reason)

    def _act(self, verdict: Verdict) -> tuple[str, bool]:
        assert verdict.message is not None
        with self.engine.begin() as connection:
            outcome = apply_reply(connection, verdict.message, verdict.text, now=self.clock(),
                                  source=SOURCE, reply_key=verdict.key)  # fmt: skip
            if not outcome.duplicate:  # what the reply did, by mail in the seller's thread
                payload = {"confirmation": confirmation(outcome, self.language),
                           "id": verdict.message, "in_reply_to": verdict.reply_id,
                           "references": list(verdict.thread),
                           "subject": verdict.subject}  # fmt: skip
                enqueue(connection, dedupe_key=f"reply:{verdict.key}", channel=self.name,
                        event_kind=REPLY_KIND, payload=payload, now=self.clock())  # fmt: skip
        log.info("mail reply handled", channel=self.name, message=verdict.message,
                 action=outcome.action.value, duplicate=outcome.duplicate,
                 detail=outcome.detail)  # fmt: skip
        return str(outcome.action.value), outcome.duplicate


def probe_mailbox(channel: ChannelConfig, *, connect: Connect = connect) -> str:
    """Log in, open the folder and count its unread mails (``mpsync notify test``); one
    line, or ``MailboxError`` saying what failed. Nothing is fetched or flagged."""
    options = parse_options(channel, EmailOptions)
    if options.imap is None:
        raise MailboxError(f"notifications.channels[{channel.name!r}] has no imap table")
    imap = options.imap
    session = login(connect, imap, options)
    try:
        status, _ = session.select(_quoted(imap.folder))
        if status != "OK":
            raise MailboxError(f"the folder {imap.folder!r} cannot be selected")
        status, data = session.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise MailboxError("the server refused SEARCH UNSEEN")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"reading {imap.folder!r} failed: {type(exc).__name__}") from None
    finally:
        with contextlib.suppress(Exception):
            session.logout()
    unread = sum(len(_text(chunk).split()) for chunk in data if chunk)
    return f"{imap.host}: {imap.folder} opened, {unread} unread"


def mail_readers(engine: Engine, settings: Settings, *, clock: Clock,
                 coordinator: Coordinator | None = None, sleep: Sleep = asyncio.sleep,
                 observer: ReplyObserver | None = None) -> list[MailReplies]:  # fmt: skip
    """A reader per ``email`` channel with an ``imap`` table (the daemon runs them)."""
    readers = []
    for channel in settings.notifications.channels:
        if channel.type != "email" or not isinstance((channel.model_extra or {}).get("imap"),
                                                     dict):  # fmt: skip
            continue
        readers.append(MailReplies(engine, settings, channel, clock=clock,
                                   coordinator=coordinator, sleep=sleep,
                                   observer=observer))  # fmt: skip
    return readers


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (names may hold spaces)."""
    escaped = folder.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _first(values: Sequence[Any]) -> str | None:
    for value in values:
        if value:
            return _text(value)
    return None


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
