"""``mpsync check``: the finance operations no mapping rule knows.

An operation name the account's ``[finance.operations]`` does not translate is booked as
``other`` with its raw name; until a rule names its kind, check fails on it, listing the
names, so a new marketplace fee is never hidden in ``other``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from mpsync.config import Settings
from mpsync.finance.store import ENTRIES
from mpsync.store.engine import StoreMissingError, create_store_engine


def unknown_operations(settings: Settings) -> list[Any]:
    """One failed check per account whose stored entries carry unknown operation names."""
    from mpsync.checks import CheckResult

    try:
        engine = create_store_engine(settings.store.url, create=False)
    except StoreMissingError:
        return []
    found: dict[str, set[str]] = defaultdict(set)
    try:
        with engine.connect() as connection:
            query = select(ENTRIES.c.account_id, ENTRIES.c.operation).where(
                ENTRIES.c.known.is_(False)).distinct()  # fmt: skip
            for account, operation in connection.execute(query):
                found[account].add(operation)
    except SQLAlchemyError:  # no store yet, or not migrated: the database check says so
        return []
    finally:
        engine.dispose()
    return [
        CheckResult(f"finance operations {account}", False,
                    f"booked as 'other', unknown to the mapping: {', '.join(sorted(names))}; "
                    "add them to [finance.operations] of the account's mapping")
        for account, names in sorted(found.items())
    ]  # fmt: skip
