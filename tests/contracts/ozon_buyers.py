"""Contracts of the Ozon questions and reviews methods mpsync calls (Premium Plus only).

Source: ``salacoste/ozon-daytona-seller-api:ozon-swagger-docs/swagger.json`` (``OLDER``):
``/v1/question/list`` (filter.date_from/date_to/status, last_id), ``/v1/question/info``,
``/v1/question/answer/list`` (question_id, sku required), ``/v1/question/answer/create``
(question_id, sku, text), ``/v1/review/list`` (limit 20..100 required, last_id, sort_dir,
status), ``/v1/review/info``, ``/v1/review/comment/list`` (review_id, limit 20..100),
``/v1/review/comment/create`` (review_id, text, mark_review_as_processed). No method limit
is documented: the general 50 requests/s per Client-Id.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from tests.contracts.ozon_types import ERRORS, DateTime, Int64, older
from tests.contracts.registry import Endpoint, RequestModel, ResponseModel

LIMITS = "50 requests/s per Client-Id (all methods); Premium Plus subscribers only"
QuestionStatus = Literal["NEW", "ALL", "VIEWED", "PROCESSED", "UNPROCESSED"]
ReviewStatus = Literal["ALL", "UNPROCESSED", "PROCESSED"]
Sort = Literal["ASC", "DESC"]


class QuestionFilter(RequestModel):
    date_from: DateTime | None = None
    date_to: DateTime | None = None
    status: QuestionStatus | None = None


class QuestionList(RequestModel):
    filter: QuestionFilter | None = None
    last_id: StrictStr | None = None


class Question(ResponseModel):
    answers_count: Int64 | None = None
    author_name: StrictStr | None = None
    id: StrictStr
    product_url: StrictStr | None = None
    published_at: DateTime | None = None
    question_link: StrictStr | None = None
    sku: Int64 | None = None
    status: QuestionStatus | None = None
    text: StrictStr | None = None


class QuestionListResponse(ResponseModel):
    questions: list[Question] | None = None
    last_id: StrictStr | None = None


class QuestionId(RequestModel):
    question_id: StrictStr


class AnswerList(RequestModel):
    question_id: StrictStr
    sku: Int64
    last_id: StrictStr | None = None


class Answer(ResponseModel):
    author_name: StrictStr | None = None
    id: StrictStr | None = None
    published_at: DateTime | None = None
    question_id: StrictStr | None = None
    sku: Int64 | None = None
    text: StrictStr | None = None


class AnswerListResponse(ResponseModel):
    answers: list[Answer] | None = None
    last_id: StrictStr | None = None


class AnswerCreate(RequestModel):
    question_id: StrictStr
    sku: Int64
    text: StrictStr = Field(min_length=2, max_length=3000)


class AnswerCreated(ResponseModel):
    answer_id: StrictStr | None = None


class ReviewList(RequestModel):
    limit: StrictInt = Field(ge=20, le=100)
    last_id: StrictStr | None = None
    sort_dir: Sort | None = None
    status: ReviewStatus | None = None


class Review(ResponseModel):
    comments_amount: StrictInt | None = None
    dislikes_amount: StrictInt | None = None
    id: StrictStr
    is_rating_participant: StrictBool | None = None
    likes_amount: StrictInt | None = None
    order_status: StrictStr | None = None
    photos: list[dict[str, object]] | None = None
    photos_amount: StrictInt | None = None
    published_at: DateTime | None = None
    rating: StrictInt | None = Field(default=None, ge=1, le=5)
    sku: StrictInt | None = None
    status: ReviewStatus | None = None
    text: StrictStr | None = None
    videos: list[dict[str, object]] | None = None
    videos_amount: StrictInt | None = None


class ReviewListResponse(ResponseModel):
    has_next: StrictBool | None = None
    last_id: StrictStr | None = None
    reviews: list[Review] | None = None


class ReviewId(RequestModel):
    review_id: StrictStr


class CommentList(RequestModel):
    review_id: StrictStr
    limit: StrictInt = Field(ge=20, le=100)
    offset: StrictInt | None = None
    sort_dir: Sort | None = None


class Comment(ResponseModel):
    id: StrictStr | None = None
    is_official: StrictBool | None = None
    is_owner: StrictBool | None = None
    parent_comment_id: StrictStr | None = None
    published_at: DateTime | None = None
    text: StrictStr | None = None


class CommentListResponse(ResponseModel):
    comments: list[Comment] | None = None
    offset: StrictInt | None = None


class CommentCreate(RequestModel):
    review_id: StrictStr
    text: StrictStr = Field(min_length=1)
    mark_review_as_processed: StrictBool | None = None
    parent_comment_id: StrictStr | None = None


class CommentCreated(ResponseModel):
    comment_id: StrictStr | None = None


def _endpoint(path: str, body: type[RequestModel], answer: type[ResponseModel]) -> Endpoint:
    pointer = "#/paths/" + path.replace("/", "~1") + "/post"
    return Endpoint("ozon", "POST", path, older(pointer), body=body,
                    responses={200: answer, **ERRORS}, limits=LIMITS)  # fmt: skip


ENDPOINTS: list[Endpoint] = [
    _endpoint("/v1/question/list", QuestionList, QuestionListResponse),
    _endpoint("/v1/question/info", QuestionId, Question),
    _endpoint("/v1/question/answer/list", AnswerList, AnswerListResponse),
    _endpoint("/v1/question/answer/create", AnswerCreate, AnswerCreated),
    _endpoint("/v1/review/list", ReviewList, ReviewListResponse),
    _endpoint("/v1/review/info", ReviewId, Review),
    _endpoint("/v1/review/comment/list", CommentList, CommentListResponse),
    _endpoint("/v1/review/comment/create", CommentCreate, CommentCreated),
]
