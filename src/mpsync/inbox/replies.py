"""Approving a draft by replying to its notification: the seller's reply becomes an action.

A channel that receives replies (Telegram's bot, e-mail) finds the buyer message the
replied-to notification was about (``link_notice`` when it was delivered, ``linked_message``
when the reply comes) and calls ``apply_reply``, which decides in the caller's transaction:

* a short yes (``ок``, ``ok``, ``да``, ``+``, ``👍``, ``отправить``; case, punctuation and
  repeats ignored) approves the draft as written (``answers.approve``);
* a short no (``нет``, ``отклонить``, ``skip``) declines it: nothing is sent and the
  message **stays a draft** with a note. The buyer's question is still open, so it stays
  in ``inbox list --unanswered``, deadline warnings still come, and a later reply with a
  text, ``inbox approve`` or ``inbox answer`` still answers it; the rules never redraft it;
* any other text is the seller's own answer, queued like ``inbox approve ID --text``
  (the marketplace's length limits checked; a refusal is reported, nothing is sent).

Every reply is recorded in ``inbox_replies`` (the message's reply history) under its
``reply_key``, the channel's id of the reply: the same reply handled again (a crash before
the channel's offset was saved, a second replica) finds its row and does nothing more
(``ReplyOutcome.duplicate``). A different reply after the answer was queued is refused:
only an open message (unanswered or a draft) is ever answered, once. When the marketplace
then refuses the queued answer (the message is a draft again), ``tell_refused`` says so in
the thread where the reply was confirmed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.domain.events import MessageState, OutboxKind
from mpsync.inbox import answers
from mpsync.inbox.store import MESSAGES
from mpsync.notify.outbox import OUTBOX, enqueue
from mpsync.store.tables import InboxReply, NoticeLink

REPLIES = InboxReply.__table__  # type: ignore[attr-defined]
LINKS = NoticeLink.__table__  # type: ignore[attr-defined]

# Whole replies (after normalising) that approve or decline; a reply made only of words
# from the single-word sets counts too ("ок, отправляй", "нет-нет").
YES_WORDS = frozenset({"ок", "окей", "ok", "okay", "да", "+", "👍", "отправить", "отправь",
                       "отправляй", "одобряю", "yes", "y", "send", "approve"})  # fmt: skip
YES_PHRASES = frozenset({"+ 1", "да отправить", "да отправь", "можно отправлять"})
NO_WORDS = frozenset({"нет", "отклонить", "отклоняю", "skip", "no", "n", "отмена", "cancel"})
NO_PHRASES = frozenset({"не отправлять", "не надо", "не отправляй"})
REPLY_KIND = OutboxKind.INBOX_REPLY  # the channel's answer to a reply (its confirmations)
NOTE_LIMIT = 60  # characters of the buyer's text a confirmation quotes

_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")  # emoji variation, skin tone
_SEPARATORS = re.compile(r"[^\w+\U0001f44d]+")


class Intent(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    TEXT = "text"
    EMPTY = "empty"


class Reason(StrEnum):
    """Why a reply was refused."""

    EMPTY = "empty"  # no text (a sticker, a photo)
    UNKNOWN = "unknown"  # no such message
    CLOSED = "closed"  # already answered or being sent: one answer per message
    NO_DRAFT = "no_draft"  # a yes or a no to a message without a draft
    REFUSED = "refused"  # the answer itself: too short or long, deadline passed, a race


class ReplyAction(StrEnum):
    """What a reply did: queued the draft, queued the seller's text, declined, or nothing."""

    APPROVED = "approved"
    ANSWERED = "answered"
    DECLINED = "declined"
    REFUSED = "refused"


@dataclass(frozen=True)
class ReplyOutcome:
    """The result of one reply. ``detail`` is one English line (for logs and the history);
    ``confirmation()`` words it for the seller. ``duplicate``: this reply was handled
    before, nothing was done now (the outcome is the recorded one)."""

    message_id: int
    action: ReplyAction
    detail: str
    text: str | None = None  # the answer queued (approved / answered)
    kind: str | None = None  # question | review, when the message exists
    quote: str | None = None  # the start of the buyer's text
    duplicate: bool = False
    reason: Reason | None = None  # why refused

    @property
    def queued(self) -> bool:
        return self.action in (ReplyAction.APPROVED, ReplyAction.ANSWERED)


