"""Approving drafts by replying in Telegram (``mpsync.inbox.telegram``), against the sandbox
on SQLite and PostgreSQL, with the Bot API mocked by respx (no network) and time injected.

A draft rule sends nothing until the seller replies; «ок» sends the draft once, through
the outbox, to the marketplace; a text is sent as written; a reply from another chat does
nothing; the same update seen again (a restart that re-reads it) acts once. The Bot API
shapes used: ``sendMessage`` answers ``{"ok": true, "result": Message}`` (``message_id``,
``chat.id``); ``getUpdates`` answers ``{"ok": true, "result": [Update]}`` with
``update_id`` and ``message.reply_to_message`` (https://core.telegram.org/bots/api).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx
import structlog
from sqlalchemy import Engine, select

from mpsync.config import ChannelConfig, Settings, load_config_data
from mpsync.coordination import Coordinator, Identity, Lease
from mpsync.inbox.answers import CHANNEL, apply_rules
from mpsync.inbox.replies import LINKS
from mpsync.inbox.service import answer_channel
from mpsync.inbox.telegram import TelegramReplies, UpdatesFailed, reply_channels
from mpsync.notify import Dispatcher, build_channels
from mpsync.notify.dispatcher import Batch
from mpsync.runtime import Runtime
from mpsync.sandbox import SandboxConfig, SandboxServer
from mpsync.sync.service import SyncService

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TOKEN = "123456:AAE-secret-bot-token"
BOT = f"https://api.telegram.org/bot{TOKEN}"
CHAT = -100123
DRAFT = "Спасибо за отзыв! Напишите нам, разберёмся."
SELLER = 7  # the Telegram user who may approve in the group chat
TG = {"name": "tg", "type": "telegram", "bot_token": TOKEN, "chat_id": CHAT,
      "approve_by_reply": True, "approvers": [SELLER]}  # fmt: skip


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=5, backlog=20, orders_per_minute=0, start_time=T0,
                           rate_limit_scale=0)  # fmt: skip
    with SandboxServer(config) as server:
        yield server


def _settings(sandbox: SandboxServer, store_url: str, **channel: Any) -> Settings:
    account = {"id": "wb", "marketplace": "wildberries", "token": "t0ken-wb",
               "poll": {"history": "2d", "lookback": "10m"},
               "api_base_url": sandbox.url_for("wildberries")}  # fmt: skip
    rules = [{"name": "thanks", "kinds": ["review"], "mode": "draft", "template": DRAFT}]
    return load_config_data({
        "store": {"url": store_url}, "accounts": [account], "answers": {"rules": rules},
        "notifications": {"channels": [{**TG, **channel}], "rules": [{"events": ["inbox.draft"],
                                                       "channels": ["tg"]}]},
    }, env={})  # fmt: skip


class Bot:
    """The Bot API as respx routes: sent messages get ids from 500 on; updates are set."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.sent: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.offsets: list[int | None] = []
        self.honour_offset = True
        router.post(f"{BOT}/sendMessage").mock(side_effect=self._send)
        self.polls = router.post(f"{BOT}/getUpdates").mock(side_effect=self._updates)

    def _send(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.sent.append({**body, "message_id": 500 + len(self.sent)})
        result = {"message_id": self.sent[-1]["message_id"], "chat": {"id": CHAT}}
        return httpx.Response(200, json={"ok": True, "result": result})

    def _updates(self, request: httpx.Request) -> httpx.Response:
        offset = json.loads(request.content).get("offset")
        self.offsets.append(offset)
        fresh = [u for u in self.updates
                 if offset is None or not self.honour_offset or u["update_id"] >= offset]  # fmt: skip
        return httpx.Response(200, json={"ok": True, "result": fresh})

    def reply(self, update_id: int, to: int, text: str, chat: int = CHAT,
              sender: dict[str, Any] | None = None, **extra: Any) -> None:  # fmt: skip
        sender = sender or {"id": SELLER, "is_bot": False, "first_name": "S"}
        self.updates.append({"update_id": update_id, "message": {
            "message_id": 900 + update_id, "chat": {"id": chat, "type": "group"}, **extra,
            "date": 1_700_000_000, "from": sender,
            "text": text, "reply_to_message": {"message_id": to, "chat": {"id": CHAT},
                                               "from": {"id": 1, "is_bot": True}}}})  # fmt: skip


@pytest.fixture
def bot() -> Iterator[Bot]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()  # the sandbox
        yield Bot(router)


def _truth(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in httpx.get(f"{sandbox.base_url}/_sandbox/buyers",
                                          timeout=10).json() if t["marketplace"] == "wildberries"}  # fmt: skip


def _external(store: Engine, message_id: int) -> str:
    from mpsync.inbox.store import MESSAGES

    with store.connect() as connection:
        query = select(MESSAGES.c.external_id).where(MESSAGES.c.id == message_id)
        return str(connection.execute(query).scalar_one())


def _links(store: Engine) -> dict[int, int]:
    """Telegram message id of each draft notification → buyer message id."""
    with store.connect() as connection:
        rows = connection.execute(select(LINKS.c.ref, LINKS.c.message_id)).all()
    return {int(ref.split(":")[1]): message_id for ref, message_id in rows}


class World:
    """The daemon's parts for one replica: sync, rules, outbox, reply reader."""

    def __init__(self, sandbox: SandboxServer, store: Engine, settings: Settings) -> None:
        async def no_sleep(_: float) -> None:
            return None

        self.store, self.settings = store, settings
        self.clock = lambda: sandbox.state.world.now_dt
        self.runtime = Runtime.build(store, settings, clock=self.clock, sleep=no_sleep)
        self.runtime.register_accounts()
        self.service = SyncService(self.runtime)
        self.channels = build_channels(settings)

    async def drafts(self) -> None:
        results = await self.service.sync(stream="reviews")
        assert {r.outcome for r in results} == {"ok"}, [r.error for r in results]
        with self.store.begin() as connection:
            assert apply_rules(connection, self.settings, now=self.clock()).drafted

    async def deliver(self) -> None:
        channels = {**self.channels, CHANNEL: answer_channel(self.runtime)}
        await Dispatcher(self.store, self.settings, channels, clock=self.clock).run_once(500)

    def reader(self) -> TelegramReplies:
        return TelegramReplies(self.store, self.settings.notifications.channels[0],
                               clock=self.clock)  # fmt: skip

    async def close(self) -> None:
        await self.runtime.aclose()
        for channel in self.channels.values():
            await channel.aclose()


def test_reply_ok_sends_the_draft_once_own_text_as_written_other_chats_nothing(
    sandbox: SandboxServer, store: Engine, store_url: str, bot: Bot
) -> None:
    world = World(sandbox, store, _settings(sandbox, store_url))

    async def scenario() -> None:
        try:
            await world.drafts()
            await world.deliver()
            links = _links(store)
            assert len(links) == len(bot.sent) >= 4  # every draft notification linked
            assert all("Ответьте «ок», чтобы отправить" in m["text"] for m in bot.sent)
            assert not any(t["answers"] for t in _truth(sandbox).values())  # drafts wait
            (ok_to, ok_id), (text_to, text_id), (other_to, other_id) = sorted(links.items())[:3]
            bot.reply(1, ok_to, "Ок!")
            bot.reply(2, text_to, "Заменим кружку, напишите в чат заказа.")
            bot.reply(3, other_to, "Отвечаю сам: Пётр", chat=-100999)  # another chat
            reader = world.reader()
            assert await reader.poll_once() == 3
            await world.deliver()  # the answers to the marketplace and the bot's answers
            await world.deliver()
            truth = _truth(sandbox)
            assert truth[_external(store, ok_id)]["answers"] == 1
            assert truth[_external(store, ok_id)]["answer"] == DRAFT
            assert truth[_external(store, text_id)]["answer"] == (
                "Заменим кружку, напишите в чат заказа.")  # fmt: skip
            assert truth[_external(store, other_id)]["answers"] == 0
            assert sum(t["answers"] for t in truth.values()) == 2
            confirmations = [m for m in bot.sent if "reply_parameters" in m]
            assert sorted(m["reply_parameters"]["message_id"] for m in confirmations) == [901, 902]
            assert all("отправляется на маркетплейс" in m["text"] for m in confirmations)

            # A restart that reads the same updates again (the offset is in the store:
            # the new reader asks from 4), and Telegram re-sending them anyway: once.
            again = world.reader()
            assert await again.poll_once() == 0 and bot.offsets[-1] == 4
            bot.honour_offset = False
            assert await again.poll_once() == 3 and again.handled == 0
            bot.honour_offset = True
            bot.reply(4, ok_to, "Другой ответ")  # after the answer was queued: refused
            await again.poll_once()
            await world.deliver()
            truth = _truth(sandbox)
            assert truth[_external(store, ok_id)]["answers"] == 1
            assert sum(t["answers"] for t in truth.values()) == 2
            assert "уже ответили" in bot.sent[-1]["text"]

            # A text the marketplace refuses (WB review answers: 2+ characters) is reported;
            # a reply to that report with a fixed text answers the draft.
            fix_to, fix_id = sorted(links.items())[3]
            bot.reply(5, fix_to, "ы")
            await again.poll_once()
            await world.deliver()
            refusal = bot.sent[-1]
            assert "не отправлен" in refusal["text"] and "at least 2" in refusal["text"]
            assert _links(store)[refusal["message_id"]] == fix_id
            bot.reply(6, refusal["message_id"], "Исправим, напишите нам.")
            await again.poll_once()
            await world.deliver()
            assert _truth(sandbox)[_external(store, fix_id)]["answer"] == "Исправим, напишите нам."

            # In the group, only the approvers count: another member, a bot, a message
            # sent on behalf of a chat (an anonymous admin) approve nothing, get no answer.
            sent_before = len(bot.sent)
            bot.reply(7, other_to, "ок", sender={"id": 8, "is_bot": False, "first_name": "E"})
            bot.reply(8, other_to, "ок", sender={"id": 9, "is_bot": True, "first_name": "B"})
            bot.reply(9, other_to, "Ответ от имени группы", sender={"id": 1087968824,
                      "is_bot": True, "first_name": "Group"}, sender_chat={"id": CHAT})  # fmt: skip
            assert await again.poll_once() == 3 and again.handled == 3
            await world.deliver()
            assert _truth(sandbox)[_external(store, other_id)]["answers"] == 0
            assert len(bot.sent) == sent_before
            await reader.aclose()
            await again.aclose()
        finally:
            await world.close()

    with structlog.testing.capture_logs() as logs:
        asyncio.run(scenario())
    ignored = [e for e in logs if e["event"] == "telegram.reply_ignored"]
    assert [e["reason"] for e in ignored] == ["not the configured chat"] * 2 + [  # re-read once
                                              "sender not in approvers",
                                              "not sent by a person",
                                              "not sent by a person"]  # fmt: skip
    assert "Пётр" not in repr(logs) and "от имени" not in repr(logs)  # without the text


def test_a_group_without_approvers_approves_nothing_and_says_what_to_set(
    sandbox: SandboxServer, store: Engine, store_url: str, bot: Bot
) -> None:
    world = World(sandbox, store, _settings(sandbox, store_url, approvers=[]))

    async def scenario() -> None:
        try:
            await world.drafts()
            await world.deliver()
            to, message = sorted(_links(store).items())[0]
            bot.reply(1, to, "ок")
            reader = world.reader()
            await reader.poll_once()
            await reader.aclose()
            await world.deliver()
            await world.deliver()
            assert _truth(sandbox)[_external(store, message)]["answers"] == 0
            hint = bot.sent[-1]
            assert hint["reply_parameters"]["message_id"] == 901
            assert "approvers" in hint["text"] and f"approve {message}" in hint["text"]
        finally:
            await world.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("chat_type", "approvers", "sender", "allowed"),
    [
        ("private", [], {"id": 7}, True),  # the chat is the seller's own
        ("private", ["7"], {"id": 7}, True),
        ("private", ["7"], {"id": 8}, False),
        ("group", [], {"id": 7}, False),  # a group without approvers: nobody
        ("supergroup", ["7"], {"id": 7}, True),
        ("supergroup", ["@Seller"], {"id": 7, "username": "seller"}, True),
        ("supergroup", ["7"], {"id": 8, "username": "seller"}, False),
        ("supergroup", ["7"], {"id": 7, "is_bot": True}, False),
        ("supergroup", ["7"], {}, False),
    ],
)
def test_who_may_approve_in_the_chat(
    store: Engine, chat_type: str, approvers: list[str], sender: dict[str, Any], allowed: bool
) -> None:
    config = ChannelConfig.model_validate({**TG, "approvers": approvers})
    reader = TelegramReplies(store, config, clock=lambda: T0)
    message = {"chat": {"id": CHAT, "type": chat_type}, "from": sender}
    refused = reader._not_an_approver(message["chat"], message)
    assert (refused is None) is allowed, refused
    asyncio.run(reader.aclose())


