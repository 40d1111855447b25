"""The invoicing tests use the shared store fixture (SQLite and PostgreSQL) as ``engine``."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine


@pytest.fixture
def engine(store: Engine) -> Engine:
    return store
