"""Compiled mapping rules: one field, a status map, a record section; applied per record.

Rules are built once at load time (jmespath compiled there) and are immutable afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jmespath.parser import ParsedResult

from mpsync.connector.errors import MappingError
from mpsync.domain.status import OrderStatus
from mpsync.mapping.compiled import Getter, compile_expression
from mpsync.mapping.convert import TYPES, ConversionError, Transform, to_datetime

KEEP = "keep"


def _absent(_raw: Any) -> None:
    return None


@dataclass(frozen=True)
class Context:
    """Values a field may take from outside the record (``from = "observed_at"``)."""

    account_id: str
    observed_at: datetime
    line_no: int = 0

    def get(self, name: str) -> Any:
        return {"observed_at": self.observed_at, "line_no": self.line_no or None}.get(name)


@dataclass(frozen=True)
class FieldRule:
    """How one canonical field is read: path, transforms, default, type."""

    target: str
    source: str
    expression: ParsedResult | None
    kind: str
    fmt: tuple[str, ...] | None = None
    zone: ZoneInfo | None = None
    default: Any = None
    transforms: tuple[tuple[str, Transform], ...] = ()
    from_context: str | None = None
    # The path compiled to a closure (``mapping.compiled``), once per rule.
    getter: Getter = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        getter = compile_expression(self.expression) if self.expression else _absent
        object.__setattr__(self, "getter", getter)

    def read(self, raw: Any) -> Any:
        """The value at the rule's path, with JMESPath's semantics (None when absent)."""
        return self.getter(raw)

    def apply(self, raw: Any, ctx: Context) -> Any:
        value = self.getter(raw)
        if value is None and self.from_context:
            value = ctx.get(self.from_context)
        try:
            for _name, transform in self.transforms:
                if value is not None:
                    value = transform(value)
            if value is None or value == "":
                value = self.default
            if value is None or isinstance(value, datetime):
                return value
            if self.kind == "datetime":
                return to_datetime(value, self.fmt, self.zone)
            return TYPES[self.kind](value)
        except (ConversionError, ArithmeticError, TypeError, ValueError) as exc:
            raise MappingError(str(exc), field=self.target, rule=self.describe()) from exc

    def reading(self) -> tuple[Any, ...]:
        """What determines the value (everything but the target), for sharing reads."""
        plain = self.default is None or isinstance(self.default, str | int | float | bool)
        default = self.default if plain else id(self)  # unhashable: never shared
        return (self.source, self.kind, self.fmt, self.zone, type(self.default), default,
                tuple(name for name, _ in self.transforms), self.from_context)  # fmt: skip

    def describe(self) -> str:
        parts = [f"path={self.source!r}", f"type={self.kind}"]
        parts += [f"transform={name}" for name, _ in self.transforms]
        return " ".join(parts)


@dataclass(frozen=True)
class StatusRule:
    """Marketplace status (+ substatus) → canonical status; ``keep`` = no change."""

    status: FieldRule
    substatus: FieldRule | None
    table: Mapping[str, str]

    def read(self, raw: Any, ctx: Context) -> tuple[str, str | None]:
        status = self.status.apply(raw, ctx)
        if status is None:
            raise MappingError(
                "the record has no status", field="marketplace_status", rule=self.status.describe()
            )
        sub = self.substatus.apply(raw, ctx) if self.substatus else None
        return str(status), (None if sub is None else str(sub))

    def lookup(self, status: str, substatus: str | None) -> tuple[OrderStatus | None, bool]:
        """The canonical status and whether the marketplace status was known at all."""
        keys = (
            [status] if substatus is None else [f"{status}/{substatus}", f"*/{substatus}", status]
        )
        for key in keys:
            if key in self.table:
                value = self.table[key]
                return (None if value == KEEP else OrderStatus(value)), True
        return None, False


@dataclass(frozen=True)
class Section:
    """The rules of one canonical record type (or of its child lines/customer)."""

    record_type: str
    fields: tuple[FieldRule, ...]
    status: StatusRule | None = None
    lines_path: ParsedResult | None = None
    lines: Section | None = None
    customer: Section | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    ids: Section | None = None  # [product.ids]: the marketplace's ids, by its own names
    lines_getter: Getter = field(init=False, compare=False, repr=False)
    # Fields read the same way (``items_total`` and ``total`` of one path, say) are
    # computed once: (rule, the other targets that take its value).
    _groups: tuple[tuple[FieldRule, tuple[str, ...]], ...] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        getter = compile_expression(self.lines_path) if self.lines_path else _absent
        object.__setattr__(self, "lines_getter", getter)
        groups: dict[tuple[Any, ...], tuple[FieldRule, list[str]]] = {}
        for rule in self.fields:
            groups.setdefault(rule.reading(), (rule, []))[1].append(rule.target)
        shared = tuple((rule, tuple(targets[1:])) for rule, targets in groups.values())
        object.__setattr__(self, "_groups", shared)

    def values(self, raw: Any, ctx: Context) -> dict[str, Any]:
        result = {}
        for rule, aliases in self._groups:
            value = result[rule.target] = rule.apply(raw, ctx)
            for alias in aliases:
                result[alias] = value
        return result