def test_a_channel_without_replies_keeps_the_command_only() -> None:
    from mpsync.notify.outbox import ClaimedMessage

    payload = {"id": 7, "kind": "question", "text": "Когда доставка?", "draft": DRAFT,
               "rule": "thanks", "account": "wb", "marketplace": "wildberries"}  # fmt: skip
    row = ClaimedMessage(1, "k", "tg", "inbox.draft", payload, 1, T0)
    for replies, hint in ((True, "Ответьте «ок», чтобы отправить"), (False, "Отправить: mpsync")):
        settings = load_config_data({"notifications": {"channels": [
            {**TG, "approve_by_reply": replies}]}}, env={})  # fmt: skip
        channels = build_channels(settings)
        dispatcher = Dispatcher(None, settings, channels)  # type: ignore[arg-type]
        text = dispatcher.compose(Batch("tg", [row])).text
        assert hint in text and "mpsync inbox approve 7" in text
        assert ("Ответьте" in text) is replies


def test_replies_are_read_by_one_replica_only(store: Engine, store_url: str) -> None:
    settings = load_config_data({"store": {"url": store_url},
                                 "notifications": {"channels": [TG]}}, env={})  # fmt: skip
    assert [c.name for c in reply_channels(settings)] == ["tg"]
    other = Coordinator(store, identity=Identity("replica-2", 4242, "cafe", "elsewhere"))
    held = other.try_acquire("telegram-replies:tg")
    assert isinstance(held, Lease)
    mine = Coordinator(store)
    stop = asyncio.Event()

    async def idle(_: float) -> None:
        stop.set()  # the first wait for the lease ends the test

    async def scenario() -> int:
        with respx.mock(assert_all_called=False) as router:
            polls = router.post(f"{BOT}/getUpdates").mock(
                return_value=httpx.Response(200, json={"ok": True, "result": []}))  # fmt: skip
            reader = TelegramReplies(store, settings.notifications.channels[0],
                                     clock=lambda: T0, coordinator=mine, sleep=idle)  # fmt: skip
            await asyncio.wait_for(reader.serve(stop), timeout=30)
            await reader.aclose()
            await mine.aclose()
            return int(polls.call_count)

    assert asyncio.run(scenario()) == 0  # the other replica holds the chat: no getUpdates
    other.shutdown()


