"""Reading the inbox: ``mpsync inbox list`` and ``inbox show``.

The state shown is the stored one, except that an unanswered message or a draft whose
deadline has passed shows as ``expired``. ``--json`` rows never carry the buyer's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, select

from mpsync.domain.events import MessageState
from mpsync.inbox.answers import OPEN
from mpsync.inbox.store import MESSAGES

STATES = tuple(MessageState)
KINDS = ("question", "review")


def shown_state(now: datetime) -> ColumnElement[Any]:
    """The state as shown: ``expired`` for an open message past its deadline."""
    past = and_(MESSAGES.c.state.in_(OPEN), MESSAGES.c.deadline.is_not(None),
                MESSAGES.c.deadline <= now)  # fmt: skip
    return case((past, MessageState.EXPIRED), else_=MESSAGES.c.state)


def list_messages(engine: Engine, *, now: datetime, unanswered: bool = False,
                  kind: str | None = None, rating_max: int | None = None,
                  account: str | None = None, state: str | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:  # fmt: skip
    """Messages, newest first: ``unanswered`` keeps those still to answer (unanswered or a
    draft, deadline not passed)."""
    status = shown_state(now).label("shown")
    query = select(MESSAGES, status).order_by(MESSAGES.c.created_at.desc(), MESSAGES.c.id.desc())
    if unanswered:
        query = query.where(status.in_(OPEN))
    if state is not None:
        query = query.where(status == state)
    if kind is not None:
        query = query.where(MESSAGES.c.kind == kind)
    if rating_max is not None:
        query = query.where(MESSAGES.c.rating <= rating_max)
    if account is not None:
        query = query.where(MESSAGES.c.account_id == account)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [public(dict(row)) for row in connection.execute(query).mappings()]


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A message as ``--json`` prints it (the contract keys first; no buyer name)."""
    return {
        "id": row["id"], "account": row["account_id"], "kind": row["kind"],
        "external_id": row["external_id"], "sku": row["sku"], "rating": row["rating"],
        "text": row["text"], "state": row.get("shown", row["state"]), "answer": row["answer"],
        "product": row["product_name"], "pros": row["pros"], "cons": row["cons"],
        "order": row["order_external_id"], "created_at": _iso(row["created_at"]),
        "deadline": _iso(row["deadline"]), "answered_at": _iso(row["answered_at"]),
        "draft": row["draft"], "rule": row["rule"], "note": row["error"],
    }  # fmt: skip


def show_message(engine: Engine, message_id: int, *, now: datetime) -> dict[str, Any] | None:
    """One message with everything the seller sees (``buyer`` only for the human view) and
    the seller's replies to its draft notification (``replies``)."""
    from mpsync.inbox.replies import replies_of

    query = select(MESSAGES, shown_state(now).label("shown")).where(MESSAGES.c.id == message_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
        replies = replies_of(connection, message_id) if row is not None else []
    if row is None:
        return None
    return {**public(dict(row)), "replies": replies, "buyer": row["author"]}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
