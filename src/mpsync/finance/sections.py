"""The bridge between a mapping file and ``mpsync.finance``: compile [finance]/[returns],
map pages of record type ``finance`` / ``return`` into canonical records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mpsync.finance import returns_mapping
from mpsync.finance.mapping import FinanceMappingError, compile_section, map_rows
from mpsync.mapping.engine import MappedPage, MappingFailure, MappingSchema

SECTION_OF = {"finance": "finance", "return": "returns"}


@dataclass
class MappedMoneyPage(MappedPage):
    """A mapped page of finance rows: ``unknown_operations`` are names no rule knew."""

    unknown_operations: list[str] = field(default_factory=list)


def compile_extra(key: str, data: Any) -> tuple[Any, list[str]]:
    """The compiled section and the problems found (each "key: what; fix: how")."""
    try:
        if key == "finance":
            return compile_section(data, key), []
        return returns_mapping.compile_section(data, key), []
    except FinanceMappingError as exc:
        return None, exc.problems


def map_extra(schema: MappingSchema, record_type: str, records: Iterable[Mapping[str, Any]],
              account_id: str) -> MappedMoneyPage:  # fmt: skip
    section = schema.extras.get(SECTION_OF[record_type])
    page = MappedMoneyPage()
    rows = list(records)
    if section is None:
        reason = f"mapping {schema.source} has no [{SECTION_OF[record_type]}] section"
        page.failures = [MappingFailure(dict(raw), reason, SECTION_OF[record_type])
                         for raw in rows]  # fmt: skip
        return page
    if record_type == "return":
        mapped_returns = returns_mapping.map_rows(section, rows, account_id)
        page.records = list(mapped_returns.records)  # type: ignore[arg-type]
        page.failures = [MappingFailure(f.raw, f.reason, f.field, "returns")
                         for f in mapped_returns.failures]  # fmt: skip
        return page
    mapped = map_rows(section, rows, account_id)
    page.records = list(mapped.records)  # type: ignore[arg-type]
    page.failures = [MappingFailure(f.raw, f.reason, f.field, "finance") for f in mapped.failures]
    page.unknown_operations = sorted(mapped.unknown)
    return page
