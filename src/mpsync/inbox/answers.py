"""Answers as effects: decided in a transaction, sent by the outbox, once per message.

A message moves to ``sending`` only from ``unanswered`` or ``draft`` (one conditional
UPDATE: of two processes deciding at once, one wins), and in the same transaction an
outbox row on the ``marketplace`` channel is added under the dedupe key
``answer:{message id}:{hash of the text}``, so no text is queued twice for one message.
Delivery (``mpsync.inbox.channel``) reads the message back before sending, so a delivery
retaken after a crash never answers a message twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from mpsync.config import Settings
from mpsync.connector.registry import UnknownConnectorError, load_connector
from mpsync.domain.events import EventKind, MessageState, OutboxKind
from mpsync.inbox.intake import message_payload
from mpsync.inbox.knowledge import decide, subject_of
from mpsync.inbox.store import MESSAGES
from mpsync.notify.outbox import enqueue
from mpsync.store.tables import Account
from mpsync.sync.events import Event, record_events

CHANNEL = "marketplace"  # the outbox channel whose deliveries are answers to buyers
ANSWER_KIND = OutboxKind.INBOX_ANSWER
DRAFT_KIND = EventKind.INBOX_DRAFT
DEADLINE_KIND = EventKind.INBOX_DEADLINE
OPEN = (MessageState.UNANSWERED, MessageState.DRAFT)  # states an answer may still be decided from
BATCH = 500
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]


class AnswerRefused(ValueError):
    """An answer that cannot be queued: the message's state or the text; one line."""


def answer_key(message_id: int, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"answer:{message_id}:{digest}"


def queue_answer(connection: Connection, row: dict[str, Any], text: str, *, now: datetime,
                 rule: str | None = None) -> bool:  # fmt: skip
    """Move *row* to ``sending`` with *text* and queue its delivery; False when another
    process decided first (the row was no longer unanswered or a draft)."""
    moved = connection.execute(
        update(MESSAGES)
        .where(MESSAGES.c.id == row["id"], MESSAGES.c.state.in_(OPEN))
        .values(
            state=MessageState.SENDING,
            draft=text,
            rule=rule or row.get("rule"),
            error=None,
            updated_at=now,
        )
    ).rowcount
    if not moved:
        return False
    payload = {"message_id": row["id"], "account": row["account_id"], "kind": row["kind"],
               "external_id": row["external_id"], "text": text}  # fmt: skip
    enqueue(connection, dedupe_key=answer_key(row["id"], text), channel=CHANNEL,
            event_kind=ANSWER_KIND, payload=payload, now=now)  # fmt: skip
    return True


@dataclass
class RuleStats:
    """What one pass of the knowledge base did."""

    sent: list[int] = field(default_factory=list)  # queued for sending (auto rules)
    drafted: list[int] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)  # message id → why not sent


def apply_rules(connection: Connection, settings: Settings, *, now: datetime) -> RuleStats:
    """Answer (``auto``) or draft (``draft``) every open message a rule admits.

    Unanswered messages whose deadline has not passed are looked at, oldest first; a
    message no rule admits stays as it is (a rule added later still finds it).
    """
    stats = RuleStats()
    if not settings.answers.rules:
        return stats
    marketplaces = _marketplaces(connection)
    query = (
        select(MESSAGES)
        .where(MESSAGES.c.state == MessageState.UNANSWERED,
               MESSAGES.c.deadline.is_(None) | (MESSAGES.c.deadline > now))
        .order_by(MESSAGES.c.created_at, MESSAGES.c.id)
        .limit(BATCH)
    )  # fmt: skip
    drafts: list[Event] = []
    for row in [dict(r) for r in connection.execute(query).mappings()]:
        marketplace = marketplaces.get(row["account_id"], "")
        policy = _policy(marketplace, row["kind"])
        decision = decide(settings.answers, subject_of(row), policy, marketplace)
        if decision is None:
            continue
        if decision.problem is not None:
            stats.problems[row["id"]] = decision.problem
            _note(connection, row, f"rule {decision.rule.name!r}: {decision.problem}", now)
        elif decision.mode == "auto":
            if queue_answer(connection, row, decision.text, now=now, rule=decision.rule.name):
                stats.sent.append(row["id"])
        elif _draft(connection, row, decision.text, decision.rule.name, now):
            stats.drafted.append(row["id"])
            drafts.append(_event(row, marketplace, DRAFT_KIND, draft=decision.text,
                                 rule=decision.rule.name))  # fmt: skip
    record_events(connection, settings, drafts, now=now, notify=True)
    return stats


