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

The streams ``questions`` and ``reviews`` read ``getGoodsQuestions`` (``dateFrom``/``dateTo``
dates, at most one month) and ``getGoodsFeedbacks`` (``dateTimeFrom``/``dateTimeTo``, at most
six months), 50 a page, paged by ``pageToken`` (``paging.nextPageToken``), window by window.
A review's answer is looked up (``getGoodsFeedbackComments``) only when it has comments; a
question's list shows no answer, so each page asks which of its questions still wait for
one (``needAnswer: true`` with the page's ``questionIds``): the others count as answered.
Pushes for new reviews and questions (``GOODS_FEEDBACK_CREATED``, ``QUESTION_CREATED``)
are not read yet: the polls find them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import AnswerPolicy, FetchWindow, MessageRef, Page, WriteResult
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paginate import PageTokenPaginator, WindowedPaginator
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
STREAMS = frozenset({"questions", "reviews"})
Rows = list[dict[str, Any]]
PAGE = 50  # PageLimit50
QUESTIONS_SPAN = timedelta(days=28)  # dateFrom..dateTo: at most one month
REVIEWS_SPAN = timedelta(days=180)  # dateTimeFrom..dateTimeTo: at most six months
FIRST_READ = timedelta(days=28)  # an account's first read without a start


class YandexMarketBuyers(RestConnector):
    """Answers to buyers, for ``YandexMarketConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES

    async def _post(self, path: str, group: str, body: dict[str, Any]) -> dict[str, Any]:
        business = self.credentials.business_id
        answer = await self.call("POST", "api", path.format(business=business), group=group,
                                 json_body=body)  # fmt: skip
        result = answer.get("result") if isinstance(answer, dict) else None
        return result if isinstance(result, dict) else {}

    def buyer_streams(self) -> dict[str, Any]:
        return {"questions": self._questions, "reviews": self._reviews}

    async def _page(self, path: str, group: str, token: str | None,
                    body: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        business = self.credentials.business_id
        params = {"limit": PAGE, **({"pageToken": token} if token else {})}
        answer = await self.call("POST", "api", path.format(business=business), group=group,
                                 json_body=body, params=params)  # fmt: skip
        result = answer.get("result") if isinstance(answer, dict) else None
        return result if isinstance(result, dict) else {}

    async def _windowed(self, window: FetchWindow, span: timedelta, path: str, group: str,
                        key: str, body: Any) -> AsyncIterator[tuple[Rows, str | None]]:  # fmt: skip
        """Pages of *path* over the window, slice by slice, with their resume tokens."""
        stream = "questions" if key == "q" else "reviews"
        what = f"yandex_market POST {path}"

        def listing(low: datetime, high: datetime) -> PageTokenPaginator:
            async def page(token: str | None) -> tuple[Rows, str | None]:
                result = await self._page(path, group, token, body(low, high))
                rows = [r for r in result.get("questions" if key == "q" else "feedbacks") or []
                        if isinstance(r, dict)]  # fmt: skip
                return rows, (result.get("paging") or {}).get("nextPageToken") or None

            return PageTokenPaginator(page, stream=stream, what=what)

        pages = WindowedPaginator(listing, start=window.since or window.until - FIRST_READ,
                                  end=window.until, span=span, phase="list", stream=stream,
                                  what=what)  # fmt: skip
        async for rows, following in pages.pages(window.resume):
            yield rows, following

    async def _questions(self, window: FetchWindow) -> AsyncIterator[Page]:
        def body(low: datetime, high: datetime) -> dict[str, Any]:
            return {"dateFrom": low.date().isoformat(), "dateTo": high.date().isoformat(),
                    "sort": "CREATED_AT_ASC"}  # fmt: skip

        path = "/v1/businesses/{business}/goods-questions"
        async for rows, following in self._windowed(window, QUESTIONS_SPAN, path,
                                                    "question_reads", "q", body):  # fmt: skip
            yield Page("question", await self._waiting(rows), following)

    async def _waiting(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """*rows* with ``needAnswer``: whether the question still waits for an answer."""
        ids = [(r.get("questionIdentifiers") or {}).get("id") for r in rows]
        ids = [i for i in ids if i is not None]
        if not ids:
            return rows
        found = await self._page("/v1/businesses/{business}/goods-questions",
                                 "question_reads", None,
                                 {"questionIds": ids, "needAnswer": True})  # fmt: skip
        waiting = {(q.get("questionIdentifiers") or {}).get("id")
                   for q in found.get("questions") or [] if isinstance(q, dict)}  # fmt: skip
        return [{**r, "needAnswer": (r.get("questionIdentifiers") or {}).get("id") in waiting}
                for r in rows]  # fmt: skip

    async def _reviews(self, window: FetchWindow) -> AsyncIterator[Page]:
        def body(low: datetime, high: datetime) -> dict[str, Any]:
            return {"dateTimeFrom": low.isoformat(), "dateTimeTo": high.isoformat()}

        path = "/v2/businesses/{business}/goods-feedback"
        async for rows, following in self._windowed(window, REVIEWS_SPAN, path,
                                                    "feedback_reads", "f", body):  # fmt: skip
            yield Page("review", [await self._with_comment(r) for r in rows], following)

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
