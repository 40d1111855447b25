"""Executing one statement over many rows given as tuples, with no per-row ORM work.

``connection.execute(statement, list_of_dicts)`` builds a parameter dict per row and
calls each column type's bind processor through SQLAlchemy's generic machinery; for
the pages the sync engine writes (orders, lines, status history) that per-row work
costs more than SQLite's own. Here the statement is compiled once per dialect and
column list, each column's processor is looked up once, and the driver's
``executemany`` gets ready tuples (SQLite) or dicts (PostgreSQL's named style).
The column types are the tables' own, so values bind exactly as they would through
``connection.execute``; errors come back as SQLAlchemy's wrapped DBAPI errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql.dml import Insert

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Prepared:
    sql: str
    positional: bool
    order: tuple[int, ...] | None  # positional: column index per bind, None if the same order
    processed: tuple[tuple[int, Processor], ...]  # (column index, processor)


def execute_rows(
    connection: Connection,
    statement: Insert,
    columns: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Run *statement* (an INSERT, possibly with ON CONFLICT) once per row of *rows*.

    *rows* hold values in the order of *columns*, as Python values (aware datetimes,
    Decimals, dicts for JSON columns); no RETURNING.
    """
    if not rows:
        return
    prepared = _prepare(connection.dialect, statement, columns)
    processed = prepared.processed
    converted: list[Sequence[Any]] = []
    for row in rows:
        if processed:
            values = list(row)
            for index, process in processed:
                values[index] = process(values[index])
            row = values
        converted.append(row)
    parameters: list[Any]
    if not prepared.positional:
        parameters = [dict(zip(columns, values, strict=True)) for values in converted]
    elif prepared.order is None:
        parameters = [tuple(values) for values in converted]
    else:
        order = prepared.order
        parameters = [tuple([values[i] for i in order]) for values in converted]
    connection.exec_driver_sql(prepared.sql, parameters)


@lru_cache(maxsize=128)
def _prepare(dialect: Dialect, statement: Insert, columns: tuple[str, ...]) -> _Prepared:
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    table = statement.table
    processed = []
    for index, name in enumerate(columns):
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processed.append((index, process))
    names = tuple(compiled.positiontup or ()) if compiled.positional else columns
    unknown = set(names) - set(columns)
    if unknown:
        raise ValueError(f"statement binds {sorted(unknown)} that are not among the columns")
    order = tuple(columns.index(name) for name in names)
    same = order == tuple(range(len(columns)))
    return _Prepared(compiled.string, compiled.positional, None if same else order,
                     tuple(processed))  # fmt: skip