def warn_deadlines(connection: Connection, settings: Settings, *, now: datetime) -> int:
    """``inbox.deadline`` once per open message whose deadline is within ``warn_before``."""
    before = settings.answers.warn_before
    if not before:
        return 0
    query = select(MESSAGES).where(
        MESSAGES.c.state.in_(OPEN), MESSAGES.c.deadline > now,
        MESSAGES.c.deadline <= now + before,
    ).order_by(MESSAGES.c.deadline, MESSAGES.c.id).limit(BATCH)  # fmt: skip
    marketplaces = _marketplaces(connection)
    events = [_event(dict(row), marketplaces.get(row["account_id"], ""), DEADLINE_KIND)
              for row in connection.execute(query).mappings()]  # fmt: skip
    return record_events(connection, settings, events, now=now, notify=True)


def approve(connection: Connection, message_id: int, *, now: datetime,
            text: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Queue the draft of *message_id* (or *text* in its place); ``AnswerRefused`` says why
    not. Returns the row as it was."""
    row = _row(connection, message_id)
    answer = text if text is not None else row.get("draft")
    if row["state"] != MessageState.DRAFT and text is None:
        raise AnswerRefused(f"message {message_id} is {row['state']}, not a draft; use "
                            f"`mpsync inbox answer {message_id} --text ...`")  # fmt: skip
    if not answer:
        raise AnswerRefused(f"message {message_id} has no draft text; give --text")
    return _queue_checked(connection, row, answer, now)


def answer_now(connection: Connection, message_id: int, text: str, *,
               now: datetime) -> dict[str, Any]:  # fmt: skip
    """Queue *text* as the answer to *message_id* (``inbox answer``)."""
    return _queue_checked(connection, _row(connection, message_id), text, now)


def _queue_checked(connection: Connection, row: dict[str, Any], text: str,
                   now: datetime) -> dict[str, Any]:  # fmt: skip
    from mpsync.inbox.knowledge import check_length

    if row["state"] not in OPEN:
        raise AnswerRefused(f"message {row['id']} is {row['state']}: only an unanswered "
                            "message or a draft can be answered")  # fmt: skip
    if row["deadline"] is not None and row["deadline"] <= now:
        raise AnswerRefused(f"message {row['id']} can no longer be answered: its deadline "
                            f"passed at {row['deadline'].isoformat()}")  # fmt: skip
    marketplace = _marketplaces(connection).get(row["account_id"], "")
    problem = check_length(text.strip(), _policy(marketplace, row["kind"]), marketplace)
    if problem is not None:
        raise AnswerRefused(f"message {row['id']}: {problem}")
    if not queue_answer(connection, row, text.strip(), now=now):
        raise AnswerRefused(f"message {row['id']} was answered or queued by another process")
    return row


def _row(connection: Connection, message_id: int) -> dict[str, Any]:
    found = connection.execute(select(MESSAGES).where(MESSAGES.c.id == message_id)).mappings()
    row = found.first()
    if row is None:
        raise AnswerRefused(f"no message {message_id}; see `mpsync inbox list`")
    return dict(row)


def _draft(connection: Connection, row: dict[str, Any], text: str, rule: str,
           now: datetime) -> bool:  # fmt: skip
    return bool(connection.execute(
        update(MESSAGES)
        .where(MESSAGES.c.id == row["id"], MESSAGES.c.state == MessageState.UNANSWERED)
        .values(state=MessageState.DRAFT, draft=text, rule=rule, error=None, updated_at=now)
    ).rowcount)  # fmt: skip


def _note(connection: Connection, row: dict[str, Any], problem: str, now: datetime) -> None:
    if row.get("error") != problem:
        connection.execute(update(MESSAGES).where(MESSAGES.c.id == row["id"])
                           .values(error=problem, updated_at=now))  # fmt: skip


def _event(row: dict[str, Any], marketplace: str, kind: str, **extra: Any) -> Event:
    key = f"inbox:{row['account_id']}:{row['kind']}:{row['external_id']}:{kind}"
    if kind == DRAFT_KIND:
        key += f":{hashlib.sha256(str(extra.get('draft')).encode()).hexdigest()[:12]}"
    payload = {**message_payload(row, marketplace, kind), **extra}
    return Event(key, kind, row["account_id"], row["order_id"], payload)


def _marketplaces(connection: Connection) -> dict[str, str]:
    return {row.id: row.marketplace for row in connection.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.marketplace))}  # fmt: skip


def _policy(marketplace: str, kind: str) -> Any:
    try:
        return load_connector(marketplace).answer_policies.get(kind)
    except UnknownConnectorError:  # an account whose connector is gone answers nothing
        return None


def by_ids(connection: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    query = select(MESSAGES).where(MESSAGES.c.id.in_(list(ids))).order_by(MESSAGES.c.id)
    return [dict(row) for row in connection.execute(query).mappings()]
