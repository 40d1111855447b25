"""Notifications: the outbox the sync engine writes into and the dispatcher that empties it.

Producers call ``plan_notifications`` and ``enqueue`` inside their own transaction;
the daemon runs ``Dispatcher``; ``mpsync notify test`` calls ``send_test``.
"""

from __future__ import annotations

from mpsync.display import format_money
from mpsync.notify.channels import (
    CHANNEL_TYPES,
    Channel,
    ChannelConfigError,
    DeliveryResult,
    OutgoingMessage,
    build_channel,
    build_channels,
    channel_config,
    close_channels,
)
from mpsync.notify.dispatcher import Dispatcher, DispatchStats, RetryPolicy, send_test
from mpsync.notify.outbox import enqueue, list_outbox
from mpsync.notify.render import Renderer
from mpsync.notify.rules import EVENT_KINDS, plan_notifications

__all__ = [
    "CHANNEL_TYPES",
    "EVENT_KINDS",
    "Channel",
    "ChannelConfigError",
    "DeliveryResult",
    "DispatchStats",
    "Dispatcher",
    "OutgoingMessage",
    "Renderer",
    "RetryPolicy",
    "build_channel",
    "build_channels",
    "channel_config",
    "close_channels",
    "enqueue",
    "format_money",
    "list_outbox",
    "plan_notifications",
    "send_test",
]
