"""Wildberries buyers' questions and reviews: answers and their read-back.

Source: 09-communications.yaml (eslazarev/wildberries-sdk:specs). Every method of the
"Вопросы и отзывы" category shares one limit per seller account: 3 requests a second,
bursts of 6. A question is answered with ``PATCH /api/v1/questions`` (``state: wbRu``), a
review with ``POST /api/v1/feedbacks/answer`` (2..5,000 characters, 204). WB does not
validate a review id ("ID отзыва не валидируется"), so every answer is read back with
``GET /api/v1/question`` / ``GET /api/v1/feedback``. A review is archived once answered or
after 30 days without an answer: its answer deadline. An answer may be edited once within
60 days (not used: mpsync answers a message once).

The streams ``questions`` and ``reviews`` read ``GET /api/v1/questions`` and
``GET /api/v1/feedbacks`` in two phases: every unanswered message (``isAnswered=false``, no
dates: the list an answer is owed from is short and must be whole), then the answered ones
created inside the window (``isAnswered=true``, ``dateFrom``/``dateTo``), paged by
``take``/``skip`` (questions: take + skip ≤ 10,000; reviews: take ≤ 5,000, skip ≤ 199,990).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import (
    AnswerPolicy,
    FetchWindow,
    MessageRef,
    Page,
    RecordType,
    WriteResult,
)
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paginate import OffsetPaginator, PhasedPaginator
from mpsync.connector.records import Records
from mpsync.connector.rest import RestConnector

HOST = "feedbacks"
HOSTS: Mapping[str, str] = MappingProxyType({HOST: "https://feedbacks-api.wildberries.ru"})
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({HOST: TokenBucket(per_second=3, burst=6)})
POLICIES: Mapping[str, AnswerPolicy] = MappingProxyType({
    # PATCH /api/v1/questions documents no length limit for answer.text.
    "question": AnswerPolicy(min_length=1),
    "review": AnswerPolicy(min_length=2, max_length=5000, window=timedelta(days=30)),
})  # fmt: skip
READS = {"question": "/api/v1/question", "review": "/api/v1/feedback"}
STREAMS = frozenset({"questions", "reviews"})
# stream → (list path, the list's key in data, record type, page size, the most skip + take)
LISTS: Mapping[str, tuple[str, str, RecordType, int, int]] = MappingProxyType({
    "questions": ("/api/v1/questions", "questions", "question", 1000, 10_000),
    "reviews": ("/api/v1/feedbacks", "feedbacks", "review", 1000, 199_990 + 5000),
})  # fmt: skip


class WildberriesBuyers(RestConnector):
    """Answers to buyers, for ``WildberriesConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES

    def buyer_streams(self) -> dict[str, Any]:
        return {name: _reader(self, name) for name in sorted(STREAMS)}

    async def _messages(self, stream: str, window: FetchWindow) -> AsyncIterator[Page]:
        path, key, record_type, size, most = LISTS[stream]
        answered = {"dateFrom": _epoch(window.since, window.until),
                    "dateTo": int(window.until.timestamp())}  # fmt: skip

        def listing(phase: str) -> OffsetPaginator:
            params: dict[str, Any] = {"isAnswered": str(phase == "answered").lower(),
                                      "take": size, "order": "dateAsc",
                                      **(answered if phase == "answered" else {})}  # fmt: skip

            async def page(skip: int) -> Records:
                if skip + size > most:
                    raise FatalError(f"wildberries GET {path}: more than {most} {stream} in one "
                                     "window; resync a shorter one")  # fmt: skip
                body = await self.call("GET", HOST, path, group=HOST,
                                       params={**params, "skip": skip})  # fmt: skip
                return _rows(body, key)

            return OffsetPaginator(page, limit=size, stream=stream, what=f"wildberries GET {path}")

        phases = [(phase, listing(phase)) for phase in ("open", "answered")]
        pages = PhasedPaginator(phases, stream=stream, what=f"wildberries GET {path}")
        async for rows, following in pages.pages(window.resume):
            yield Page(record_type, rows, following)

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
        body = await self.call("GET", HOST, READS[message.kind], group=HOST,
                               params={"id": message.external_id})  # fmt: skip
        data = body.get("data") if isinstance(body, dict) else None
        return dict(data) if isinstance(data, dict) and data.get("id") else None


def _reader(connector: WildberriesBuyers, stream: str) -> Any:
    def read(window: FetchWindow) -> AsyncIterator[Page]:
        return connector._messages(stream, window)

    return read


def _epoch(since: datetime | None, until: datetime) -> int:
    return int((since or until - timedelta(days=365)).timestamp())


def _rows(body: Any, key: str) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else None
    found = data.get(key) if isinstance(data, dict) else None
    return [dict(row) for row in found or [] if isinstance(row, dict)]


async def _checked(request: Any) -> WriteResult:
    """WB answers 200 with ``error: true`` and its ``errorText`` on some refusals."""
    body = await request
    if isinstance(body, dict) and body.get("error"):
        return WriteResult(False, str(body.get("errorText") or "refused"), {"body": body})
    return WriteResult(True)
