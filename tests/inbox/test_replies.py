"""Approving a draft by reply (``mpsync.inbox.replies``), on SQLite and PostgreSQL: a yes
queues the draft, a no leaves it unsent, any other text is the seller's answer; one answer
per message however often a reply is handled, and a second reply is refused clearly.

Length limits: Wildberries review answers take 2–5000 characters and a review can be
answered for 30 days (connectors/wildberries/buyers.py, from the feedbacks API spec).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from mpsync.config import Settings, load_config_data
from mpsync.domain import BuyerMessageRecord
from mpsync.inbox import replies
from mpsync.inbox.answers import apply_rules
from mpsync.inbox.replies import Intent, Reason, ReplyAction, apply_reply, confirmation, intent
from mpsync.inbox.store import MESSAGES
from mpsync.mapping import MappedPage
from mpsync.notify.outbox import OUTBOX
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DRAFT = "Нам жаль! Напишите нам, исправим."
RULES = [{"name": "sorry", "kinds": ["review"], "rating_max": 2, "mode": "draft",
          "template": DRAFT}]  # fmt: skip


@pytest.mark.parametrize("text", ["ок", "OK", "Ок!", "  ok. ", "да", "Да!!", "+", "👍", "👍🏻",
                                  "Отправить", "ок, отправляй", "+1", "yes"])  # fmt: skip
def test_short_yes_approves(text: str) -> None:
    assert intent(text) is Intent.APPROVE


@pytest.mark.parametrize("text", ["нет", "Нет.", "отклонить", "SKIP", "не отправлять"])
def test_short_no_declines(text: str) -> None:
    assert intent(text) is Intent.DECLINE


@pytest.mark.parametrize("text", ["Да, конечно, пришлём замену", "ок спасибо за отзыв",
                                  "Нет в наличии, извините", "++ отлично"])  # fmt: skip
def test_anything_else_is_the_sellers_text(text: str) -> None:
    assert intent(text) is Intent.TEXT


@pytest.mark.parametrize("text", ["", "   ", "..."])
def test_no_text_is_empty(text: str) -> None:
    assert intent(text) is Intent.EMPTY


def _settings(url: str) -> Settings:
    accounts = [{"id": "wb", "marketplace": "wildberries", "token": "t"}]
    return load_config_data({"store": {"url": url}, "accounts": accounts,
                             "answers": {"rules": RULES}}, env={})  # fmt: skip


def _drafts(store: Engine, settings: Settings, count: int = 2) -> list[int]:
    records = [BuyerMessageRecord.model_validate({
        "account_id": "wb", "kind": "review", "external_id": f"r{i}", "author": "Анна",
        "created_at": NOW - timedelta(days=1), "sku": "MUG-1", "rating": 1,
        "text": f"Треснула кружка {i}"}) for i in range(count)]  # fmt: skip
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "wb", "marketplace": "wildberries",  # type: ignore[attr-defined]
                    "created_at": NOW}], ["id"], update=[], returning=None)  # fmt: skip
        write_page(connection, None, PageTarget("wb", "wildberries", "reviews", "review"),
                   MappedPage(records=records), now=NOW)  # fmt: skip
        stats = apply_rules(connection, settings, now=NOW)
    assert len(stats.drafted) == count
    return sorted(stats.drafted)


def _answers(store: Engine, message_id: int) -> list[str]:
    query = select(OUTBOX.c.payload).where(OUTBOX.c.channel == "marketplace",
                                           OUTBOX.c.dedupe_key.like(f"answer:{message_id}:%"))  # fmt: skip
    with store.connect() as connection:
        return [payload["text"] for payload in connection.execute(query).scalars()]


def _message(store: Engine, message_id: int) -> dict[str, Any]:
    with store.connect() as connection:
        row = connection.execute(select(MESSAGES).where(MESSAGES.c.id == message_id))
        return dict(row.mappings().one())


def _reply(store: Engine, message_id: int, text: str, key: str | None,
           now: datetime = NOW) -> replies.ReplyOutcome:  # fmt: skip
    with store.begin() as connection:
        return apply_reply(connection, message_id, text, now=now, source="telegram",
                           reply_key=key)  # fmt: skip


def test_yes_queues_the_draft_once_and_a_repeat_does_nothing(store: Engine,
                                                              store_url: str) -> None:  # fmt: skip
    first, _ = _drafts(store, _settings(store_url))
    outcome = _reply(store, first, "Ок!", "telegram:1:10")
    assert outcome.action is ReplyAction.APPROVED and outcome.text == DRAFT
    assert not outcome.duplicate and outcome.kind == "review"
    assert _answers(store, first) == [DRAFT]
    assert _message(store, first)["state"] == "sending"
    again = _reply(store, first, "Ок!", "telegram:1:10", NOW + timedelta(minutes=1))
    assert again.duplicate and again.action is ReplyAction.APPROVED
    assert _answers(store, first) == [DRAFT]  # the same reply handled twice: one answer


def test_own_text_is_sent_and_a_second_reply_is_refused(store: Engine, store_url: str) -> None:
    first, _ = _drafts(store, _settings(store_url))
    outcome = _reply(store, first, "  Пришлём новую кружку бесплатно.  ", "telegram:1:11")
    assert outcome.action is ReplyAction.ANSWERED
    assert _answers(store, first) == ["Пришлём новую кружку бесплатно."]
    later = _reply(store, first, "Другой текст ответа", "telegram:1:12")
    assert later.action is ReplyAction.REFUSED and later.reason is Reason.CLOSED
    assert not later.duplicate and later.text == "Пришлём новую кружку бесплатно."
    assert _answers(store, first) == ["Пришлём новую кружку бесплатно."]
    assert "уже ответили" in confirmation(later)
    yes = _reply(store, first, "ок", "telegram:1:13")  # a late yes: nothing either
    assert yes.reason is Reason.CLOSED and len(_answers(store, first)) == 1


def test_no_leaves_the_draft_unsent_and_a_later_text_still_answers(
    store: Engine, store_url: str
) -> None:
    settings = _settings(store_url)
    first, _ = _drafts(store, settings)
    outcome = _reply(store, first, "нет", "telegram:1:20")
    assert outcome.action is ReplyAction.DECLINED and _answers(store, first) == []
    row = _message(store, first)
    assert row["state"] == "draft" and "declined" in row["error"]
    with store.begin() as connection:  # the rules do not redraft or send it
        assert apply_rules(connection, settings, now=NOW + timedelta(hours=1)).drafted == []
    assert _answers(store, first) == []
    assert "отклонён" in confirmation(outcome)
    text = _reply(store, first, "Свяжитесь с нами, заменим.", "telegram:1:21")
    assert text.action is ReplyAction.ANSWERED
    assert _answers(store, first) == ["Свяжитесь с нами, заменим."]


def test_a_text_the_marketplace_refuses_is_reported_and_nothing_sent(
    store: Engine, store_url: str
) -> None:
    first, second = _drafts(store, _settings(store_url))
    short = _reply(store, first, "ы", "telegram:1:30")  # WB review answers: 2+ characters
    assert short.action is ReplyAction.REFUSED and short.reason is Reason.REFUSED
    assert "at least 2" in short.detail and _answers(store, first) == []
    assert _message(store, first)["state"] == "draft"  # still open: a fixed reply works
    assert _reply(store, first, "ок", "telegram:1:31").action is ReplyAction.APPROVED
    late = _reply(store, second, "ок", "telegram:1:32", NOW + timedelta(days=31))
    assert late.reason is Reason.REFUSED and "deadline" in late.detail
    assert _answers(store, second) == []


def test_empty_and_unknown_replies_do_nothing(store: Engine, store_url: str) -> None:
    first, _ = _drafts(store, _settings(store_url))
    empty = _reply(store, first, "", "telegram:1:40")
    assert empty.reason is Reason.EMPTY and _answers(store, first) == []
    unknown = _reply(store, 999_999, "ок", "telegram:1:41")
    assert unknown.reason is Reason.UNKNOWN


def test_the_reply_history_and_notice_links(store: Engine, store_url: str) -> None:
    first, second = _drafts(store, _settings(store_url))
    _reply(store, first, "нет", "telegram:1:50")
    _reply(store, first, "ок", "telegram:1:51", NOW + timedelta(minutes=5))
    with store.begin() as connection:
        history = replies.replies_of(connection, first)
        replies.link_notice(connection, "tg", "1:500", second, now=NOW)
        replies.link_notice(connection, "tg", "1:500", first, now=NOW)  # first link stays
        assert replies.linked_message(connection, "tg", "1:500") == second
        assert replies.linked_message(connection, "tg", "1:501") is None
    assert [(h["action"], h["text"], h["source"]) for h in history] == [
        ("declined", "нет", "telegram"), ("approved", "ок", "telegram")]  # fmt: skip


def test_inbox_show_lists_the_replies(store: Engine, store_url: str) -> None:
    from mpsync.inbox.listing import show_message

    first, _ = _drafts(store, _settings(store_url))
    _reply(store, first, "ок", "telegram:1:60")
    shown = show_message(store, first, now=NOW)
    assert shown is not None and shown["state"] == "sending"
    assert [(r["source"], r["text"], r["action"]) for r in shown["replies"]] == [
        ("telegram", "ок", "approved")]  # fmt: skip


def test_two_replicas_handling_one_reply_at_once_answer_once(store: Engine,
                                                             store_url: str) -> None:  # fmt: skip
    """The second transaction waits on the first's reply key, then finds it: a duplicate
    (PostgreSQL: row locks; SQLite has one writer and one daemon per store)."""
    if store.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    first, _ = _drafts(store, _settings(store_url))
    outcomes: list[replies.ReplyOutcome] = []
    with store.begin() as connection:
        outcomes.append(apply_reply(connection, first, "ок", now=NOW, source="telegram",
                                    reply_key="telegram:1:70"))  # fmt: skip
        other = threading.Thread(target=lambda: outcomes.append(
            _reply(store, first, "ок", "telegram:1:70")))  # fmt: skip
        other.start()
        _until_waiting_on_a_lock(store)
    other.join(timeout=30)
    assert [o.duplicate for o in outcomes] == [False, True]
    assert _answers(store, first) == [DRAFT]


def _until_waiting_on_a_lock(store: Engine) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                 " AND datname = current_database()")  # fmt: skip
    deadline = time.monotonic() + 30
    with store.connect() as watcher:
        while not watcher.execute(query).scalar():
            assert time.monotonic() < deadline, "the second replica never waited"
            watcher.rollback()
            time.sleep(0.01)


def test_a_store_error_never_shows_the_reply_or_the_buyers_text(store: Engine) -> None:
    """A database error (logged by the supervisor) names the statement, not its values."""
    from sqlalchemy import insert
    from sqlalchemy.exc import DBAPIError

    row = {"reply_key": "telegram:1:1", "message_id": 1, "source": "telegram",
           "text": "Пётр, +7 900 000-00-00", "action": "received", "detail": "",
           "received_at": NOW}  # fmt: skip
    with pytest.raises(DBAPIError) as raised, store.begin() as connection:
        connection.execute(insert(replies.REPLIES).values(row))
        connection.execute(insert(replies.REPLIES).values(row))  # the same key again
    assert "inbox_replies" in str(raised.value) and "Пётр" not in str(raised.value)
