"""Buyers' messages into the store (SQLite and PostgreSQL): once per message, the seller's
state kept across reads, the product bound through the catalogue, low ratings announced,
and the knowledge base deciding once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from mpsync.catalog import write_products
from mpsync.config import load_config_data
from mpsync.domain import BuyerMessageRecord, ProductRecord
from mpsync.inbox.answers import apply_rules, approve
from mpsync.mapping import MappedPage
from mpsync.store.tables import Account
from mpsync.store.upsert import bulk_upsert
from mpsync.sync.writer import PageTarget, write_page

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
RULES = [
    {"name": "delivery", "kinds": ["question"], "match": ["доставка"], "mode": "auto",
     "template": "Здравствуйте! {{ product }} доставим за 1–3 дня."},
    {"name": "thanks", "kinds": ["review"], "rating_min": 5, "mode": "draft",
     "template": "Спасибо за отзыв, {{ buyer }}!"},
]  # fmt: skip


def _settings() -> Any:
    return load_config_data({
        "accounts": [{"id": "oz", "marketplace": "ozon", "client_id": "1", "api_key": "k"}],
        "answers": {"rules": RULES},
        "notifications": {"channels": [{"name": "seller", "type": "console"}],
                          "rules": [{"events": ["inbox.review_low", "inbox.draft"],
                                     "channels": ["seller"]}]},
    }, env={})  # fmt: skip


def _message(external_id: str, kind: str = "review", **values: Any) -> BuyerMessageRecord:
    return BuyerMessageRecord.model_validate({
        "account_id": "oz", "kind": kind, "external_id": external_id, "text": "Хорошо",
        "created_at": NOW - timedelta(hours=1), "product_ids": {"sku": "555"}, **values})  # fmt: skip


def _write(store: Engine, records: list[BuyerMessageRecord], notify: bool = True) -> Any:
    target = PageTarget("oz", "ozon", "reviews", "review", notify=notify)
    with store.begin() as connection:
        return write_page(connection, _settings(), target, MappedPage(records=list(records)),
                          now=NOW)  # fmt: skip


def _prepare(store: Engine) -> None:
    with store.begin() as connection:
        bulk_upsert(connection, Account.__table__, [{"id": "oz", "marketplace": "ozon",  # type: ignore[attr-defined]
                    "created_at": NOW}], ["id"], update=[], returning=None)  # fmt: skip
        write_products(connection, "oz", [ProductRecord(
            account_id="oz", sku="MUG-1", name="Кружка", ids={"sku": "555", "product_id": "9"})],
            NOW)  # fmt: skip


def _rows(store: Engine) -> dict[str, Any]:
    with store.connect() as connection:
        rows = connection.execute(text(
            "SELECT external_id, sku, product_name, state, answer, draft, rule FROM buyer_messages"
        )).mappings().all()  # fmt: skip
    return {row["external_id"]: dict(row) for row in rows}


def _outbox(store: Engine) -> list[tuple[str, str]]:
    with store.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT channel, event_kind FROM outbox ORDER BY id")).all()]  # fmt: skip


def test_each_message_lands_once_with_its_bound_sku(store: Engine) -> None:
    _prepare(store)
    page = [_message("r1", rating=2, text="Плохо"), _message("r2", rating=5),
            _message("q1", kind="question", text="Когда доставка?", product_ids={})]  # fmt: skip
    first = _write(store, page)
    again = _write(store, page)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (3, 0, 0, 3)
    rows = _rows(store)
    assert rows["r1"]["sku"] == "MUG-1" and rows["r1"]["product_name"] == "Кружка"
    assert rows["q1"]["sku"] is None  # no id, no guess
    assert {r["state"] for r in rows.values()} == {"unanswered"}
    # The 2-star review is announced once, the 5-star one not at all.
    assert _outbox(store) == [("seller", "inbox.review_low")]


def test_an_accounts_first_read_announces_nothing(store: Engine) -> None:
    _prepare(store)
    _write(store, [_message("r1", rating=1)], notify=False)
    assert _outbox(store) == []


def test_a_read_showing_an_answer_settles_it_and_keeps_drafts_otherwise(store: Engine) -> None:
    _prepare(store)
    _write(store, [_message("r1", rating=5, author="Анна")])
    with store.begin() as connection:
        stats = apply_rules(connection, _settings(), now=NOW)
    assert stats.drafted and not stats.sent
    assert _rows(store)["r1"]["state"] == "draft"
    assert _rows(store)["r1"]["draft"] == "Спасибо за отзыв, Анна!"
    _write(store, [_message("r1", rating=5, author="Анна", text="Хорошо!")])  # edited
    assert _rows(store)["r1"]["state"] == "draft"  # the seller's side stays
    _write(store, [_message("r1", rating=5, answer="Спасибо вам")])
    assert (_rows(store)["r1"]["state"], _rows(store)["r1"]["answer"]) == (
        "answered",
        "Спасибо вам",
    )


def test_rules_decide_once_auto_queues_one_answer_draft_waits(store: Engine) -> None:
    _prepare(store)
    _write(store, [_message("q1", kind="question", text="Сколько дней доставки?"),
                   _message("q2", kind="question", text="Какой размер?"),
                   _message("r5", rating=5)])  # fmt: skip
    with store.begin() as connection:
        first = apply_rules(connection, _settings(), now=NOW)
    with store.begin() as connection:
        second = apply_rules(connection, _settings(), now=NOW)
    assert (len(first.sent), len(first.drafted)) == (1, 1)
    assert (second.sent, second.drafted) == ([], [])
    rows = _rows(store)
    assert rows["q1"]["state"] == "sending" and rows["q1"]["rule"] == "delivery"
    assert rows["q1"]["draft"] == "Здравствуйте! Кружка доставим за 1–3 дня."
    assert rows["q2"]["state"] == "unanswered"
    answers = [row for row in _outbox(store) if row[0] == "marketplace"]
    assert answers == [("marketplace", "inbox.answer")]  # the draft sends nothing
    assert ("seller", "inbox.draft") in _outbox(store)
    with store.begin() as connection:
        draft_id = connection.execute(text(
            "SELECT id FROM buyer_messages WHERE external_id = 'r5'")).scalar_one()  # fmt: skip
        approve(connection, draft_id, now=NOW)
    assert _rows(store)["r5"]["state"] == "sending"
    assert len([row for row in _outbox(store) if row[0] == "marketplace"]) == 2


def test_an_answer_the_account_may_not_send_makes_the_message_unavailable(store: Engine) -> None:
    """Ozon answers need Premium Plus: a 403 is not a draft to retry but ``unavailable``."""
    import asyncio

    from mpsync.connector.errors import AuthError
    from mpsync.inbox.answers import answer_now
    from mpsync.inbox.channel import AnswerChannel
    from mpsync.inbox.listing import list_messages
    from mpsync.notify.channels.base import OutgoingMessage

    class NoSubscription:
        async def read_message(self, message: Any) -> None:
            return None

        async def answer(self, message: Any, text: str) -> Any:
            raise AuthError("POST /v1/question/answer/create: credentials rejected: 403")

    _prepare(store)
    _write(store, [_message("q-1", kind="question", text="Когда доставка?")])
    (row,) = list_messages(store, now=NOW)
    with store.begin() as connection:
        answer_now(connection, row["id"], "Завтра", now=NOW)
    channel = AnswerChannel(store, _settings(), lambda _: NoSubscription(),  # type: ignore[arg-type,return-value]
                            lambda _: None, lambda: NOW)  # type: ignore[arg-type,return-value]  # fmt: skip
    payload = {"message_id": row["id"], "text": "Завтра"}
    result = asyncio.run(channel.send(OutgoingMessage("k", "inbox.answer", "", "", payload)))
    assert not result.ok and result.permanent
    (shown,) = list_messages(store, now=NOW)
    assert shown["state"] == "unavailable" and "not available for this account" in shown["note"]


def test_a_review_on_an_identified_buyers_order_joins_their_timeline(store: Engine) -> None:
    """A review naming its order (Yandex Market's identifiers.orderId) is linked to the order
    and its buyer, and shows in ``customers show`` with the seller's answer."""
    from sqlalchemy import text

    from mpsync.analytics.customers import show_customer

    _prepare(store)
    with store.begin() as connection:
        connection.execute(text("INSERT INTO customers (id, identity, orders_count, spent, "
                                "updated_at) VALUES (7, 'phone:+79990000000', 1, 100, :t)"),
                           {"t": NOW})  # fmt: skip
        connection.execute(text(
            "INSERT INTO orders (account_id, external_id, status, marketplace_status, created_at,"
            " source_updated_at, currency, items_total, total, content_hash, inserted_at,"
            " updated_at, customer_id) VALUES ('oz', 'ORD-1', 'delivered', 'delivered', :t, :t,"
            " 'RUB', 100, 100, 'h', :t, :t, 7)"), {"t": NOW - timedelta(days=3)})  # fmt: skip
    _write(store, [_message("r-9", rating=2, order_external_id="ORD-1",
                            answer="Извините", answered_at=NOW)])  # fmt: skip
    card = show_customer(store, 7, now=NOW)
    assert card is not None
    kinds = [(e["kind"], e["order"]) for e in card.data["timeline"]]
    assert ("review", "oz:ORD-1") in kinds and ("answer", "oz:ORD-1") in kinds
    review = next(e for e in card.data["timeline"] if e["kind"] == "review")
    assert review["detail"].endswith("MUG-1 2★")