def test_a_failed_poll_names_no_token(store: Engine, store_url: str) -> None:
    config = ChannelConfig.model_validate(TG)

    async def scenario() -> str:
        with respx.mock() as router:
            router.post(f"{BOT}/getUpdates").mock(return_value=httpx.Response(409, json={
                "ok": False, "description": f"Conflict: webhook is active for bot{TOKEN}"}))  # fmt: skip
            reader = TelegramReplies(store, config, clock=lambda: T0)
            try:
                await reader.poll_once()
            except UpdatesFailed as error:
                return str(error)
            finally:
                await reader.aclose()
        raise AssertionError("no error")

    detail = asyncio.run(scenario())
    assert "409" in detail and TOKEN not in detail and "***" in detail


async def test_failed_reads_of_the_updates_are_counted_and_backed_off(store: Engine) -> None:
    config = ChannelConfig.model_validate(TG)
    stop = asyncio.Event()
    waits: list[float] = []
    counted: list[str] = []

    async def sleep(seconds: float) -> None:  # time injected: no real wait
        waits.append(seconds)
        if len(waits) == 3:
            stop.set()

    with respx.mock() as router:
        router.post(f"{BOT}/getUpdates").mock(return_value=httpx.Response(502))
        reader = TelegramReplies(store, config, clock=lambda: T0, sleep=sleep,
                                 observer=SimpleNamespace(reply_read_failed=counted.append))  # fmt: skip
        try:
            await asyncio.wait_for(reader.serve(stop), timeout=30)
        finally:
            await reader.aclose()
    assert counted == [config.name] * 3  # each failed read counted (mpsync_reply_read_failures)
    assert waits == sorted(waits) and waits[0] < waits[-1]  # and backed off


