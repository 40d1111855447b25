"""The built-in Ozon connector (entry point ``ozon``)."""

from __future__ import annotations

from mpsync_connectors.ozon.connector import OzonConnector, OzonCredentials

__all__ = ["OzonConnector", "OzonCredentials"]
