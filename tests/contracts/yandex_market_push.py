"""Contracts of the Yandex Market API notifications (``POST {your URL}/notification``).

The official OpenAPI repository holds no notification schemas at the pinned commit; the
official source is the documentation page generated from Market's own spec:
https://yandex.ru/dev/market/partner-api/doc/ru/push-notifications/reference/sendNotification.md
(as stored 2026-09-26, content sha 8b0043bdc81b7dae). Each model names its DTO there. Every
answer, PING or not, is ``{name, version, time}`` (name and version 1..100 characters);
timeouts: 10 s, 1 s for PING. A malformed notification gets 400 ``{"error": {"type",
"message"}}``, a failure of ours 500 with the same body.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from tests.contracts.registry import PushContract, ResponseModel, Source
from tests.contracts.yandex_market_enums import OrderStatusType, OrderSubstatusType
from tests.contracts.yandex_market_models import BusinessId, CampaignId, DateTime, ShopSku

DOCS = Source(
    "yandex.ru/dev/market/partner-api/doc",
    "ru/push-notifications/reference/sendNotification.md",
    "8b0043bdc81b7dae",
)

NotificationType = Literal[
    "PING",
    "ORDER_CREATED",
    "ORDER_CANCELLED",
    "ORDER_STATUS_UPDATED",
    "ORDER_RETURN_CREATED",
    "ORDER_CANCELLATION_REQUEST",
    "ORDER_RETURN_STATUS_UPDATED",
    "ORDER_UPDATED",
    "ORDER_LINE_SERVICE_STATUS_UPDATED",
    "GOODS_FEEDBACK_CREATED",
    "GOODS_FEEDBACK_COMMENT_CREATED",
    "CHAT_CREATED",
    "CHAT_MESSAGE_SENT",
    "CHAT_ARBITRAGE_STARTED",
    "CHAT_ARBITRAGE_FINISHED",
    "QUESTION_CREATED",
    "QUESTION_ANSWER_CREATED",
    "QUESTION_COMMENT_CREATED",
]  # NotificationType
OrderUpdateType = Literal["SHIPMENT_DATE_UPDATED", "DELIVERY_DATE_UPDATED", "UNKNOWN"]
ReturnType = Literal["UNREDEEMED", "RETURN"]
RefundStatusType = Literal[
    "STARTED_BY_USER",
    "REFUND_IN_PROGRESS",
    "REFUNDED",
    "FAILED",
    "WAITING_FOR_DECISION",
    "DECISION_MADE",
    "REFUNDED_WITH_BONUSES",
    "REFUNDED_BY_SHOP",
    "CANCELLED",
    "REJECTED",
    "COMPLETE_WITHOUT_REFUND",
    "PREMODERATION_DISPUTE",
    "PREMODERATION_DECISION_WAITING",
    "PREMODERATION_DECISION_MADE",
    "PREMODERATION_SELECT_DELIVERY",
    "UNKNOWN",
]
ReturnShipmentStatusType = Literal[
    "CREATED",
    "RECEIVED",
    "IN_TRANSIT",
    "READY_FOR_PICKUP",
    "PICKED",
    "LOST",
    "EXPIRED",
    "CANCELLED",
    "FULFILMENT_RECEIVED",
    "PREPARED_FOR_UTILIZATION",
    "NOT_IN_DEMAND",
    "UTILIZED",
    "READY_FOR_EXPROPRIATION",
    "RECEIVED_FOR_EXPROPRIATION",
    "UNKNOWN",
]
OrderLineServiceStatusType = Literal["CREATED", "PROVIDED", "CANCELLED"]
OrderLineServiceCancelReasonType = Literal[
    "USER_REQUESTED", "SHOP_UNABLE_TO_RENDER", "USER_UNREACHABLE", "UNKNOWN"
]
NotificationApiErrorType = Literal["UNKNOWN", "WRONG_EVENT_FORMAT", "DUPLICATED_EVENT"]


class Push(ResponseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PingNotificationDTO(Push):
    notificationType: Literal["PING"]
    time: DateTime | None = None


class NotificationOrderItemDTO(Push):  # also NotificationReturnItemDTO
    count: int
    offerId: ShopSku


class NotificationOrderLineServiceDTO(Push):
    itemId: Annotated[int, Field(ge=1)]
    serviceArticle: str


class OrderCreatedNotificationDTO(Push):
    notificationType: Literal["ORDER_CREATED"]
    campaignId: CampaignId
    orderId: int
    createdAt: DateTime
    items: list[NotificationOrderItemDTO]
    orderLineServices: list[NotificationOrderLineServiceDTO] | None = Field(None, min_length=1)


class OrderStatusUpdatedNotificationDTO(Push):
    notificationType: Literal["ORDER_STATUS_UPDATED"]
    campaignId: CampaignId
    orderId: int
    status: OrderStatusType
    substatus: OrderSubstatusType
    updatedAt: DateTime


class OrderCancelledNotificationDTO(Push):
    """No status or substatus: the reason is read with the order."""

    notificationType: Literal["ORDER_CANCELLED"]
    campaignId: CampaignId
    orderId: int
    cancelledAt: DateTime
    items: list[NotificationOrderItemDTO]


class OrderCancellationRequestNotificationDTO(Push):
    notificationType: Literal["ORDER_CANCELLATION_REQUEST"]
    campaignId: CampaignId
    orderId: int
    requestedAt: DateTime


class OrderReturnCreatedNotificationDTO(Push):
    notificationType: Literal["ORDER_RETURN_CREATED"]
    campaignId: CampaignId
    orderId: int
    returnId: int
    returnType: ReturnType
    createdAt: DateTime
    items: list[NotificationOrderItemDTO]


class NotificationUpdatedReturnStatusesDTO(Push):
    """Only the status that changed; non-redemptions carry ``shipmentStatus`` only."""

    refundStatus: RefundStatusType | None = None
    shipmentStatus: ReturnShipmentStatusType | None = None


class OrderReturnStatusUpdatedNotificationDTO(Push):
    notificationType: Literal["ORDER_RETURN_STATUS_UPDATED"]
    campaignId: CampaignId
    orderId: int
    returnId: int
    statuses: NotificationUpdatedReturnStatusesDTO
    updatedAt: DateTime


class OrderUpdatedNotificationDTO(Push):
    notificationType: Literal["ORDER_UPDATED"]
    campaignId: CampaignId
    orderId: int
    updateType: OrderUpdateType
    updatedAt: DateTime


class NotificationOrderLineServiceStatusDTO(Push):
    count: int
    status: OrderLineServiceStatusType


class OrderLineServiceStatusUpdatedNotificationDTO(Push):
    notificationType: Literal["ORDER_LINE_SERVICE_STATUS_UPDATED"]
    campaignId: CampaignId
    orderId: int
    itemId: Annotated[int, Field(ge=1)]
    serviceArticle: str
    statuses: list[NotificationOrderLineServiceStatusDTO] = Field(min_length=1)
    updatedAt: DateTime
    cancelReason: OrderLineServiceCancelReasonType | None = None


class GoodsFeedbackCreatedNotificationDTO(Push):
    notificationType: Literal["GOODS_FEEDBACK_CREATED"]
    businessId: BusinessId
    feedbackId: int
    createdAt: DateTime
    publishedAt: DateTime


class GoodsFeedbackCommentCreatedNotificationDTO(Push):
    notificationType: Literal["GOODS_FEEDBACK_COMMENT_CREATED"]
    businessId: BusinessId
    commentId: int
    createdAt: DateTime


class ChatCreatedNotificationDTO(Push):
    notificationType: Literal["CHAT_CREATED"]
    businessId: BusinessId
    chatId: int
    createdAt: DateTime


class ChatMessageSentNotificationDTO(Push):
    notificationType: Literal["CHAT_MESSAGE_SENT"]
    businessId: BusinessId
    chatId: int
    messageId: str
    sentAt: DateTime


class ChatArbitrageStartedNotificationDTO(Push):
    notificationType: Literal["CHAT_ARBITRAGE_STARTED"]
    businessId: BusinessId
    chatId: int
    startedAt: DateTime


class ChatArbitrageFinishedNotificationDTO(Push):
    notificationType: Literal["CHAT_ARBITRAGE_FINISHED"]
    businessId: BusinessId
    chatId: int
    finishedAt: DateTime


class QuestionCreatedNotificationDTO(Push):
    notificationType: Literal["QUESTION_CREATED"]
    businessId: BusinessId
    questionId: int
    createdAt: DateTime


class QuestionAnswerCreatedNotificationDTO(Push):
    notificationType: Literal["QUESTION_ANSWER_CREATED"]
    businessId: BusinessId
    answerId: int
    createdAt: DateTime


class QuestionCommentCreatedNotificationDTO(Push):
    notificationType: Literal["QUESTION_COMMENT_CREATED"]
    businessId: BusinessId
    answerId: int
    commentId: int
    createdAt: DateTime


Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SendNotificationResponse(Push):
    """200: the integration's name and version and when processing started (UTC)."""

    name: Text100
    version: Text100
    time: DateTime


