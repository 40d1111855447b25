"""Ozon buyers' questions and reviews: answers and their read-back.

Source: the Ozon swagger (salacoste/ozon-daytona-seller-api, ozon-swagger-docs/swagger.json):
``/v1/question/answer/create`` (question_id, the product's Ozon ``sku``, text of 2..3,000
characters), ``/v1/review/comment/create`` (review_id, text; ``mark_review_as_processed``),
read back with ``/v1/question/info`` + ``/v1/question/answer/list`` and ``/v1/review/info`` +
``/v1/review/comment/list``. Every one of them is "Доступно для продавцов с подпиской
Premium Plus"; no method limit is documented (the general 50 rps per Client-Id applies),
nor a length limit for review comments, nor a deadline for either.

The streams ``questions`` and ``reviews`` are declared (``streams.STREAMS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from mpsync.connector.base import AnswerPolicy, MessageRef, WriteResult
from mpsync.connector.errors import FatalError
from mpsync.connector.limits import LimitSpec, TokenBucket
from mpsync.connector.rest import RestConnector

GROUP = "buyers"
LIMITS: Mapping[str, LimitSpec] = MappingProxyType({GROUP: TokenBucket(per_second=5, burst=5)})
POLICIES: Mapping[str, AnswerPolicy] = MappingProxyType({
    "question": AnswerPolicy(min_length=2, max_length=3000),
    "review": AnswerPolicy(min_length=1),
})  # fmt: skip


class OzonBuyers(RestConnector):
    """Answers to buyers, for ``OzonConnector`` (a ``RestConnector``)."""

    answer_policies: ClassVar[Mapping[str, AnswerPolicy]] = POLICIES

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.call("POST", "api", path, group=GROUP, json_body=body)
        return answer if isinstance(answer, dict) else {}

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
        """Bespoke: one message by its id with the seller's answer, two reads joined (the
        message's info, then its answers or comments), not a listing."""
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


async def _answered(request: Any, key: str) -> WriteResult:
    body = await request
    if not body.get(key):
        raise FatalError(f"the answer was not created: no {key} in {sorted(body)}")
    return WriteResult(True, details={"answer_id": str(body[key])})


def _own(comment: Any) -> bool:
    """The seller's comment on the review itself (not a reply in a thread)."""
    return isinstance(comment, dict) and bool(comment.get("is_owner")) and not comment.get(
        "parent_comment_id")  # fmt: skip
