"""The invoicing tests use the shared store fixture (SQLite and PostgreSQL) as ``engine``."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tests.invoicing.helpers import MakeOrder, order_maker


@pytest.fixture
def engine(store: Engine) -> Engine:
    return store


@pytest.fixture
def make_order(engine: Engine) -> MakeOrder:
    return order_maker(engine)