class NotificationApiErrorDTO(Push):
    type: NotificationApiErrorType | None = None
    message: str | None = None


class SendNotificationErrorResponse(Push):
    """400 (a notification we cannot read) and 500 (our own failure)."""

    error: NotificationApiErrorDTO | None = None


_MODELS: dict[str, type[Push]] = {
    "PING": PingNotificationDTO,
    "ORDER_CREATED": OrderCreatedNotificationDTO,
    "ORDER_CANCELLED": OrderCancelledNotificationDTO,
    "ORDER_STATUS_UPDATED": OrderStatusUpdatedNotificationDTO,
    "ORDER_RETURN_CREATED": OrderReturnCreatedNotificationDTO,
    "ORDER_CANCELLATION_REQUEST": OrderCancellationRequestNotificationDTO,
    "ORDER_RETURN_STATUS_UPDATED": OrderReturnStatusUpdatedNotificationDTO,
    "ORDER_UPDATED": OrderUpdatedNotificationDTO,
    "ORDER_LINE_SERVICE_STATUS_UPDATED": OrderLineServiceStatusUpdatedNotificationDTO,
    "GOODS_FEEDBACK_CREATED": GoodsFeedbackCreatedNotificationDTO,
    "GOODS_FEEDBACK_COMMENT_CREATED": GoodsFeedbackCommentCreatedNotificationDTO,
    "CHAT_CREATED": ChatCreatedNotificationDTO,
    "CHAT_MESSAGE_SENT": ChatMessageSentNotificationDTO,
    "CHAT_ARBITRAGE_STARTED": ChatArbitrageStartedNotificationDTO,
    "CHAT_ARBITRAGE_FINISHED": ChatArbitrageFinishedNotificationDTO,
    "QUESTION_CREATED": QuestionCreatedNotificationDTO,
    "QUESTION_ANSWER_CREATED": QuestionAnswerCreatedNotificationDTO,
    "QUESTION_COMMENT_CREATED": QuestionCommentCreatedNotificationDTO,
}

PUSHES: list[PushContract] = [
    PushContract(
        "yandex_market",
        kind,
        Source(DOCS.repo, DOCS.path, DOCS.commit, f"#{model.__name__}"),
        model,
        SendNotificationResponse,
    )
    for kind, model in _MODELS.items()
]
