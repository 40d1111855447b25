"""Yandex Market buyers' questions and reviews: answers and their read-back.

Source: yandex-market/yandex-market-partner-api openapi/ (paths ``goods-feedback``,
``goods-questions``). A review is answered with a comment of the cabinet
(``updateGoodsFeedbackComment``: 1..4,096 characters, "не должен содержать контакты
магазина и ссылки"), a question with an answer (``updateGoodsQuestionTextEntity``,
``operationType: CREATE``, parent QUESTION: 1..5,000 characters). Reads back with
``getGoodsFeedbacks``/``getGoodsQuestions`` by id and the comments or answers of the cabinet
(author type BUSINESS). Hourly limits of the lowest tier (x-resource-limit-config
"none"): feedback reads and comment reads 5,000/h, question reads and answer reads 1,000/h,
comment writes 1,000/h, question writes 500/h. No deadline is documented.

The streams ``questions`` and ``reviews`` are declared (``streams.STREAMS``): they read
``getGoodsQuestions`` (``dateFrom``/``dateTo`` dates, at most one month) and
``getGoodsFeedbacks`` (``dateTimeFrom``/``dateTimeTo``, at most six months), 50 a page, paged
by ``pageToken`` (``paging.nextPageToken``), window by window. Their per-page hooks are
here: a review's answer is looked up (``getGoodsFeedbackComments``) only when it has
comments; a question's list shows no answer, so each page asks which of its questions still
wait for one (``needAnswer: true`` with the page's ``questionIds``): the others count as
answered.
Pushes for new reviews and questions (``GOODS_FEEDBACK_CREATED``, ``QUESTION_CREATED``)
are not read yet: the polls find them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import AnswerPolicy, MessageRef, WriteResult
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.rest import RestConnector


def _hourly(count: int) -> TokenBucket:
    return TokenBucket(per_second=count / 3600, burst=min(count, 50))


LIMITS: Mapping[str, LimitSpec] = MappingProxyType({
    "feedback_reads": _hourly(5000),
    "question_reads": _hourly(1000),
    "feedback_writes": _hourly(1000),
    "question_writes": _hourly(500),
})  # fmt: skip
POLICIES: Mapping[str, AnswerPolicy] = MappingProxyType({
    "question": AnswerPolicy(min_length=1, max_length=5000),
    "review": AnswerPolicy(min_length=1, max_length=4096),
})  # fmt: skip
BUSINESS = "BUSINESS"
Rows = list[dict[str, Any]]
PAGE = 50  # PageLimit50: the page's questions are asked about at once


class YandexMarketBuyers(RestConnector):
    """Answers to buyers, for ``YandexMarketConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES

    async def _post(self, path: str, group: str, body: dict[str, Any],
                    params: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        business = self.credentials.business_id
        answer = await self.call("POST", "api", path.format(business=business), group=group,
                                 json_body=body, params=params)  # fmt: skip
        result = answer.get("result") if isinstance(answer, dict) else None
        return result if isinstance(result, dict) else {}

    async def waiting(self, rows: Rows) -> Rows:
        """Bespoke: the list shows no answer; a second ask of the page's ids with
        ``needAnswer: true`` does (the ones it returns wait). The ``questions`` hook: *rows*
        with ``needAnswer``."""
        ids = [(r.get("questionIdentifiers") or {}).get("id") for r in rows]
        ids = [i for i in ids if i is not None]
        if not ids:
            return rows
        found = await self._post("/v1/businesses/{business}/goods-questions",
                                 "question_reads", {"questionIds": ids, "needAnswer": True},
                                 params={"limit": PAGE})  # fmt: skip
        waiting = {(q.get("questionIdentifiers") or {}).get("id")
                   for q in found.get("questions") or [] if isinstance(q, dict)}  # fmt: skip
        return [{**r, "needAnswer": (r.get("questionIdentifiers") or {}).get("id") in waiting}
                for r in rows]  # fmt: skip

    async def with_comments(self, rows: Rows) -> Rows:
        """Bespoke: the list shows only a count of comments; the cabinet's answer is a read
        per review that has any. The ``reviews`` hook."""
        return [await self._with_comment(row) for row in rows]

    async def _with_comment(self, row: dict[str, Any]) -> dict[str, Any]:
        if not (row.get("statistics") or {}).get("commentsCount"):
            return row
        wanted = {"feedbackId": row.get("feedbackId")}
        comments = await self._post("/v2/businesses/{business}/goods-feedback/comments",
                                    "feedback_reads", wanted)  # fmt: skip
        return with_answer(row, comments.get("comments"))

    async def answer(self, message: MessageRef, text: str) -> WriteResult:
        if message.kind == "question":
            body: dict[str, Any] = {
                "operationType": "CREATE", "text": text,
                "parentEntityId": {"id": int(message.external_id), "type": "QUESTION"},
            }  # fmt: skip
            made = self._post("/v1/businesses/{business}/goods-questions/update",
                              "question_writes", body)  # fmt: skip
            return await self.write(_created(made, "entity.id"))
        body = {"feedbackId": int(message.external_id), "comment": {"text": text}}
        made = self._post("/v2/businesses/{business}/goods-feedback/comments/update",
                          "feedback_writes", body)  # fmt: skip
        return await self.write(_created(made, "id"))

    async def read_message(self, message: MessageRef) -> dict[str, Any] | None:
        """Bespoke: a read-back of one question or review by id with the cabinet's answer
        (two single calls, no paging, no window), not a stream."""
        if message.kind == "question":
            found = await self._post("/v1/businesses/{business}/goods-questions",
                                     "question_reads",
                                     {"questionIds": [int(message.external_id)]})  # fmt: skip
            items = [q for q in found.get("questions") or [] if isinstance(q, dict)]
            if not items:
                return None
            answers = await self._post("/v1/businesses/{business}/goods-questions/answers",
                                       "question_reads",
                                       {"questionId": int(message.external_id)})  # fmt: skip
            return with_answer(items[0], answers.get("answers"))
        found = await self._post("/v2/businesses/{business}/goods-feedback", "feedback_reads",
                                 {"feedbackIds": [int(message.external_id)]})  # fmt: skip
        items = [f for f in found.get("feedbacks") or [] if isinstance(f, dict)]
        if not items:
            return None
        comments = await self._post("/v2/businesses/{business}/goods-feedback/comments",
                                    "feedback_reads",
                                    {"feedbackId": int(message.external_id)})  # fmt: skip
        return with_answer(items[0], comments.get("comments"))


def with_answer(item: dict[str, Any], replies: Any) -> dict[str, Any]:
    """*item* with the cabinet's first reply (author type BUSINESS, not a reply to a
    reply) under ``answer``, as the mapping reads it."""
    own = [r for r in replies or [] if isinstance(r, dict)
           and (r.get("author") or {}).get("type") == BUSINESS and not r.get("parentId")
           and r.get("status") != "DELETED"]  # fmt: skip
    return {**item, "answer": own[0]} if own else item


async def _created(request: Any, id_path: str) -> WriteResult:
    result = await request
    value: Any = result
    for part in id_path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        raise FatalError(f"the answer was not created: no {id_path} in the result")
    return WriteResult(True, details={"answer_id": str(value)})
