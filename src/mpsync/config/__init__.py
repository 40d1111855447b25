"""Configuration: one TOML file, ``MPSYNC_*`` env overrides, ``${VAR}`` secrets.

``load_config`` is the one entry point; it raises ``ConfigError`` whose message
names the key, the value found and the fix.
"""

from __future__ import annotations

from mpsync.config.loader import (
    ConfigError,
    MissingSecretError,
    default_config_path,
    load_config,
    load_config_data,
    require_resolved,
    unresolved_secrets,
)
from mpsync.config.model import (
    AccountConfig,
    AnalyticsConfig,
    ChannelConfig,
    DisplayConfig,
    InvoicingConfig,
    NotificationRule,
    NotificationsConfig,
    PollConfig,
    ServerConfig,
    Settings,
    StoreConfig,
    WebhookConfig,
    WorkflowConfig,
)
from mpsync.config.types import Duration, format_duration, parse_duration

__all__ = [
    "AccountConfig",
    "AnalyticsConfig",
    "ChannelConfig",
    "ConfigError",
    "DisplayConfig",
    "Duration",
    "InvoicingConfig",
    "MissingSecretError",
    "NotificationRule",
    "NotificationsConfig",
    "PollConfig",
    "ServerConfig",
    "Settings",
    "StoreConfig",
    "WebhookConfig",
    "WorkflowConfig",
    "default_config_path",
    "format_duration",
    "load_config",
    "load_config_data",
    "parse_duration",
    "require_resolved",
    "unresolved_secrets",
]
