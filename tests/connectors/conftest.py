"""Fixtures of the connector tests (helpers live in ``connector_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from connector_helpers import RecordingSleep

from mpsync.connector.registry import declare

# The config-only connector of docs/examples/shop.toml is a connector like the others: the
# conformance suite (parametrized over every known connector) runs over it too.
SHOP_TOML = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shop.toml"
declare(str(SHOP_TOML))


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()
