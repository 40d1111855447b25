"""The webhook channel: a signed JSON POST to the seller's own endpoint.

``X-Mpsync-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` proves the sender;
``Idempotency-Key`` carries the dedupe key so the receiver can drop redeliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
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

SIGNATURE_HEADER = "X-Mpsync-Signature"
RETRIABLE_STATUS = frozenset({408, 425, 429})


class WebhookOptions(ChannelOptions):
    url: str
    secret: SecretStr = Field(min_length=1)
    timeout: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


def sign(secret: str, body: bytes) -> str:
    """The signature header value for *body*."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def encode_body(message: OutgoingMessage) -> bytes:
    document: dict[str, Any] = {
        "id": message.dedupe_key,
        "event": message.event_kind,
        "subject": message.subject,
        "text": message.body,
        "data": dict(message.payload),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str).encode()


class WebhookChannel:
    """POSTs one JSON document per notification; 2xx is delivered, 4xx (but 408/429) is final."""

    accepts_replies = False

    def __init__(self, config: ChannelConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self.name = config.name
        self.language: str = config.language
        self.options = parse_options(config, WebhookOptions)
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=self.options.timeout)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        body = encode_body(message)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(self.options.secret.get_secret_value(), body),
            "Idempotency-Key": message.dedupe_key,
            "X-Mpsync-Event": message.event_kind,
        }
        try:
            response = await self._client.post(self.options.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return DeliveryResult(ok=False, detail=short_error(error))
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, detail=f"webhook {status}")
        retriable = status >= 500 or status in RETRIABLE_STATUS
        return DeliveryResult(
            ok=False,
            detail=f"webhook {status}",
            retry_after=_retry_after(response) if retriable else None,
            permanent=not retriable,
        )

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric ``Retry-After``; an HTTP-date falls back to our own backoff.
    A huge or infinite value is passed on as it is: the dispatcher caps it."""
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return None if math.isnan(seconds) else max(0.0, seconds)
