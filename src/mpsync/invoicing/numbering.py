"""Gapless invoice numbers: one counter row per (sequence, year) in ``invoice_sequences``.

The counter is read with ``SELECT ... FOR UPDATE`` (PostgreSQL; SQLite's write lock
serialises writers) and bumped in the caller's transaction, so a rollback leaves no gap.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mpsync.store.tables import InvoiceSequence

SEQUENCES: Table = cast(Table, InvoiceSequence.__table__)  # type: ignore[attr-defined]
PLACEHOLDERS = "{year}, {seq} (e.g. {seq:06}) and {sequence}"


class NumberFormatError(ValueError):
    """``[invoicing] number_format`` cannot produce a number."""


def next_seq(connection: Connection, sequence: str, year: int) -> int:
    """Take the next number of (*sequence*, *year*) inside the caller's transaction."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(
        insert(SEQUENCES)
        .values(sequence=sequence, year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["sequence", "year"])
    )
    where = (SEQUENCES.c.sequence == sequence) & (SEQUENCES.c.year == year)
    query = select(SEQUENCES.c.last_seq).where(where)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    current = int(connection.execute(query).scalar_one())
    connection.execute(update(SEQUENCES).where(where).values(last_seq=current + 1))
    return current + 1


def format_number(number_format: str, *, year: int, seq: int, sequence: str) -> str:
    """Apply ``number_format`` (``INV-{year}-{seq:06}``); an unusable format names the fix."""
    missing = [name for name in ("{seq", "{year") if name not in number_format]
    if missing:
        raise NumberFormatError(
            f"invoicing.number_format: {number_format!r} lacks {missing[0]}}}; numbering "
            f"restarts every year, so numbers would repeat. Use placeholders {PLACEHOLDERS}"
        )
    try:
        return number_format.format(year=year, seq=seq, sequence=sequence)
    except (KeyError, IndexError, ValueError) as error:
        raise NumberFormatError(
            f"invoicing.number_format: cannot format {number_format!r} ({error}); "
            f"use placeholders {PLACEHOLDERS}"
        ) from None


def check_number_format(number_format: str) -> None:
    """Raise ``NumberFormatError`` now rather than when the first invoice is issued."""
    format_number(number_format, year=2000, seq=1, sequence="default")
