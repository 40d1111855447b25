"""Fixtures of the connector tests (helpers live in ``connector_helpers``)."""

from __future__ import annotations

import pytest
from connector_helpers import RecordingSleep


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()
