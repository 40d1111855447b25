"""Delivering answers to buyers: the outbox's ``marketplace`` channel.

Each delivery reads the message back first: an answer the marketplace already shows (a
delivery retaken after a crash, an answer given in the seller's cabinet) is recorded and
nothing is sent. Otherwise the answer is sent once and read back again: shown, the message
is ``answered``; not shown yet, it stays ``sending`` with a note until a read shows it (it
is never sent again on a guess: Wildberries takes a wrong id without an error). A refusal
puts the text back as a draft with the marketplace's reason (and tells a seller who
approved it by a reply, in that reply's thread); no answer at all is retried.
A 401/403 (the subscription or the key's scope) makes the message ``unavailable``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Engine, select, update

from mpsync.catalog.pushes import UNANSWERED
from mpsync.config import AccountConfig, Settings
from mpsync.connector.base import Connector, MessageRef, WriteResult
from mpsync.connector.errors import (
    AuthError,
    ConnectorError,
    FatalError,
    RetriesExhausted,
    UnavailableError,
)
from mpsync.domain import BuyerMessageRecord
from mpsync.domain.events import MessageState
from mpsync.inbox.answers import CHANNEL
from mpsync.inbox.store import MESSAGES
from mpsync.mapping import MappingSchema
from mpsync.notify.channels.base import DeliveryResult, OutgoingMessage, short_error

log = structlog.get_logger("mpsync.inbox")
NOT_SHOWN = "sent; the marketplace does not show the answer yet (the next read checks it)"


class AnswerChannel:
    """Sends queued answers through the account's connector (``name`` = ``marketplace``)."""

    name = CHANNEL
    language = "ru"
    accepts_replies = False

    def __init__(self, engine: Engine, settings: Settings,
                 connector_for: Callable[[AccountConfig], Connector],
                 mapping_for: Callable[[AccountConfig], MappingSchema],
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self.engine, self.settings = engine, settings
        self.connector_for, self.mapping_for, self.clock = connector_for, mapping_for, clock

    async def aclose(self) -> None:
        """The connectors belong to the sync service that made them."""

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        payload = dict(message.payload)
        row = self._row(int(payload["message_id"]))
        if row is None:
            return DeliveryResult(False, "the message is no longer in the store", permanent=True)
        if row["state"] == MessageState.ANSWERED:
            return DeliveryResult(True, "already answered")
        account = self.settings.account(row["account_id"])
        connector, mapping = self.connector_for(account), self.mapping_for(account)
        ref = MessageRef(row["kind"], row["external_id"], dict(row["product_ids"] or {}),
                         dict(row["raw"] or {}))  # fmt: skip
        try:
            shown = await self._read(connector, mapping, account, ref)
            if shown is not None and shown.has_answer:
                self._answered(row["id"], shown, sent=False)
                return DeliveryResult(True, "already answered at the marketplace; not sent again")
            result = await connector.answer(ref, str(payload["text"]))
        except RetriesExhausted as exc:
            return DeliveryResult(False, short_error(exc))
        except (AuthError, UnavailableError) as exc:  # the key's scope, the subscription
            return self._unavailable(row["id"], short_error(exc))
        except FatalError as exc:
            return self._refused(row["id"], short_error(exc))
        except ConnectorError as exc:
            return DeliveryResult(False, short_error(exc))
        if not result.ok:
            return self._failed(row["id"], result)
        return await self._after(row["id"], connector, mapping, account, ref, result)

    async def _after(self, row_id: int, connector: Connector, mapping: MappingSchema,
                     account: AccountConfig, ref: MessageRef,
                     result: WriteResult) -> DeliveryResult:  # fmt: skip
        try:
            shown = await self._read(connector, mapping, account, ref)
        except ConnectorError as exc:  # sent: never send again; the next read settles it
            log.warning("answer sent, read-back failed", account=account.id,
                        message=row_id, error=short_error(exc))  # fmt: skip
            shown = None
        if shown is not None and shown.has_answer:
            self._answered(row_id, shown, sent=True, answer_id=result.details.get("answer_id"))
            return DeliveryResult(True, "answered; read back")
        self._note(row_id, NOT_SHOWN, sent=True, answer_id=result.details.get("answer_id"))
        return DeliveryResult(True, NOT_SHOWN)

    async def _read(self, connector: Connector, mapping: MappingSchema, account: AccountConfig,
                    ref: MessageRef) -> BuyerMessageRecord | None:  # fmt: skip
        raw = await connector.read_message(ref)
        if raw is None:
            return None
        record = mapping.map_one(ref.kind, raw, account.id, observed_at=self.clock())
        return record if isinstance(record, BuyerMessageRecord) else None

    def _row(self, message_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(MESSAGES).where(MESSAGES.c.id == message_id)).mappings().first()  # fmt: skip
        return dict(row) if row is not None else None

    def _answered(self, row_id: int, shown: BuyerMessageRecord, *, sent: bool,
                  answer_id: str | None = None) -> None:  # fmt: skip
        now = self.clock()
        values: dict[str, Any] = {
            "state": MessageState.ANSWERED, "answer": shown.answer, "error": None,
            "updated_at": now, "answer_id": shown.answer_id or answer_id,
            "answered_at": shown.answered_at or now,
        }  # fmt: skip
        if sent:
            values["sent_at"] = now
        self._update(row_id, values)

    def _note(self, row_id: int, note: str, *, sent: bool, answer_id: Any = None) -> None:
        now = self.clock()
        values: dict[str, Any] = {"error": note, "updated_at": now}
        if sent:
            values["sent_at"] = now
        if answer_id:
            values["answer_id"] = str(answer_id)
        self._update(row_id, values)

    def _refused(self, row_id: int, reason: str) -> DeliveryResult:
        """The marketplace said no: the text goes back to a draft with its reason; a seller
        who approved it by a reply is told in that reply's thread (``tell_refused``)."""
        from mpsync.inbox.replies import tell_refused

        with self.engine.begin() as connection:
            connection.execute(update(MESSAGES).where(MESSAGES.c.id == row_id).values(
                state=MessageState.DRAFT, error=f"refused: {reason}",
                updated_at=self.clock()))  # fmt: skip
            tell_refused(connection, row_id, reason, now=self.clock(),
                         language_of=self._language)  # fmt: skip
        return DeliveryResult(False, reason, permanent=True)

    def _language(self, channel: str) -> str:
        found = [c.language for c in self.settings.notifications.channels if c.name == channel]
        return found[0] if found else "ru"

    def _unavailable(self, row_id: int, reason: str) -> DeliveryResult:
        """The account may not answer (Ozon without Premium Plus, a WB token without the
        "Questions and reviews" scope): the message shows ``unavailable``, the text stays."""
        self._update(row_id, {"state": MessageState.UNAVAILABLE, "error": "not available for this "
                              f"account: {reason}", "updated_at": self.clock()})  # fmt: skip
        return DeliveryResult(False, reason, permanent=True)

    def _failed(self, row_id: int, result: WriteResult) -> DeliveryResult:
        if result.details.get(UNANSWERED):
            return DeliveryResult(False, result.message or "no answer from the marketplace")
        return self._refused(row_id, result.message or "refused")

    def _update(self, row_id: int, values: dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(MESSAGES).where(MESSAGES.c.id == row_id).values(values))
