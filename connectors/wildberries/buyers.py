"""Wildberries buyers' questions and reviews: answers and their read-back.

Source: 09-communications.yaml (eslazarev/wildberries-sdk:specs). Every method of the
"Вопросы и отзывы" category shares one limit per seller account: 3 requests a second,
bursts of 6. A question is answered with ``PATCH /api/v1/questions`` (``state: wbRu``), a
review with ``POST /api/v1/feedbacks/answer`` (2..5,000 characters, 204). WB does not
validate a review id ("ID отзыва не валидируется"), so every answer is read back with
``GET /api/v1/question`` / ``GET /api/v1/feedback``. A review is archived once answered or
after 30 days without an answer: its answer deadline. An answer may be edited once within
60 days (not used: mpsync answers a message once).

The streams ``questions`` and ``reviews`` (``GET /api/v1/questions``, ``/api/v1/feedbacks``:
the unanswered messages, then those answered in the window) are declared in
``streams.STREAMS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import (
    AnswerPolicy,
    MessageRef,
    WriteResult,
)
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.rest import RestConnector

HOST = "feedbacks"
HOSTS: Mapping[str, str] = MappingProxyType({HOST: "https://feedbacks-api.wildberries.ru"})
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({HOST: TokenBucket(per_second=3, burst=6)})
POLICIES: Mapping[str, AnswerPolicy] = MappingProxyType({
    # PATCH /api/v1/questions documents no length limit for answer.text.
    "question": AnswerPolicy(min_length=1),
    "review": AnswerPolicy(min_length=2, max_length=5000, window=timedelta(days=30)),
})  # fmt: skip


class WildberriesBuyers(RestConnector):
    """Answers to buyers, for ``WildberriesConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES

    async def answer(self, message: MessageRef, text: str) -> WriteResult:
        if message.kind == "question":
            body = {"id": message.external_id, "answer": {"text": text}, "state": "wbRu"}
            request = self.call("PATCH", HOST, "/api/v1/questions", group=HOST, json_body=body)
        else:
            body = {"id": message.external_id, "text": text}
            request = self.call("POST", HOST, "/api/v1/feedbacks/answer", group=HOST,
                                json_body=body)  # fmt: skip
        result: WriteResult = await self.write(_checked(request))
        return result

    async def read_message(self, message: MessageRef) -> dict[str, Any] | None:
        """One message read back by id (the declared ``question``/``review`` read)."""
        listing = self.declared(message.kind).listing({"id": message.external_id})
        found = await listing.records()
        return found[0] if found and found[0].get("id") else None


async def _checked(request: Any) -> WriteResult:
    """WB answers 200 with ``error: true`` and its ``errorText`` on some refusals."""
    body = await request
    if isinstance(body, dict) and body.get("error"):
        return WriteResult(False, str(body.get("errorText") or "refused"), {"body": body})
    return WriteResult(True)
