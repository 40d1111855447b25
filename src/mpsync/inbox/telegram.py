"""Approving drafts by replying in Telegram: the daemon reads the bot's replies.

For a ``telegram`` channel with ``approve_by_reply = true``, ``mpsync run`` long-polls the
Bot API's ``getUpdates`` (``LONG_POLL`` seconds), one replica at a time (the lease
``telegram-replies:CHANNEL``). A message in the configured chat that replies to a draft
notification (its ``reply_to_message.message_id`` is the one Telegram returned when the
draft was delivered, linked in ``notice_links``) goes to ``mpsync.inbox.replies``; a
message from any other chat is ignored and logged without its text. In a group chat only
the users listed in ``approvers`` count (anyone else in the group, another bot, or a
message sent on behalf of a chat is ignored the same way); in a private chat the chat is
the seller. Each update is
handled in one transaction that also saves the next offset (``channel_cursors``) and
queues the bot's answer (event ``inbox.reply``, through the outbox on the same channel),
so an update is acted on once across restarts and replicas, and its answer is sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from mpsync.config.model import ChannelConfig, Settings
from mpsync.coordination import Coordinator, Held, Lease, LeaseLost
from mpsync.coordination.supervisor import sleep_or_stop
from mpsync.inbox.replies import REPLY_KIND, apply_reply, confirmation, linked_message
from mpsync.notify.channels.base import parse_options, short_error
from mpsync.notify.channels.telegram import TelegramOptions, bot_url, response_json, scrub
from mpsync.notify.outbox import enqueue
from mpsync.observe import ReplyObserver
from mpsync.store.tables import ChannelCursor

log = structlog.get_logger("mpsync.inbox.telegram")
CURSORS = ChannelCursor.__table__  # type: ignore[attr-defined]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
LONG_POLL = 10  # seconds Telegram holds getUpdates open while there is nothing new
IDLE = 30.0  # seconds between tries for the lease while another replica reads the chat
RETRY_FIRST, RETRY_CAP = 2.0, 120.0  # back-off after a failed getUpdates, seconds
PAUSE = 1.0  # seconds after a poll with nothing new (a server that does not hold the poll)
NOT_A_DRAFT = {
    "ru": "Не нашёл черновик, к которому этот ответ. Ответьте на уведомление «Черновик ответа "
    "ждёт одобрения».",
    "en": 'This reply is not to a draft notification. Reply to an "A draft answer awaits '
    'approval" message.',
}
NO_APPROVERS = "a group chat needs approvers"
SET_APPROVERS = {  # said in a group with no approvers, to a reply to a draft notification
    "ru": "В группе ответом одобряют только пользователи из approvers в настройках канала "
    "(их Telegram id); ничего не отправлено. Или: mpsync inbox approve {id}",
    "en": "In a group only the channel's approvers (Telegram user ids) approve by reply; "
    "nothing was sent. Or: mpsync inbox approve {id}",
}


class UpdatesFailed(RuntimeError):
    """``getUpdates`` failed; ``retry_after`` is the wait Telegram asked for, if any."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def reply_channels(settings: Settings) -> list[ChannelConfig]:
    """The telegram channels whose replies approve drafts (``approve_by_reply = true``)."""
    return [c for c in settings.notifications.channels if c.type == "telegram" and
            not c.unresolved and parse_options(c, TelegramOptions).approve_by_reply]  # fmt: skip