def intent(text: str) -> Intent:
    """How a reply reads: yes, no, or the seller's own answer."""
    words = _words(text)
    if not words:
        return Intent.EMPTY
    phrase = " ".join(words)
    if phrase in YES_PHRASES or all(word in YES_WORDS for word in words):
        return Intent.APPROVE
    if phrase in NO_PHRASES or all(word in NO_WORDS for word in words):
        return Intent.DECLINE
    return Intent.TEXT


def _words(text: str) -> tuple[str, ...]:
    folded = _MODIFIERS.sub("", text.casefold()).replace("ё", "е")
    spaced = folded.replace("\U0001f44d", " \U0001f44d ").replace("+", " + ")
    return tuple(word for word in _SEPARATORS.split(spaced) if word and word != "_")


def apply_reply(connection: Connection, message_id: int, text: str, *, now: datetime,
                source: str, reply_key: str | None = None) -> ReplyOutcome:  # fmt: skip
    """Act on the seller's reply *text* to the draft notification of *message_id*.

    *source* names the channel type (``telegram``, ``email``); *reply_key* is the
    channel's id of this reply (Telegram ``telegram:CHAT:MESSAGE_ID``, an e-mail's
    Message-ID): a key already recorded returns the recorded outcome with
    ``duplicate=True`` and does nothing. Without a key the reply is not deduplicated
    (the message's state still allows one answer only). Runs in the caller's
    transaction; refusals are outcomes, not exceptions.
    """
    if _message(connection, message_id) is None:  # nothing to record it against
        return ReplyOutcome(message_id, ReplyAction.REFUSED, f"no message {message_id}",
                            reason=Reason.UNKNOWN)  # fmt: skip
    key = reply_key or _anonymous_key(source, message_id, text, now)
    if not _claim(connection, key, message_id, source, text, now):
        return _recorded(connection, key)
    row = _message(connection, message_id)
    assert row is not None  # read again after the claim: a concurrent answer is seen
    outcome = _act(connection, row, text, now, source)
    connection.execute(update(REPLIES).where(REPLIES.c.reply_key == key).values(
        action=outcome.action.value, detail=outcome.detail[:1000]))  # fmt: skip
    return outcome


def _act(connection: Connection, row: dict[str, Any], text: str, now: datetime,
         source: str) -> ReplyOutcome:  # fmt: skip
    meaning = intent(text)
    about = {"kind": row["kind"], "quote": _quote(row["text"])}
    if meaning is Intent.EMPTY:
        return ReplyOutcome(row["id"], ReplyAction.REFUSED, "the reply has no text",
                            reason=Reason.EMPTY, **about)  # fmt: skip
    if row["state"] not in answers.OPEN:
        shown = row["answer"] or row["draft"]
        detail = f"message {row['id']} is {row['state']} already; nothing more is sent"
        return ReplyOutcome(row["id"], ReplyAction.REFUSED, detail, text=shown,
                            reason=Reason.CLOSED, **about)  # fmt: skip
    if meaning is Intent.DECLINE:
        return _decline(connection, row, now, source, about)
    given = None if meaning is Intent.APPROVE else text.strip()
    if given is None and row["state"] != MessageState.DRAFT:
        detail = f"message {row['id']} has no draft to approve; reply with your text"
        return ReplyOutcome(row["id"], ReplyAction.REFUSED, detail, reason=Reason.NO_DRAFT,
                            **about)  # fmt: skip
    try:
        answers.approve(connection, row["id"], now=now, text=given)
    except answers.AnswerRefused as refused:
        return ReplyOutcome(row["id"], ReplyAction.REFUSED, str(refused),
                            reason=Reason.REFUSED, **about)  # fmt: skip
    if given is None:
        detail = f"draft of message {row['id']} queued"
        return ReplyOutcome(row["id"], ReplyAction.APPROVED, detail, text=row["draft"], **about)
    detail = f"the seller's text for message {row['id']} queued"
    return ReplyOutcome(row["id"], ReplyAction.ANSWERED, detail, text=given, **about)


