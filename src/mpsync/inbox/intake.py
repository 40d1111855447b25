"""A page of buyers' messages into the store, with the alerts it asks for, in one transaction.

A new review of ``[answers] low_rating`` stars or fewer is announced at once (event
``inbox.review_low``), unless the read is an account's first (its history notifies nobody).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from mpsync.config import Settings
from mpsync.connector.registry import load_connector
from mpsync.domain import BuyerMessageRecord
from mpsync.domain.events import EventKind, MessageState
from mpsync.inbox.store import MESSAGES, MessageCounts, write_messages
from mpsync.sync.events import Event, record_events

LOW_KIND = EventKind.INBOX_REVIEW_LOW


@dataclass
class Intake(MessageCounts):
    events: int = 0


def take_in(connection: Connection, settings: Settings | None, account_id: str,
            marketplace: str, records: Sequence[BuyerMessageRecord], *, now: datetime,
            notify: bool) -> Intake:  # fmt: skip
    policies = load_connector(marketplace).answer_policies
    counts = write_messages(connection, account_id, records, now, policies)
    intake = Intake(counts.inserted, counts.updated, counts.unchanged, counts.new_ids,
                    counts.answered_ids)  # fmt: skip
    threshold = settings.answers.low_rating if settings is not None else 0
    if counts.new_ids and threshold > 0:
        rows = _rows(connection, counts.new_ids)
        events = [_low(row, marketplace) for row in rows
                  if row["kind"] == "review" and row["state"] != MessageState.ANSWERED
                  and row["rating"] is not None and row["rating"] <= threshold]  # fmt: skip
        intake.events = record_events(connection, settings, events, now=now, notify=notify)
    return intake


def _rows(connection: Connection, ids: list[int]) -> list[dict[str, Any]]:
    query = select(MESSAGES).where(MESSAGES.c.id.in_(ids)).order_by(MESSAGES.c.id)
    return [dict(row) for row in connection.execute(query).mappings()]


def message_payload(row: dict[str, Any], marketplace: str, kind: str) -> dict[str, Any]:
    """What a notification about a message says (no buyer name: the seller opens it)."""
    return {
        "kind": row["kind"], "event": kind, "id": row["id"], "account": row["account_id"],
        "marketplace": marketplace, "external_id": row["external_id"], "sku": row["sku"],
        "product": row["product_name"], "rating": row["rating"], "text": row["text"],
        "pros": row["pros"], "cons": row["cons"],
        "deadline": row["deadline"].isoformat() if row["deadline"] else None,
    }  # fmt: skip


def _low(row: dict[str, Any], marketplace: str) -> Event:
    key = f"inbox:{row['account_id']}:{row['kind']}:{row['external_id']}:{LOW_KIND}"
    return Event(key, LOW_KIND, row["account_id"], row["order_id"],
                 message_payload(row, marketplace, LOW_KIND))  # fmt: skip
