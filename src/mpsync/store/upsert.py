"""Bulk idempotent upsert: one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE changed``.

One statement per table per batch (sent as multi-row INSERTs under the
driver's parameter limit); rows that did not change are not rewritten, and the caller learns
which keys were inserted and which were changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

Key = tuple[Any, ...]


@dataclass
class UpsertResult:
    inserted: set[Key] = field(default_factory=set)
    updated: set[Key] = field(default_factory=set)
    unchanged: set[Key] = field(default_factory=set)
    ids: dict[Key, Any] = field(default_factory=dict)  # key → primary key, for every row

    @property
    def changed(self) -> set[Key]:
        return self.inserted | self.updated


def bulk_upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    *,
    compare: Iterable[str] | None = None,
    update: Iterable[str] | None = None,
    returning: str | None = "id",
    keep: Iterable[str] = (),
) -> UpsertResult:
    """Insert or update *rows* of *table* by the unique columns *key*.

    *compare* names the columns whose difference makes an update (default:
    every non-key column given; empty: update unconditionally, for callers that
    filtered unchanged rows already); *update* the columns written on update
    (default: the same). *keep*: compared and updated columns where a NULL in the
    new row keeps the stored value (a read that lacks a value erases nothing).
    Later duplicates of a key within *rows* win.
    """
    result = UpsertResult()
    if not rows:
        return result
    unique = _last_per_key(rows, key)
    columns = list(next(iter(unique.values())))
    compare_cols = list(compare) if compare is not None else [c for c in columns if c not in key]
    update_cols = list(update) if update is not None else compare_cols
    existing = _existing_keys(connection, table, key, list(unique))
    # Rows go in key order: two transactions upserting the same rows (two replicas, or a
    # stock and a price read of one account) lock them in one order and never deadlock.
    batch = [unique[k] for k in sorted(unique, key=_sort_key)]
    touched = _upsert_batch(connection, table, batch, key, compare_cols, update_cols, returning,
                            tuple(keep))  # fmt: skip
    for row_key, row_id in touched.items():
        (result.updated if row_key in existing else result.inserted).add(row_key)
        result.ids[row_key] = row_id
    result.unchanged = set(unique) - result.changed
    if returning and result.unchanged:
        result.ids.update({k: v for k, v in existing.items() if k in result.unchanged})
        # Rows another transaction inserted after our look-up, equal to ours (PostgreSQL
        # reads committed rows per statement): look again rather than lose their ids.
        late = sorted(result.unchanged - set(existing), key=_sort_key)
        if late:
            result.ids.update(_existing_keys(connection, table, key, late))
    return result


def _sort_key(key: Key) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, str(value)) for value in key)


def _last_per_key(rows: Sequence[dict[str, Any]], key: Sequence[str]) -> dict[Key, dict[str, Any]]:
    return {tuple(row[k] for k in key): row for row in rows}


def _existing_keys(
    connection: Connection, table: Table, key: Sequence[str], keys: list[Key]
) -> dict[Key, Any]:
    """Primary keys of the rows that already exist, with index-friendly lookups.

    A key whose leading columns are the same for the whole batch (the account)
    is looked up as ``a = ? AND b IN (...)``: SQLite scans the whole index for
    a row-value ``(a, b) IN (...)``, which would make every page slower.
    """
    key_cols = [table.c[k] for k in key]
    id_col = table.c["id"] if "id" in table.c else key_cols[0]
    fixed = [i for i in range(len(key) - 1) if len({k[i] for k in keys}) == 1]
    found: dict[Key, Any] = {}
    step = max(1, 900 // len(key))
    for start in range(0, len(keys), step):
        part = keys[start : start + step]
        if len(key) == 1:
            condition: Any = key_cols[0].in_([k[0] for k in part])
        elif fixed == list(range(len(key) - 1)):
            condition = and_(*(key_cols[i] == part[0][i] for i in fixed),
                             key_cols[-1].in_([k[-1] for k in part]))  # fmt: skip
        else:
            condition = tuple_(*key_cols).in_(part)
        for row in connection.execute(select(id_col, *key_cols).where(condition)):
            found[tuple(row[1:])] = row[0]
    return found


def _upsert_batch(
    connection: Connection,
    table: Table,
    batch: list[dict[str, Any]],
    key: Sequence[str],
    compare_cols: list[str],
    update_cols: list[str],
    returning: str | None,
    keep: tuple[str, ...] = (),
) -> dict[Key, Any]:
    returned = (returning or key[0], *key)
    statement = upsert_statement(connection.dialect.name, table, tuple(key), tuple(compare_cols),
                                 tuple(update_cols), returned, keep)  # fmt: skip
    rows = connection.execute(statement, batch)
    return {tuple(row[1:]): row[0] for row in rows}


@lru_cache(maxsize=256)
def upsert_statement(
    dialect_name: str,
    table: Table,
    key: tuple[str, ...],
    compare_cols: tuple[str, ...],
    update_cols: tuple[str, ...],
    returning: tuple[str, ...] = (),
    keep: tuple[str, ...] = (),
) -> Any:
    """``INSERT ... ON CONFLICT`` for these columns, built once per shape.

    *compare_cols* empty: every conflicting row is updated (the caller knows they
    changed); *update_cols* empty too: conflicts are skipped. A *keep* column takes
    the new value only when it is not NULL (``COALESCE``), and only such a value
    counts as a change.

    Building it (``excluded``, the conflict clause, coercions) costs more per page than
    binding a hundred rows. Without ``.values()`` SQLAlchemy compiles it once and sends
    it as multi-row INSERTs under the driver's parameter limit, RETURNING included.
    """
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    excluded = statement.excluded
    values = {c: func.coalesce(excluded[c], table.c[c]) if c in keep else excluded[c]
              for c in update_cols}  # fmt: skip
    if update_cols and compare_cols:
        changed = or_(*(
            and_(excluded[c].is_not(None), table.c[c].is_distinct_from(excluded[c])) if c in keep
            else table.c[c].is_distinct_from(excluded[c])
            for c in compare_cols
        ))  # fmt: skip
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_=values, where=changed
        )
    elif update_cols:  # the caller already knows these rows changed
        statement = statement.on_conflict_do_update(index_elements=list(key), set_=values)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    return statement.returning(*(table.c[c] for c in returning)) if returning else statement


@lru_cache(maxsize=64)
def insert_new_statement(
    dialect_name: str, table: Table, key: tuple[str, ...] | None = None,
    returning: str | None = None,
) -> Any:  # fmt: skip
    """``INSERT ... ON CONFLICT DO NOTHING`` (optionally ``RETURNING`` a column), built once."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(
        index_elements=list(key) if key else None
    )
    return statement.returning(table.c[returning]) if returning else statement
