"""Ozon buyers' questions and reviews: answers and their read-back.

Source: the Ozon swagger (salacoste/ozon-daytona-seller-api, ozon-swagger-docs/swagger.json):
``/v1/question/answer/create`` (question_id, the product's Ozon ``sku``, text of 2..3,000
characters), ``/v1/review/comment/create`` (review_id, text; ``mark_review_as_processed``),
read back with ``/v1/question/info`` + ``/v1/question/answer/list`` and ``/v1/review/info`` +
``/v1/review/comment/list``. Every one of them is "Доступно для продавцов с подпиской
Premium Plus"; no method limit is documented (the general 50 rps per Client-Id applies),
nor a length limit for review comments, nor a deadline for either.

The streams ``questions`` and ``reviews`` read ``/v1/question/list`` and ``/v1/review/list``,
paged by ``last_id``: first every unprocessed message (``status: UNPROCESSED``), then the
rest — questions published inside the window (``filter.date_from``/``date_to``), reviews
newest first (``sort_dir: DESC``; the method has no date filter) until one is older than
the window. An account without the subscription gets a 403 there: the stream reports
"not available for this account" (``UnavailableError``) instead of failing every tick.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import AnswerPolicy, FetchWindow, MessageRef, Page, WriteResult
from mpsync.connector.errors import AuthError, FatalError, UnavailableError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paginate import CursorPaginator, PhasedPaginator
from mpsync.connector.records import Records
from mpsync.connector.rest import RestConnector

GROUP = "buyers"
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: TokenBucket(per_second=5, burst=5)})
POLICIES: Mapping[str, AnswerPolicy] = MappingProxyType({
    "question": AnswerPolicy(min_length=2, max_length=3000),
    "review": AnswerPolicy(min_length=1),
})  # fmt: skip
STREAMS = frozenset({"questions", "reviews"})
REVIEWS_PAGE = 100  # /v1/review/list: limit 20..100
PREMIUM = "Premium Plus"
Phase = tuple[str, dict[str, Any], datetime | None]  # name, filter, older bound of the phase


class OzonBuyers(RestConnector):
    """Answers to buyers, for ``OzonConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.call("POST", "api", path, group=GROUP, json_body=body)
        return answer if isinstance(answer, dict) else {}

    def buyer_streams(self) -> dict[str, Any]:
        return {"questions": self._questions, "reviews": self._reviews}

    async def _list(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self._post(path, body)
        except AuthError as exc:
            raise UnavailableError(f"ozon {path} needs the {PREMIUM} subscription and a key "
                                   f"allowed to call it ({exc})") from exc  # fmt: skip

    def _messages(
        self, stream: str, path: str, key: str, phases: Sequence[Phase]
    ) -> PhasedPaginator:
        """Phase after phase (a filter each) of a ``last_id``-paged message list. Reviews
        page on while ``has_next``; in a phase with an *older* bound, a page holding a review
        published before it is the last (they come newest first)."""

        def listing(wanted: dict[str, Any], older: datetime | None) -> CursorPaginator:
            async def page(last: str | None) -> tuple[Records, str | None]:
                body = await self._list(path, {**wanted, "last_id": last or ""})
                rows = _dicts(body.get(key))
                token = str(body.get("last_id") or "")
                more = bool(rows) and bool(token)
                if stream == "reviews":
                    more = more and bool(body.get("has_next"))
                if older is not None and any(_before(r.get("published_at"), older) for r in rows):
                    more = False
                return rows, (token if more else None)

            return CursorPaginator(page, stream=stream, what=f"ozon POST {path}")

        return PhasedPaginator([(name, listing(wanted, older)) for name, wanted, older in phases],
                               stream=stream, what=f"ozon POST {path}")  # fmt: skip

    async def _questions(self, window: FetchWindow) -> AsyncIterator[Page]:
        dated = {"status": "ALL", "date_to": window.until.isoformat(),
                 **({"date_from": window.since.isoformat()} if window.since else {})}  # fmt: skip
        phases = [("open", {"filter": {"status": "UNPROCESSED"}}, None),
                  ("window", {"filter": dated}, None)]  # fmt: skip
        pages = self._messages("questions", "/v1/question/list", "questions", phases)
        async for rows, following in pages.pages(window.resume):
            yield Page("question", rows, following)

    async def _reviews(self, window: FetchWindow) -> AsyncIterator[Page]:
        phases = [
            ("open", {"status": "UNPROCESSED", "sort_dir": "ASC", "limit": REVIEWS_PAGE}, None),
            ("recent", {"status": "PROCESSED", "sort_dir": "DESC", "limit": REVIEWS_PAGE},
             window.since),
        ]  # fmt: skip
        pages = self._messages("reviews", "/v1/review/list", "reviews", phases)
        async for rows, following in pages.pages(window.resume):
            yield Page("review", rows, following)

    async def answer(self, message: MessageRef, text: str) -> WriteResult:
        if message.kind == "question":
            sku = message.product_ids.get("sku")
            if not sku:
                return WriteResult(False, f"question {message.external_id} names no Ozon sku")
            body = {"question_id": message.external_id, "sku": int(sku), "text": text}
            return await self.write(_answered(self._post("/v1/question/answer/create", body),
                                              "answer_id"))  # fmt: skip
        body = {"review_id": message.external_id, "text": text, "mark_review_as_processed": True}
        return await self.write(_answered(self._post("/v1/review/comment/create", body),
                                          "comment_id"))  # fmt: skip

    async def read_message(self, message: MessageRef) -> dict[str, Any] | None:
        if message.kind == "question":
            info = await self._post("/v1/question/info", {"question_id": message.external_id})
            if not info.get("id"):
                return None
            wanted = {"question_id": message.external_id, "sku": info.get("sku"), "last_id": ""}
            listed = await self._post("/v1/question/answer/list", wanted)
            answers = [a for a in listed.get("answers") or [] if isinstance(a, dict)]
            return {**info, "answer": answers[-1]} if answers else info
        info = await self._post("/v1/review/info", {"review_id": message.external_id})
        if not info.get("id"):
            return None
        wanted = {"review_id": message.external_id, "limit": 100, "offset": 0, "sort_dir": "ASC"}
        listed = await self._post("/v1/review/comment/list", wanted)
        own = [c for c in listed.get("comments") or [] if _own(c)]
        return {**info, "answer": own[0]} if own else info


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in value or [] if isinstance(row, dict)]


def _before(value: Any, moment: datetime) -> bool:
    try:
        published = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return published.tzinfo is not None and published < moment


async def _answered(request: Any, key: str) -> WriteResult:
    body = await request
    if not body.get(key):
        raise FatalError(f"the answer was not created: no {key} in {sorted(body)}")
    return WriteResult(True, details={"answer_id": str(body[key])})


def _own(comment: Any) -> bool:
    """The seller's comment on the review itself (not a reply in a thread)."""
    return isinstance(comment, dict) and bool(comment.get("is_owner")) and not comment.get(
        "parent_comment_id")  # fmt: skip
