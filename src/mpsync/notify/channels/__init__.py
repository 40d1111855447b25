"""Notification channels and the registry that builds them from ``[[notifications.channels]]``.

A channel type is a class with ``send`` and ``aclose``; the registry maps ``type`` to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import httpx

from mpsync.config.model import ChannelConfig, Settings
from mpsync.notify.channels.base import (
    Channel,
    ChannelConfigError,
    DeliveryResult,
    OutgoingMessage,
)
from mpsync.notify.channels.console import ConsoleChannel
from mpsync.notify.channels.smtp import EmailChannel
from mpsync.notify.channels.telegram import TelegramChannel
from mpsync.notify.channels.webhook import WebhookChannel

ChannelFactory = Callable[[ChannelConfig, httpx.AsyncClient | None], Channel]

CHANNEL_TYPES: Mapping[str, ChannelFactory] = MappingProxyType(
    {
        "console": lambda config, _client: ConsoleChannel(config),
        "email": lambda config, _client: EmailChannel(config),
        "telegram": lambda config, client: TelegramChannel(config, client=client),
        "webhook": lambda config, client: WebhookChannel(config, client=client),
    }
)


def build_channel(config: ChannelConfig, *, client: httpx.AsyncClient | None = None) -> Channel:
    """Build the channel *config* describes; a bad key raises ``ChannelConfigError``."""
    if config.unresolved:
        raise ChannelConfigError("; ".join(u.problem() for u in config.unresolved.values()))
    factory = CHANNEL_TYPES.get(config.type)
    if factory is None:
        known = ", ".join(sorted(CHANNEL_TYPES))
        raise ChannelConfigError(
            f"notifications.channels[{config.name!r}].type: unknown type {config.type!r}; "
            f"use one of {known}"
        )
    return factory(config, client)


def build_channels(
    settings: Settings, *, client: httpx.AsyncClient | None = None
) -> dict[str, Channel]:
    """Every configured channel by name, validated up front (``mpsync check`` calls this)."""
    return {
        config.name: build_channel(config, client=client)
        for config in settings.notifications.channels
    }


async def close_channels(channels: Mapping[str, Channel]) -> None:
    """Release the HTTP clients the channels own (call once at shutdown)."""
    for channel in channels.values():
        await channel.aclose()


def channel_config(settings: Settings, name: str) -> ChannelConfig:
    """The config of channel *name*; ``KeyError`` lists the known names."""
    for config in settings.notifications.channels:
        if config.name == name:
            return config
    known = ", ".join(c.name for c in settings.notifications.channels) or "none configured"
    raise KeyError(f"unknown notification channel {name!r} (known: {known})")


__all__ = [
    "CHANNEL_TYPES",
    "Channel",
    "ChannelConfigError",
    "ConsoleChannel",
    "DeliveryResult",
    "EmailChannel",
    "OutgoingMessage",
    "TelegramChannel",
    "WebhookChannel",
    "build_channel",
    "build_channels",
    "channel_config",
    "close_channels",
]