async def test_mpsync_run_reads_the_chat_of_a_channel_with_replies(tmp_path: Any) -> None:
    from mpsync.daemon import Daemon
    from mpsync.store.engine import create_store_engine

    url = f"sqlite:///{tmp_path / 'store.db'}"
    settings = load_config_data({"store": {"url": url}, "notifications": {"channels": [TG]}},
                                env={})  # fmt: skip
    engine = create_store_engine(url, create=True)
    daemon = Daemon(engine, settings, serve_http=False)
    with respx.mock(assert_all_called=False) as router:
        polls = router.post(f"{BOT}/getUpdates").mock(return_value=httpx.Response(
            200, json={"ok": True, "result": [{"update_id": 41, "message": {
                "message_id": 1, "chat": {"id": CHAT}, "text": "привет"}}]}))  # fmt: skip
        running = asyncio.create_task(daemon.run())
        deadline = asyncio.get_running_loop().time() + 20
        while polls.call_count < 2:
            assert asyncio.get_running_loop().time() < deadline, "getUpdates never called"
            await asyncio.sleep(0.01)
        daemon.request_stop()
        await asyncio.wait_for(running, timeout=30)
    assert json.loads(polls.calls.last.request.content)["offset"] == 42  # kept in the store
    with engine.connect() as connection:
        from mpsync.inbox.telegram import CURSORS

        assert connection.execute(select(CURSORS.c.position)).scalar() == "42"
    engine.dispose()


