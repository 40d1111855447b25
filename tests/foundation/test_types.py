"""The store's column types bind the same text the dialect's own types would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from mpsync.store.types import UTCDateTime


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(5, 3, 4, 1, 2, 3, 45, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 30, 0, 999999, tzinfo=timezone(timedelta(hours=3))),
    ],
)
def test_sqlite_datetime_bind_matches_sqlalchemy_format(value: datetime) -> None:
    dialect = sqlite.dialect()
    fast = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    reference = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None and reference is not None
    assert fast(value) == reference(value.astimezone(UTC).replace(tzinfo=None))


def test_naive_datetime_is_refused_on_sqlite() -> None:
    dialect = sqlite.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    with pytest.raises(ValueError, match="naive datetime"):
        process(datetime(2026, 1, 1))
