"""The Telegram channel: Bot API ``sendMessage`` through httpx, or ``sendPhoto`` with the
text as caption when the payload carries a chart (``chart_png``, base64).

A 429 answer's ``parameters.retry_after`` becomes the delivery's ``retry_after``;
the bot token is part of the URL, so it is scrubbed from every detail we report. A sent
message's ``CHAT:MESSAGE_ID`` is the delivery's ``ref``; with ``approve_by_reply`` the
daemon reads the chat's replies to draft notifications (``mpsync.inbox.telegram``), and a
payload's ``reply_to_message_id`` makes the message a reply (the bot's confirmations).
"""

from __future__ import annotations

import base64
import math
from typing import Any

import httpx
from pydantic import Field, SecretStr, field_validator

from mpsync.config.model import ChannelConfig
from mpsync.notify.channels.base import (
    ChannelOptions,
    DeliveryResult,
    OutgoingMessage,
    parse_options,
    short_error,
)

TELEGRAM_API = "https://api.telegram.org"
MAX_TEXT = 4096
MAX_CAPTION = 1024


class TelegramOptions(ChannelOptions):
    bot_token: SecretStr
    chat_id: str
    api_base_url: str = TELEGRAM_API
    timeout: float = Field(default=15.0, gt=0)
    disable_notification: bool = False
    approve_by_reply: bool = False  # the daemon reads replies to draft notifications
    # Who may approve by reply in a group chat: Telegram user ids (or @usernames). In a
    # group, a reply from anyone else is ignored; with none listed, no group reply counts.
    approvers: list[str] = Field(default_factory=list)

    @field_validator("chat_id", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("approvers", mode="before")
    @classmethod
    def _ids_as_text(cls, value: object) -> object:
        if isinstance(value, list):
            return [str(item) if isinstance(item, int) else item for item in value]
        return value


class TelegramChannel:
    """Posts the message text to one chat; *client* may be injected (tests, shared pools)."""

    def __init__(self, config: ChannelConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self.name = config.name
        self.language: str = config.language
        self.options = parse_options(config, TelegramOptions)
        self.accepts_replies = self.options.approve_by_reply
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=self.options.timeout)

    def _url(self, method: str) -> str:
        return bot_url(self.options, method)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        chart = message.payload.get("chart_png")
        try:
            if isinstance(chart, str) and chart:
                response = await self._send_photo(message, base64.b64decode(chart))
            else:
                response = await self._client.post(self._url("sendMessage"), json={
                    "chat_id": self.options.chat_id,
                    "text": message.text[:MAX_TEXT],
                    "disable_web_page_preview": True,
                    "disable_notification": self.options.disable_notification,
                    **_reply_to(message),
                })  # fmt: skip
        except httpx.HTTPError as error:
            return DeliveryResult(ok=False, detail=self._scrub(short_error(error)))
        return self._result(response)

    async def _send_photo(self, message: OutgoingMessage, image: bytes) -> httpx.Response:
        form = {
            "chat_id": self.options.chat_id,
            "caption": message.text[:MAX_CAPTION],
            "disable_notification": str(self.options.disable_notification).lower(),
        }
        files = {"photo": ("chart.png", image, "image/png")}
        return await self._client.post(self._url("sendPhoto"), data=form, files=files)

    def _result(self, response: httpx.Response) -> DeliveryResult:
        data = response_json(response)
        description = self._scrub(str(data.get("description") or response.reason_phrase))[:200]
        if response.status_code == 200 and data.get("ok"):
            result = data.get("result") or {}
            sent = result.get("message_id")
            chat = (result.get("chat") or {}).get("id", self.options.chat_id)
            ref = f"{chat}:{sent}" if sent is not None else None
            return DeliveryResult(ok=True, detail=f"telegram message {sent}", ref=ref)
        detail = f"telegram {response.status_code}: {description}"
        if response.status_code == 429:
            retry_after = (data.get("parameters") or {}).get("retry_after")
            return DeliveryResult(ok=False, detail=detail, retry_after=_seconds(retry_after))
        permanent = 400 <= response.status_code < 500
        return DeliveryResult(ok=False, detail=detail, permanent=permanent)

    def _scrub(self, text: str) -> str:
        return scrub(self.options, text)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()


def _reply_to(message: OutgoingMessage) -> dict[str, Any]:
    """``reply_parameters`` for a payload naming the message it answers (sent anyway when
    that message is gone)."""
    target = message.payload.get("reply_to_message_id")
    if isinstance(target, bool) or not isinstance(target, int):
        return {}
    return {"reply_parameters": {"message_id": target, "allow_sending_without_reply": True}}


def bot_url(options: TelegramOptions, method: str) -> str:
    """The Bot API URL of *method* (it holds the token: never log it, ``scrub`` errors)."""
    token = options.bot_token.get_secret_value()
    return f"{options.api_base_url.rstrip('/')}/bot{token}/{method}"


def scrub(options: TelegramOptions, text: str) -> str:
    """*text* (an error, Telegram's description) with the bot token replaced by ``***``."""
    return text.replace(options.bot_token.get_secret_value(), "***")


def response_json(response: httpx.Response) -> dict[str, Any]:
    """The Bot API answer's JSON object, ``{}`` when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _seconds(value: Any) -> float | None:
    """Telegram's ``retry_after`` as seconds; a number too big for a float is infinite
    (the dispatcher caps it), anything else none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf
