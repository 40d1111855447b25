"""Yandex Market pushes of a new review or question bring it into the inbox at once.

Payloads: the official examples of push-notifications/reference/sendNotification.md
(``tests/connectors/fixtures/ym_notification_examples.json``: GOODS_FEEDBACK_CREATED names
``feedbackId``, QUESTION_CREATED ``questionId``); the message is then read by id from
``getGoodsFeedbacks`` / ``getGoodsQuestions`` (here the sandbox's).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from mpsync.sandbox import SandboxServer
from mpsync.sandbox.buyers import book
from mpsync.sync.pushes import PushProcessor, store_events
from tests.inbox.test_sandbox_acceptance import _service, _settings, sandbox  # noqa: F401

EXAMPLES = json.loads((Path(__file__).parents[1] / "connectors" / "fixtures"
                       / "ym_notification_examples.json").read_text(encoding="utf-8"))  # fmt: skip


def _push(kind: str, **ids: Any) -> bytes:
    return json.dumps({**EXAMPLES[kind], **ids}).encode()


def test_official_examples_name_the_new_message() -> None:
    from mpsync_connectors.yandex_market import YandexMarketConnector

    from mpsync.config.model import AccountConfig

    account = AccountConfig.model_validate({"id": "ym", "marketplace": "yandex_market",
                                            "api_key": "k", "business_id": 1,
                                            "campaign_ids": [2]})  # fmt: skip
    connector = YandexMarketConnector(account)
    (review,) = connector.parse_push({}, _push("GOODS_FEEDBACK_CREATED")).events
    (question,) = connector.parse_push({}, _push("QUESTION_CREATED")).events
    assert (review.kind, review.record_type, review.external_ids) == ("new_review", "review",
                                                                       ("0",))  # fmt: skip
    assert (question.kind, question.record_type) == ("new_question", "question")
    again = connector.parse_push({}, _push("QUESTION_CREATED")).events[0]
    assert again.dedupe_key == question.dedupe_key  # a redelivery is the same event


def test_a_pushed_review_and_question_land_in_the_inbox(
    sandbox: SandboxServer,  # noqa: F811
    store: Engine,
    store_url: str,
) -> None:
    settings = _settings(sandbox, store_url)
    service = _service(sandbox, store, settings)
    messages = book(sandbox.state.world)
    review = messages.visible("yandex_market", "review")[0]
    question = messages.visible("yandex_market", "question")[0]

    async def scenario() -> None:
        try:
            await service.sync(account_id="ym", stream="orders")  # the account exists
            connector = service.runtime.connectors.connector(settings.account("ym"))
            events = [
                *connector.parse_push({}, _push("GOODS_FEEDBACK_CREATED",
                                                feedbackId=int(review.external_id))).events,
                *connector.parse_push({}, _push("QUESTION_CREATED",
                                                questionId=int(question.external_id))).events,
            ]  # fmt: skip
            assert store_events(store, "ym", events, service.clock()) == 2
            assert store_events(store, "ym", events, service.clock()) == 0  # redelivered
            await PushProcessor(service.runtime).run_once()
        finally:
            await service.runtime.aclose()

    asyncio.run(scenario())
    with store.connect() as connection:
        rows = connection.execute(text(
            "SELECT kind, external_id, rating, sku FROM buyer_messages ORDER BY kind")).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("question", question.external_id, None, question.product.sku),
        ("review", review.external_id, review.rating, review.product.sku),
    ]
