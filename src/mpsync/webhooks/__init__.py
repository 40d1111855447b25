"""The daemon's HTTP surface: marketplace pushes, health and readiness."""

from mpsync.webhooks.app import WebhookContext, create_app

__all__ = ["WebhookContext", "create_app"]
