"""Contracts of the Wildberries questions and reviews methods mpsync calls.

Source: ``eslazarev/wildberries-sdk:specs/09-communications.yaml`` at ``aa34039``
(feedbacks-api host, category "Вопросы и отзывы": 3 requests/s, bursts of 6):
``GET /api/v1/questions`` (isAnswered, take, skip required; take + skip ≤ 10,000),
``PATCH /api/v1/questions`` (answer: id, answer.text, state ``wbRu``|``none``),
``GET /api/v1/question`` (id), ``GET /api/v1/feedbacks`` (isAnswered, take ≤ 5,000,
skip ≤ 199,990), ``POST /api/v1/feedbacks/answer`` (id, text of 2..5,000; 204),
``GET /api/v1/feedback`` (id). Items: the questions list's item schema and
``components/schemas/responseFeedback``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tests.contracts.registry import Endpoint, RequestModel, ResponseModel
from tests.contracts.wildberries import GATEWAY, op, present, source

SPEC = "specs/09-communications.yaml"
LIMIT = "3 requests/s per seller account, interval 333 ms, burst 6 (questions and reviews)"
Bool = Literal["true", "false"]
Order = Literal["dateAsc", "dateDesc"]


class QuestionsQuery(RequestModel):
    isAnswered: Bool
    take: int = Field(ge=1, le=10_000)
    skip: int = Field(ge=0, le=10_000)
    nmId: int | None = None
    order: Order | None = None
    dateFrom: int | None = None
    dateTo: int | None = None


class FeedbacksQuery(RequestModel):
    isAnswered: Bool
    take: int = Field(ge=1, le=5_000)
    skip: int = Field(ge=0, le=199_990)
    nmId: int | None = None
    order: Order | None = None
    dateFrom: int | None = None
    dateTo: int | None = None


class OneQuery(RequestModel):
    id: str = Field(min_length=1)


class QuestionProduct(ResponseModel):
    nmId: int = present()
    imtId: int = present()
    productName: str = present()
    supplierArticle: str = present()
    supplierName: str = present()
    brandName: str = present()
    size: str | None = None  # in /api/v1/question's example, not in the list's schema


class QuestionAnswer(ResponseModel):
    text: str = present()
    editable: bool = present()
    createDate: str = present()


class Question(ResponseModel):
    id: str
    text: str = present()
    createdDate: str = present()
    state: Literal["none", "wbRu", "suppliersPortalSynch"] = present()
    answer: QuestionAnswer | None = None
    productDetails: QuestionProduct = present()
    wasViewed: bool = present()
    isWarned: bool = present()


class FeedbackProduct(ResponseModel):
    nmId: int = present()
    imtId: int = present()
    productName: str = present()
    supplierArticle: str | None = None
    supplierName: str | None = None
    brandName: str | None = None
    size: str = present()


class FeedbackAnswer(ResponseModel):
    text: str = present()
    state: str = present()
    editable: bool = present()


class Feedback(ResponseModel):
    """``responseFeedback`` items (the fields the sandbox serves are a subset of these)."""

    id: str
    text: str = present()
    pros: str = present()
    cons: str = present()
    productValuation: int = Field(default=None, ge=1, le=5)
    createdDate: str = present()
    answer: FeedbackAnswer | None = None
    state: str = present()
    productDetails: FeedbackProduct = present()
    wasViewed: bool = present()
    userName: str = present()
    photoLinks: list[dict[str, str]] | None = None
    video: dict[str, object] | None = None
    matchingSize: str = present()
    subjectId: int = present()
    subjectName: str = present()
    parentFeedbackId: str | None = None
    childFeedbackId: str | None = None


class QuestionsData(ResponseModel):
    countUnanswered: int = present()
    countArchive: int = present()
    questions: list[Question] = present()


class FeedbacksData(ResponseModel):
    countUnanswered: int = present()
    countArchive: int = present()
    feedbacks: list[Feedback] = present()


class Envelope(ResponseModel):
    error: bool = present()
    errorText: str = present()
    additionalErrors: list[str] | None = None


class QuestionsResponse(Envelope):
    data: QuestionsData


class FeedbacksResponse(Envelope):
    data: FeedbacksData


class QuestionResponse(Envelope):
    data: Question


class FeedbackResponse(Envelope):
    data: Feedback


class AnswerText(RequestModel):
    text: str = Field(min_length=1)


class AnswerQuestion(RequestModel):
    id: str = Field(min_length=1)
    answer: AnswerText
    state: Literal["wbRu", "none"]


class PatchResponse(Envelope):
    data: dict[str, object] | None = None


class AnswerFeedback(RequestModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=2, max_length=5000)


class FeedbackError(ResponseModel):
    """components/schemas/responsefeedbackErr."""

    data: dict[str, object] | None = None
    error: bool = present()
    errorText: str = present()
    additionalErrors: list[str] | None = None


ERRORS = {400: FeedbackError, 403: FeedbackError, 404: FeedbackError, **GATEWAY}


def _endpoint(method: str, path: str, responses: dict[int, object], **kw: object) -> Endpoint:
    return Endpoint("wildberries", method, path, source(SPEC, op(path, method)),
                    responses=responses, limits=LIMIT, **kw)  # type: ignore[arg-type]  # fmt: skip


ENDPOINTS: list[Endpoint] = [
    _endpoint("GET", "/api/v1/questions", {200: QuestionsResponse, **ERRORS}, query=QuestionsQuery),
    _endpoint("PATCH", "/api/v1/questions", {200: PatchResponse, **ERRORS}, body=AnswerQuestion),
    _endpoint("GET", "/api/v1/question", {200: QuestionResponse, **ERRORS}, query=OneQuery),
    _endpoint("GET", "/api/v1/feedbacks", {200: FeedbacksResponse, **ERRORS}, query=FeedbacksQuery),
    _endpoint("POST", "/api/v1/feedbacks/answer", {204: None, **ERRORS}, body=AnswerFeedback),
    _endpoint("GET", "/api/v1/feedback", {200: FeedbackResponse, **ERRORS}, query=OneQuery),
]
