"""The built-in Wildberries connector (entry point ``wildberries``)."""

from __future__ import annotations

from mpsync_connectors.wildberries.connector import WildberriesConnector, WildberriesCredentials

__all__ = ["WildberriesConnector", "WildberriesCredentials"]
