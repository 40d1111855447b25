"""Helpers for connector tests: fixtures on disk, accounts, a recording sleep."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mpsync.config.model import AccountConfig

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
CREDENTIALS: dict[str, dict[str, Any]] = {
    "wildberries": {"token": "wb-secret-token"},
    "ozon": {"client_id": "100001", "api_key": "ozon-secret-key"},
    "yandex_market": {
        "api_key": "ym-secret-key",
        "business_id": 1000001,
        "campaign_ids": [21000000],
    },
    "shop": {"api_key": "shop-secret-key"},  # docs/examples/shop.toml, a config-only connector
}
BASE = "http://mp.test/base"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name), parse_float=Decimal)


def account(marketplace: str, **overrides: Any) -> AccountConfig:
    data: dict[str, Any] = {"id": "acc-1", "marketplace": marketplace, "api_base_url": BASE}
    data.update(CREDENTIALS[marketplace])
    data.update(overrides)
    return AccountConfig.model_validate(data)


class RecordingSleep:
    """An injected sleep that records the waits and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
