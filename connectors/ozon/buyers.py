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

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import AnswerPolicy, FetchWindow, MessageRef, Page, WriteResult
from mpsync.connector.errors import AuthError, FatalError, UnavailableError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.paging import LoopGuard, Resume

GROUP = "buyers"
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: TokenBucket(per_second=5, burst=5)})
POLICIES: Mapping[str, AnswerPolicy] = MappingProxyType({
    "question": AnswerPolicy(min_length=2, max_length=3000),
    "review": AnswerPolicy(min_length=1),
})  # fmt: skip
STREAMS = frozenset({"questions", "reviews"})
REVIEWS_PAGE = 100  # /v1/review/list: limit 20..100
PREMIUM = "Premium Plus"


class OzonBuyers:
    """Answers to buyers, for ``OzonConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES
    call: Any
    write: Any

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

    async def _questions(self, window: FetchWindow) -> AsyncIterator[Page]:
        resume = Resume.decode(window.resume)
        phases = ("open", "window")
        first = phases.index(resume.phase) if resume and resume.phase in phases else 0
        for phase in phases[first:]:
            wanted: dict[str, Any] = {"status": "UNPROCESSED"}
            if phase == "window":
                wanted = {
                    "status": "ALL",
                    "date_to": window.until.isoformat(),
                    **({"date_from": window.since.isoformat()} if window.since else {}),
                }
            last = resume.cursor if resume and resume.phase == phase else ""
            guard = LoopGuard("ozon /v1/question/list")
            while True:
                body = await self._list(
                    "/v1/question/list", {"filter": wanted, "last_id": last or ""}
                )
                rows = _dicts(body.get("questions"))
                last = str(body.get("last_id") or "")
                more = bool(rows) and bool(last)
                if more:
                    guard.check(last)
                yield Page("question", rows, _next(phase, last, more, "window", phases))
                if not more:
                    break

    async def _reviews(self, window: FetchWindow) -> AsyncIterator[Page]:
        resume = Resume.decode(window.resume)
        phases = ("open", "recent")
        first = phases.index(resume.phase) if resume and resume.phase in phases else 0
        for phase in phases[first:]:
            wanted = {
                "status": "UNPROCESSED" if phase == "open" else "PROCESSED",
                "sort_dir": "ASC" if phase == "open" else "DESC",
                "limit": REVIEWS_PAGE,
            }
            last = resume.cursor if resume and resume.phase == phase else ""
            guard = LoopGuard("ozon /v1/review/list")
            while True:
                body = await self._list("/v1/review/list", {**wanted, "last_id": last or ""})
                rows = _dicts(body.get("reviews"))
                last = str(body.get("last_id") or "")
                more = bool(body.get("has_next")) and bool(rows) and bool(last)
                if phase == "recent" and window.since is not None:
                    older = [r for r in rows if _before(r.get("published_at"), window.since)]
                    more = more and not older
                if more:
                    guard.check(last)
                yield Page("review", rows, _next(phase, last, more, "recent", phases))
                if not more:
                    break

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


def _next(phase: str, last: str, more: bool, then: str, phases: tuple[str, ...]) -> str | None:
    if more:
        return Resume(phase, cursor=last).encode()
    return Resume(then).encode() if phase == phases[0] else None


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
