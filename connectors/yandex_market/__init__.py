"""The built-in Yandex Market connector (entry point ``yandex_market``)."""

from __future__ import annotations

from mpsync_connectors.yandex_market.connector import (
    YandexMarketConnector,
    YandexMarketCredentials,
)

__all__ = ["YandexMarketConnector", "YandexMarketCredentials"]