def _decline(connection: Connection, row: dict[str, Any], now: datetime, source: str,
             about: dict[str, Any]) -> ReplyOutcome:  # fmt: skip
    if row["state"] != MessageState.DRAFT:
        detail = f"message {row['id']} has no draft to decline"
        return ReplyOutcome(row["id"], ReplyAction.REFUSED, detail, reason=Reason.NO_DRAFT,
                            **about)  # fmt: skip
    note = (f"draft declined by a {source} reply; answer with `mpsync inbox answer "
            f"{row['id']} --text ...` or reply with your text")  # fmt: skip
    connection.execute(update(MESSAGES).where(MESSAGES.c.id == row["id"],
                                              MESSAGES.c.state == MessageState.DRAFT)
                       .values(error=note, updated_at=now))  # fmt: skip
    return ReplyOutcome(row["id"], ReplyAction.DECLINED,
                        f"draft of message {row['id']} declined; not sent", **about)  # fmt: skip


def _claim(connection: Connection, key: str, message_id: int, source: str, text: str,
           now: datetime) -> bool:  # fmt: skip
    """Record the reply under *key*; False when it was recorded before (or concurrently:
    on PostgreSQL the second insert waits for the first transaction, then does nothing)."""
    values = {"reply_key": key, "message_id": message_id, "source": source[:16], "text": text,
              "action": "received", "detail": "", "received_at": now}  # fmt: skip
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(REPLIES).values(values).on_conflict_do_nothing(index_elements=["reply_key"])
    return connection.execute(statement.returning(REPLIES.c.id)).first() is not None


def _recorded(connection: Connection, key: str) -> ReplyOutcome:
    stored = connection.execute(select(REPLIES).where(REPLIES.c.reply_key == key)).mappings()
    reply = dict(stored.one())
    row = _message(connection, reply["message_id"]) or {}
    action = ReplyAction(reply["action"]) if reply["action"] in set(ReplyAction) else (
        ReplyAction.REFUSED)  # fmt: skip
    text = row.get("draft") if action is ReplyAction.APPROVED else (
        reply["text"].strip() if action is ReplyAction.ANSWERED else None)  # fmt: skip
    return ReplyOutcome(reply["message_id"], action, reply["detail"] or "handled before",
                        text=text, kind=row.get("kind"), quote=_quote(row.get("text")),
                        duplicate=True)  # fmt: skip


def tell_refused(connection: Connection, message_id: int, reason: str, *, now: datetime,
                 language_of: Callable[[str], str]) -> bool:  # fmt: skip
    """The marketplace refused the answer a seller's reply queued for *message_id*: say so
    where that reply was confirmed (its channel and thread, from the confirmation's outbox
    row), so the seller sees it and can reply with a fixed text (the notice is linked to
    the message like a confirmation). False when no reply queued the answer."""
    query = (select(REPLIES.c.reply_key)
             .where(REPLIES.c.message_id == message_id,
                    REPLIES.c.action.in_([ReplyAction.APPROVED.value,
                                          ReplyAction.ANSWERED.value]))
             .order_by(REPLIES.c.id.desc()).limit(1))  # fmt: skip
    key = connection.execute(query).scalar()
    if key is None:
        return False
    sent = connection.execute(select(OUTBOX.c.channel, OUTBOX.c.payload).where(
        OUTBOX.c.dedupe_key == f"reply:{key}"[:255])).first()  # fmt: skip
    if sent is None:
        return False
    row = _message(connection, message_id) or {}
    outcome = ReplyOutcome(message_id, ReplyAction.REFUSED,
                           f"the marketplace refused it: {reason}"[:500], kind=row.get("kind"),
                           quote=_quote(row.get("text")), reason=Reason.REFUSED)  # fmt: skip
    payload = {**dict(sent.payload or {}), "id": message_id,
               "confirmation": confirmation(outcome, language_of(sent.channel))}  # fmt: skip
    enqueue(connection, dedupe_key=f"reply:{key}:refused"[:255], channel=sent.channel,
            event_kind=REPLY_KIND, payload=payload, now=now)  # fmt: skip
    return True


