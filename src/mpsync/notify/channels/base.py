"""What every notification channel shares: the message it gets, the result it gives back.

Also the per-type option check: a channel's keys are validated by a pydantic model
and an error names ``notifications.channels[NAME].KEY`` without echoing the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from mpsync.config.model import ChannelConfig

OptionsT = TypeVar("OptionsT", bound=BaseModel)


class ChannelConfigError(ValueError):
    """A channel's settings are missing or wrong; the message names the key and the fix."""


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one delivery attempt.

    ``retry_after`` is the wait the remote side asked for (seconds); ``permanent``
    says retrying cannot help (bad credentials, rejected recipient). ``ref`` is the
    channel's own id of the delivered message (Telegram ``CHAT:MESSAGE_ID``, an e-mail's
    Message-ID): a reply to it names it, so a draft's notification is linked by it.
    """

    ok: bool
    detail: str = ""
    retry_after: float | None = None
    permanent: bool = False
    ref: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered notification on its way to one channel."""

    dedupe_key: str
    event_kind: str
    subject: str
    body: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.body}" if self.body else self.subject


class Channel(Protocol):
    """A delivery target. ``send`` never raises for delivery problems; it reports them."""

    name: str
    language: str
    accepts_replies: bool
    """A seller's reply to what it delivers can approve a draft (``mpsync.inbox.replies``)."""

    async def send(self, message: OutgoingMessage) -> DeliveryResult: ...

    async def aclose(self) -> None: ...


class ChannelOptions(BaseModel):
    """Base for per-type option models: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def parse_options(config: ChannelConfig, model: type[OptionsT]) -> OptionsT:
    """Validate the type-specific keys of *config* with *model*."""
    extras = dict(config.model_extra or {})
    try:
        return model.model_validate(extras)
    except ValidationError as error:
        raise ChannelConfigError(_describe(config, error)) from None


def _describe(config: ChannelConfig, error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "?"
        problems.append(f"notifications.channels[{config.name!r}].{key}: {item['msg']}")
    hint = f" (channel type {config.type!r}; see config.example.toml)"
    return "; ".join(problems) + hint


def short_error(error: BaseException) -> str:
    """A one-line description of *error* for ``last_error``; no tracebacks, no payloads."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__