def test_an_update_that_fails_is_skipped_logged_without_text_and_the_next_one_handled(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mpsync.inbox import telegram

    config = ChannelConfig.model_validate(TG)
    looked: list[str] = []

    def linked(connection: Any, channel: str, ref: str) -> int | None:
        looked.append(ref)
        if len(looked) == 1:
            raise ValueError("unexpected shape: Пётр, +7 900 000-00-00")
        return None

    monkeypatch.setattr(telegram, "linked_message", linked)
    updates = [{"update_id": 10 + n, "message": {
        "message_id": 50 + n, "chat": {"id": CHAT, "type": "group"}, "text": "Пётр",
        "from": {"id": SELLER, "is_bot": False},
        "reply_to_message": {"message_id": 5, "from": {"id": 1, "is_bot": True}}}}
        for n in range(2)]  # fmt: skip

    async def scenario() -> int:
        with respx.mock() as router:
            router.post(f"{BOT}/getUpdates").mock(return_value=httpx.Response(
                200, json={"ok": True, "result": updates}))  # fmt: skip
            reader = TelegramReplies(store, config, clock=lambda: T0)
            try:
                return await reader.poll_once()
            finally:
                await reader.aclose()

    with structlog.testing.capture_logs() as logs:
        assert asyncio.run(scenario()) == 2
    assert len(looked) == 2  # the second update was handled after the first failed
    failed = [e for e in logs if e["event"] == "telegram.reply_failed"]
    assert [(e["update"], e["error"]) for e in failed] == [(10, "ValueError")]
    assert "Пётр" not in repr(logs) and "+7" not in repr(logs)
    from mpsync.inbox.telegram import CURSORS

    with store.connect() as connection:
        assert connection.execute(select(CURSORS.c.position)).scalar() == "12"