def replies_of(connection: Connection, message_id: int) -> list[dict[str, Any]]:
    """The reply history of *message_id*, oldest first (``inbox show``)."""
    query = (select(REPLIES.c.received_at, REPLIES.c.source, REPLIES.c.action,
                    REPLIES.c.text, REPLIES.c.detail)
             .where(REPLIES.c.message_id == message_id)
             .order_by(REPLIES.c.received_at, REPLIES.c.id))  # fmt: skip
    return [{**dict(row), "received_at": row.received_at.isoformat()}
            for row in connection.execute(query).mappings()]  # fmt: skip


def link_notice(connection: Connection, channel: str, ref: str, message_id: int, *,
                now: datetime) -> None:  # fmt: skip
    """Remember that the notification *ref* delivered on *channel* is about *message_id*
    (idempotent: a redelivery keeps the first link)."""
    values = {"channel": channel, "ref": ref[:255], "message_id": message_id,
              "created_at": now}  # fmt: skip
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(insert(LINKS).values(values).on_conflict_do_nothing(
        index_elements=["channel", "ref"]))  # fmt: skip


def linked_message(connection: Connection, channel: str, ref: str) -> int | None:
    """The buyer message the notification *ref* on *channel* was about, if it was linked."""
    query = select(LINKS.c.message_id).where(LINKS.c.channel == channel, LINKS.c.ref == ref)
    found = connection.execute(query).scalar()
    return int(found) if found is not None else None


def confirmation(outcome: ReplyOutcome, language: str = "ru") -> str:
    """What the channel answers the seller after *outcome* (one or two lines)."""
    ru = language != "en"
    if ru:
        what = "отзыв" if outcome.kind == "review" else "вопрос"
    else:
        what = "review" if outcome.kind == "review" else "question"
    quote = f" «{outcome.quote}»" if ru and outcome.quote else (
        f' "{outcome.quote}"' if outcome.quote else "")  # fmt: skip
    subject = f"{what} №{outcome.message_id}{quote}" if ru else (
        f"{what} #{outcome.message_id}{quote}")  # fmt: skip
    if outcome.queued:
        show = f"mpsync inbox show {outcome.message_id}"
        return (f"Ответ на {subject} принят и отправляется на маркетплейс (итог: {show})."
                if ru else f"The answer to the {subject} is on its way to the marketplace "
                f"(outcome: {show}).")  # fmt: skip
    if outcome.action is ReplyAction.DECLINED:
        return (f"Черновик ответа на {subject} отклонён и не отправлен. Чтобы ответить, "
                "пришлите свой текст ответом на уведомление." if ru else
                f"The draft answer to the {subject} was declined and not sent. To answer, "
                "reply to the notification with your text.")  # fmt: skip
    if outcome.reason is Reason.CLOSED:
        sent = f" «{_quote(outcome.text)}»" if ru and outcome.text else (
            f' "{_quote(outcome.text)}"' if outcome.text else "")  # fmt: skip
        return (f"На {subject} уже ответили{sent}; второй ответ не отправлен." if ru
                else f"The {subject} is answered already{sent}; a second answer is not "
                "sent.")  # fmt: skip
    if outcome.reason is Reason.EMPTY:
        return (
            "Ответ без текста: ничего не отправлено. Ответьте «ок» или пришлите текст."
            if ru
            else 'The reply has no text: nothing sent. Reply "ok" or your text.'
        )
    return (f"Ответ на {subject} не отправлен: {outcome.detail}" if ru
            else f"The answer to the {subject} was not sent: {outcome.detail}")  # fmt: skip


def _message(connection: Connection, message_id: int | None) -> dict[str, Any] | None:
    if message_id is None:
        return None
    found = connection.execute(select(MESSAGES).where(MESSAGES.c.id == message_id)).mappings()
    row = found.first()
    return dict(row) if row is not None else None


def _quote(text: Any) -> str | None:
    if not text:
        return None
    flat = " ".join(str(text).split())
    return flat if len(flat) <= NOTE_LIMIT else flat[: NOTE_LIMIT - 1] + "…"


def _anonymous_key(source: str, message_id: int, text: str, now: datetime) -> str:
    digest = hashlib.sha256(f"{message_id}\n{now.isoformat()}\n{text}".encode()).hexdigest()
    return f"{source}:anonymous:{digest[:32]}"
