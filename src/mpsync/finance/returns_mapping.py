"""The ``[returns]`` section of a mapping file: one marketplace return → a ``ReturnRecord``.

Fields are JMESPath paths (or ``{ path, zone, map, value }`` tables); ``[returns.kinds]``
translates the marketplace's type to cancellation | full | partial | unredeemed, and
``[returns.lines]`` reads the returned lines (``path`` to the list, then sku, quantity…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from mpsync.finance.mapping import (
    FinanceFailure,
    FinanceMappingError,
    Value,
    _number,
    _path,
    _text,
    _value,
)
from mpsync.finance.records import ReturnLine, ReturnRecord
from mpsync.mapping.convert import ConversionError, currency, to_datetime, to_int

FIELDS = ("id", "order", "kind", "reason", "state", "refund", "currency", "created_at",
          "updated_at")  # fmt: skip
LINE_FIELDS = ("sku", "marketplace_sku", "quantity", "amount")
RETURN_KINDS = ("cancellation", "full", "partial", "unredeemed")


@dataclass(frozen=True)
class ReturnsSection:
    values: Mapping[str, Value]
    kinds: Mapping[str, str]
    lines_path: Any
    lines: Mapping[str, Value]


@dataclass
class MappedReturns:
    records: list[ReturnRecord] = field(default_factory=list)
    failures: list[FinanceFailure] = field(default_factory=list)


def compile_section(data: Any, key: str = "returns") -> ReturnsSection:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise FinanceMappingError([f"{key}: must be a table"])
    for name in data:
        if name not in (*FIELDS, "kinds", "lines"):
            problems.append(
                f"{key}.{name}: unknown key; fix: use one of {[*FIELDS, 'kinds', 'lines']}"
            )
    for required in ("id", "kind", "created_at"):
        if required not in data:
            problems.append(f"{key}.{required}: missing; fix: add it (see mappings/ozon.toml)")
    kinds = dict(data.get("kinds", {}))
    for name, kind in kinds.items():  # "*": any other value
        if kind not in RETURN_KINDS:
            problems.append(
                f"{key}.kinds.{name!r}: {kind!r}; fix: one of {', '.join(RETURN_KINDS)}"
            )
    values = {name: _value(f"{key}.{name}", data.get(name), problems) for name in FIELDS}
    lines = dict(data.get("lines", {}))
    lines_path = _path(f"{key}.lines.path", lines.pop("path", None), problems)
    line_values = {name: _value(f"{key}.lines.{name}", lines.get(name), problems)
                   for name in LINE_FIELDS}  # fmt: skip
    if problems:
        raise FinanceMappingError(problems)
    return ReturnsSection(values, kinds, lines_path, line_values)


def map_rows(section: ReturnsSection, rows: Iterable[Mapping[str, Any]],
             account_id: str) -> MappedReturns:  # fmt: skip
    result = MappedReturns()
    for raw in rows:
        try:
            result.records.append(map_row(section, raw, account_id))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            result.failures.append(FinanceFailure(dict(raw), f"{where}: {first['msg']}", where))
        except (ConversionError, ArithmeticError, TypeError) as exc:
            result.failures.append(FinanceFailure(dict(raw), str(exc).splitlines()[0]))
    return result


def map_row(section: ReturnsSection, raw: Mapping[str, Any], account_id: str) -> ReturnRecord:
    read = {name: value.read(raw) for name, value in section.values.items()}
    if read["id"] is None:
        raise ConversionError("the return has no id (returns.id)")
    kind = section.kinds.get(str(read["kind"]), section.kinds.get("*", read["kind"]))
    if kind not in RETURN_KINDS:
        raise ConversionError(f"return type {read['kind']!r} has no kind; fix: add it to "
                              "[returns.kinds] of the mapping")  # fmt: skip
    if read["created_at"] is None:
        raise ConversionError("the return has no date (returns.created_at)")
    created = to_datetime(read["created_at"], None, section.values["created_at"].zone)
    updated = read["updated_at"]
    lines = []
    for item in (section.lines_path.search(raw) or []) if section.lines_path else []:
        values = {name: value.read(item) for name, value in section.lines.items()}
        lines.append(ReturnLine(
            sku=_text(values["sku"]), marketplace_sku=_text(values["marketplace_sku"]),
            quantity=to_int(values["quantity"] if values["quantity"] is not None else 1),
            amount=None if values["amount"] is None else _number(values["amount"]),
        ))  # fmt: skip
    return ReturnRecord(
        account_id=account_id, external_id=str(read["id"]), order_external_id=_text(read["order"]),
        kind=kind, reason=_text(read["reason"]), state=_text(read["state"]),
        refund_amount=None if read["refund"] is None else _number(read["refund"]),
        currency=currency(read["currency"] or "RUB"), created_at=created,
        source_updated_at=None if updated is None else to_datetime(
            updated, None, section.values["updated_at"].zone),
        lines=tuple(lines), raw=dict(raw),
    )  # fmt: skip
