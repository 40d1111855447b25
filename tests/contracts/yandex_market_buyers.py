"""Contracts of the Yandex Market questions and reviews methods mpsync calls.

Source: ``yandex-market/yandex-market-partner-api`` ``openapi/paths/``
``v1_businesses_businessId_goods-questions*.yaml`` (getGoodsQuestions,
getGoodsQuestionAnswers, updateGoodsQuestionTextEntity) and
``v2_businesses_businessId_goods-feedback*.yaml`` (getGoodsFeedbacks,
getGoodsFeedbackComments, updateGoodsFeedbackComment), with their request and response
schemas under ``openapi/components/schemas``. ``limit``: PageLimit50.yaml; ``pageToken``:
AliasedPageToken.yaml. Hourly limits of the lowest tier in each ``limits``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tests.contracts.registry import Endpoint, Source
from tests.contracts.yandex_market import COMMIT, REPO, _answers
from tests.contracts.yandex_market_enums import ApiResponseStatusType
from tests.contracts.yandex_market_models import Date, Loose, PagerDTO, Query, Send, Serve, ShopSku

Text = Field(min_length=1, max_length=5000)  # QuestionsTextContent.yaml
Moderation = Literal["PUBLISHED", "UNMODERATED", "BANNED", "DELETED"]
AuthorType = Literal["USER", "BUSINESS", "VENDOR", "BRAND"]


class PageQuery(Query):
    pageToken: str | None = None
    page_token: str | None = None
    limit: int | None = Field(None, ge=1, le=50)


class QuestionsRequest(Send):  # GetQuestionsRequest.yaml
    categoryIds: list[int] | None = None
    questionIds: list[int] | None = Field(None, min_length=1, max_length=50)
    dateFrom: Date | None = None
    dateTo: Date | None = None
    needAnswer: bool | None = None
    sort: Literal["CREATED_AT_DESC", "CREATED_AT_ASC"] | None = None


class Votes(Serve):
    likes: int
    dislikes: int


class Author(Serve):
    type: AuthorType | None = None
    name: str | None = None


class QuestionIds(Serve):
    id: int
    categoryId: int | None = None
    offerId: ShopSku


class Question(Serve):  # QuestionDTO.yaml
    questionIdentifiers: QuestionIds
    businessId: int = Field(ge=1)
    text: str = Text
    createdAt: str
    votes: Votes
    author: Author


class QuestionList(Serve):
    questions: list[Question]
    paging: PagerDTO | None = None
    totalCount: int


class QuestionsResponse(Serve):
    status: ApiResponseStatusType
    result: QuestionList | None = None


class AnswersRequest(Send):  # GetAnswersRequest.yaml
    questionId: int
    answerIds: list[int] | None = None


class Answer(Serve):  # AnswerDTO.yaml
    id: int
    text: str = Text
    canModify: bool
    author: Author | None = None
    status: Moderation
    questionId: int | None = None
    createdAt: str | None = None
    votes: Votes | None = None
    comments: list[Loose] | None = None


class AnswerList(Serve):
    answers: list[Answer]
    paging: PagerDTO | None = None


class AnswersResponse(Serve):
    status: ApiResponseStatusType
    result: AnswerList | None = None


class EntityId(Send):  # TypedQuestionsTextEntityIdDTO.yaml
    id: int
    type: Literal["QUESTION", "ANSWER", "COMMENT"]


class QuestionUpdate(Send):  # UpdateGoodsQuestionTextEntityRequest.yaml
    operationType: Literal["UPDATE", "CREATE", "DELETE"]
    entityId: EntityId | None = None
    parentEntityId: EntityId | None = None
    text: str | None = Text


class Entity(Serve):
    id: int
    type: Literal["QUESTION", "ANSWER", "COMMENT"]


class Updated(Serve):
    entity: Entity


class QuestionUpdated(Serve):
    status: ApiResponseStatusType
    result: Updated | None = None


class FeedbacksRequest(Send):  # GetGoodsFeedbackRequest.yaml
    feedbackIds: list[int] | None = Field(None, min_length=1, max_length=50)
    dateTimeFrom: str | None = None
    dateTimeTo: str | None = None
    reactionStatus: Literal["ALL", "NEED_REACTION"] | None = None
    ratingValues: list[int] | None = None
    offerIds: list[ShopSku] | None = None
    paid: bool | None = None


class FeedbackIds(Serve):
    orderId: int | None = None
    offerId: ShopSku | None = None


class Description(Serve):
    advantages: str | None = None
    disadvantages: str | None = None
    comment: str | None = None


class Statistics(Serve):
    rating: int = Field(ge=1, le=5)
    commentsCount: int
    recommended: bool | None = None
    paidAmount: int | None = None


class Feedback(Serve):  # GoodsFeedbackDTO.yaml
    feedbackId: int
    createdAt: str
    needReaction: bool
    identifiers: FeedbackIds
    author: str | None = None
    description: Description | None = None
    media: Loose | None = None
    statistics: Statistics


class FeedbackList(Serve):
    feedbacks: list[Feedback]
    paging: PagerDTO | None = None


class FeedbacksResponse(Serve):
    status: ApiResponseStatusType
    result: FeedbackList | None = None


class CommentsRequest(Send):  # GetGoodsFeedbackCommentsRequest.yaml
    feedbackId: int | None = None
    commentIds: list[int] | None = None


class Comment(Serve):  # GoodsFeedbackCommentDTO.yaml
    id: int
    text: str = Field(min_length=1, max_length=4096)
    canModify: bool | None = None
    parentId: int | None = None
    author: Author | None = None
    status: Moderation
    feedbackId: int


class CommentList(Serve):
    comments: list[Comment]
    paging: PagerDTO | None = None


class CommentsResponse(Serve):
    status: ApiResponseStatusType
    result: CommentList | None = None


class NewComment(Send):  # UpdateGoodsFeedbackCommentDTO.yaml
    id: int | None = None
    parentId: int | None = None
    text: str = Field(min_length=1, max_length=4096)


class CommentUpdate(Send):  # UpdateGoodsFeedbackCommentRequest.yaml
    feedbackId: int
    comment: NewComment


class CommentUpdated(Serve):
    status: ApiResponseStatusType
    result: Comment | None = None


def _source(path: str, operation: str) -> Source:
    return Source(REPO, f"openapi/paths/{path}", COMMIT, f"#{operation}")


Q = "/v1/businesses/{businessId}/goods-questions"
F = "/v2/businesses/{businessId}/goods-feedback"
QF = "v1_businesses_businessId_goods-questions"
FF = "v2_businesses_businessId_goods-feedback"
ERRORS = (400, 401, 403, 404, 420, 500)
ENDPOINTS: list[Endpoint] = [
    Endpoint("yandex_market", "POST", Q, _source(f"{QF}.yaml", "getGoodsQuestions"),
             query=PageQuery, body=QuestionsRequest, responses=_answers(QuestionsResponse, *ERRORS),
             limits="1,000 requests/hour (none), 5,000 (medium)"),
    Endpoint("yandex_market", "POST", f"{Q}/answers",
             _source(f"{QF}_answers.yaml", "getGoodsQuestionAnswers"), query=PageQuery,
             body=AnswersRequest, responses=_answers(AnswersResponse, *ERRORS),
             limits="1,000 requests/hour (none)"),
    Endpoint("yandex_market", "POST", f"{Q}/update",
             _source(f"{QF}_update.yaml", "updateGoodsQuestionTextEntity"), body=QuestionUpdate,
             responses=_answers(QuestionUpdated, *ERRORS), limits="500 requests/hour (none)"),
    Endpoint("yandex_market", "POST", F, _source(f"{FF}.yaml", "getGoodsFeedbacks"),
             query=PageQuery, body=FeedbacksRequest, responses=_answers(FeedbacksResponse, *ERRORS),
             limits="5,000 requests/hour (none), 10,000 (medium)"),
    Endpoint("yandex_market", "POST", f"{F}/comments",
             _source(f"{FF}_comments.yaml", "getGoodsFeedbackComments"), query=PageQuery,
             body=CommentsRequest, responses=_answers(CommentsResponse, *ERRORS),
             limits="5,000 requests/hour (none)"),
    Endpoint("yandex_market", "POST", f"{F}/comments/update",
             _source(f"{FF}_comments_update.yaml", "updateGoodsFeedbackComment"),
             body=CommentUpdate, responses=_answers(CommentUpdated, *ERRORS),
             limits="1,000 requests/hour (none)"),
]  # fmt: skip