class TelegramReplies:
    """Reads one channel's chat for replies to draft notifications; time is injected."""

    def __init__(self, engine: Engine, config: ChannelConfig, *, clock: Clock,
                 coordinator: Coordinator | None = None,
                 client: httpx.AsyncClient | None = None, sleep: Sleep = asyncio.sleep,
                 observer: ReplyObserver | None = None) -> None:  # fmt: skip
        self.engine, self.clock, self.coordinator, self.sleep = engine, clock, coordinator, sleep
        self.observer = observer
        self.name = config.name
        self.language = config.language
        self.options = parse_options(config, TelegramOptions)
        self.unit = f"telegram-replies:{self.name}"
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=LONG_POLL + self.options.timeout)
        self.handled = 0  # updates acted on by this process

    # -- one poll ---------------------------------------------------------------------------
    async def poll_once(self, lease: Lease | None = None) -> int:
        """Fetch the updates after the saved offset and handle each; returns how many."""
        offset = await asyncio.to_thread(self._offset)
        updates = await self._updates(offset)
        for update in updates:
            await asyncio.to_thread(self._handle, update, lease)
        return len(updates)

    async def _updates(self, offset: int | None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"timeout": LONG_POLL, "allowed_updates": ["message"]}
        if offset is not None:
            body["offset"] = offset
        url = bot_url(self.options, "getUpdates")
        try:
            wait = LONG_POLL + self.options.timeout
            response = await self._client.post(url, json=body, timeout=wait)
        except httpx.HTTPError as error:
            raise UpdatesFailed(self._scrub(short_error(error))) from None
        data = response_json(response)
        if response.status_code != 200 or not data.get("ok"):
            description = self._scrub(str(data.get("description") or response.reason_phrase))
            asked = _dict(data.get("parameters")).get("retry_after")
            seconds = float(asked) if isinstance(asked, int | float) else None
            raise UpdatesFailed(f"telegram {response.status_code}: {description[:200]}", seconds)
        result = data.get("result")
        if not isinstance(result, list):
            return []
        return [u for u in result if isinstance(u, dict) and type(u.get("update_id")) is int]

    def _handle(self, update: dict[str, Any], lease: Lease | None) -> None:
        """Act on one update and save the next offset, in one transaction (fenced by the
        lease: a replica that lost it acts on nothing)."""
        try:
            with self.engine.begin() as connection:
                self._fence(connection, lease)
                self._act(connection, update)
                self._save(connection, update["update_id"] + 1)
        except (DBAPIError, LeaseLost):
            raise
        except Exception as error:  # noqa: BLE001 - one bad update must not block the chat
            log.error("telegram.reply_failed", channel=self.name, update=update["update_id"],
                      error=type(error).__name__)  # fmt: skip
            with self.engine.begin() as connection:  # skipped, by the lease holder only
                self._fence(connection, lease)
                self._save(connection, update["update_id"] + 1)

    def _fence(self, connection: Connection, lease: Lease | None) -> None:
        if lease is not None and self.coordinator is not None:
            self.coordinator.fence(connection, lease)

    def _act(self, connection: Connection, update: dict[str, Any]) -> None:
        message = update.get("message")
        if not isinstance(message, dict):
            return  # allowed_updates asks for messages only
        chat = _dict(message.get("chat"))
        if not self._ours(chat):
            log.warning("telegram.reply_ignored", channel=self.name, update=update["update_id"],
                        reason="not the configured chat")  # fmt: skip
            return
        target = message.get("reply_to_message")
        if not isinstance(target, dict):
            return  # a message in the chat, not a reply: people may talk there
        ref = f"{chat['id']}:{target.get('message_id')}"
        reply_key = f"telegram:{chat['id']}:{message.get('message_id')}"
        refused = self._not_an_approver(chat, message)
        if refused is not None:
            log.warning("telegram.reply_ignored", channel=self.name, update=update["update_id"],
                        reason=refused)  # fmt: skip
            drafted = linked_message(connection, self.name, ref)
            if refused == NO_APPROVERS and drafted is not None:  # say what to configure
                hint = SET_APPROVERS[self._lang].format(id=drafted)
                self._answer(connection, reply_key, message, hint, None)
            return
        buyer_message = linked_message(connection, self.name, ref)
        if buyer_message is None:
            if _dict(target.get("from")).get("is_bot"):
                self._answer(connection, reply_key, message, NOT_A_DRAFT[self._lang], None)
            return
        text = message.get("text")
        text = text if isinstance(text, str) else ""
        outcome = apply_reply(connection, buyer_message, text, now=self.clock(),
                              source="telegram", reply_key=reply_key)  # fmt: skip
        log.info("telegram.reply", channel=self.name, message=buyer_message,
                 action=outcome.action.value, duplicate=outcome.duplicate)  # fmt: skip
        if not outcome.duplicate:
            self.handled += 1
            self._answer(connection, reply_key, message, confirmation(outcome, self._lang),
                         buyer_message)  # fmt: skip

    @property
    def _lang(self) -> str:
        return self.language if self.language in ("ru", "en") else "ru"

    def _ours(self, chat: dict[str, Any]) -> bool:
        configured = self.options.chat_id
        if "id" not in chat:
            return False
        username = str(chat.get("username") or "")
        named = bool(username) and configured.lstrip("@").casefold() == username.casefold()
        return str(chat["id"]) == configured or named

    def _not_an_approver(self, chat: dict[str, Any], message: dict[str, Any]) -> str | None:
        """Why the sender of *message* may not approve (None: they may). In a private chat
        the sender is the chat; in a group only ``approvers`` count, never a bot or a
        message sent on behalf of a chat (an anonymous admin, a linked channel)."""
        sender = _dict(message.get("from"))
        if "id" not in sender or sender.get("is_bot") or message.get("sender_chat"):
            return "not sent by a person"
        listed = {a.strip().lstrip("@").casefold() for a in self.options.approvers}
        username = str(sender.get("username") or "").casefold()
        if str(sender["id"]) in listed or (username and username in listed):
            return None
        if chat.get("type") == "private" and not listed:
            return None
        return "sender not in approvers" if listed else NO_APPROVERS

    def _answer(self, connection: Connection, reply_key: str, message: dict[str, Any],
                text: str, buyer_message: int | None) -> None:  # fmt: skip
        payload = {"confirmation": text, "reply_to_message_id": message.get("message_id"),
                   "id": buyer_message}  # fmt: skip
        enqueue(connection, dedupe_key=f"reply:{reply_key}"[:255], channel=self.name,
                event_kind=REPLY_KIND, payload=payload, now=self.clock())  # fmt: skip

    # -- the offset -------------------------------------------------------------------------
    def _offset(self) -> int | None:
        with self.engine.connect() as connection:
            query = select(CURSORS.c.position).where(CURSORS.c.channel == self.name)
            stored = connection.execute(query).scalar()
        return int(stored) if stored is not None else None

    def _save(self, connection: Connection, offset: int) -> None:
        values = {"channel": self.name, "position": str(offset), "updated_at": self.clock()}
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(CURSORS).values(values)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["channel"],
            set_={"position": statement.excluded.position,
                  "updated_at": statement.excluded.updated_at}))  # fmt: skip

    # -- the loop ---------------------------------------------------------------------------
    async def serve(self, stop: asyncio.Event) -> None:
        """Poll while this process holds the channel's lease, until *stop* is set."""
        while not stop.is_set():
            if self.coordinator is None:
                await self._poll_while(stop, None)
                continue
            got = await self.coordinator.acquire(self.unit)
            if isinstance(got, Held):
                await self._wait(stop, IDLE)
                continue
            try:
                await self._poll_while(stop, got)
            finally:
                await asyncio.to_thread(self.coordinator.release, got)

    async def _poll_while(self, stop: asyncio.Event, lease: Lease | None) -> None:
        failures = 0
        while not stop.is_set():
            if lease is not None and not self._holds(lease):
                return
            try:
                handled = await self._until_stop(stop, self.poll_once(lease))
                failures = 0
                if not handled:
                    await self._wait(stop, PAUSE)
            except LeaseLost:
                log.warning("telegram.replies_lease_lost", channel=self.name)
                return
            except UpdatesFailed as error:
                failures += 1
                if self.observer is not None:
                    self.observer.reply_read_failed(self.name)
                wait = max(min(RETRY_CAP, RETRY_FIRST * 2 ** (failures - 1)),
                           min(error.retry_after or 0.0, RETRY_CAP * 30))  # fmt: skip
                log.warning("telegram.updates_failed", channel=self.name, error=str(error),
                            retry_in=wait)  # fmt: skip
                await self._wait(stop, wait)

    def _holds(self, lease: Lease) -> bool:
        return self.coordinator is not None and self.coordinator.holds(lease.unit)

    async def _until_stop(self, stop: asyncio.Event, work: Awaitable[int]) -> int:
        """Run *work*; a stop meanwhile cancels it (the offset keeps what was handled)."""
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if task.done() and not task.cancelled():
            return task.result()  # raises what the poll raised
        return 0

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        await sleep_or_stop(self.sleep, stop, seconds)

    def _scrub(self, text: str) -> str:
        return scrub(self.options, text)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
