"""The ``[finance]`` section of a mapping file: one money row → signed entries by kind.

A row (WB report line, Ozon operation, YM order stats) splits into amounts; each
``[[finance.amounts]]`` rule reads one (``path``, optionally ``minus`` another), signs it,
and names its kind: a kind of the closed list, or ``"operation"`` — the kind that
``[finance.operations]`` gives the row's (or the element's, with ``each``/``name``)
operation name. ``rest`` takes the row's total and books what the rules before it did not
explain, so the entries of a row always add up to the marketplace's own total. An operation
name no rule knows is booked as ``other`` with its raw name (``mpsync check`` lists them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from pydantic import ValidationError

from mpsync.finance import KINDS
from mpsync.finance.records import FinanceEntryRecord
from mpsync.mapping.compiled import compile_expression
from mpsync.mapping.convert import ConversionError, currency, to_datetime, to_decimal

CENT = Decimal("0.01")
OPERATION = "operation"
ROW_KEYS = frozenset({"id", "operation", "occurred_at", "order", "sku", "marketplace_sku",
                      "currency", "operations", "amounts"})  # fmt: skip
RULE_KEYS = frozenset({"path", "minus", "rest", "kind", "sign", "when", "each", "name", "sku",
                       "marketplace_sku", "quantity"})  # fmt: skip


class FinanceMappingError(ValueError):
    """Problems of a ``[finance]``/``[returns]`` section: which key, what was found, the fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Value:
    """One field read from a row: a path, a constant, a time zone and a value table."""

    path: ParsedResult | None
    constant: Any = None
    zone: ZoneInfo | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    def read(self, raw: Any) -> Any:
        value = self.path.search(raw) if self.path is not None else None
        if value in (None, "") and self.constant is not None:
            value = self.constant
        if isinstance(value, str) and value in self.names:
            value = self.names[value]
        return None if value == "" else value


@dataclass(frozen=True)
class AmountRule:
    path: ParsedResult | None
    minus: ParsedResult | None
    rest: ParsedResult | None
    kind: str
    sign: int
    when: ParsedResult | None
    each: ParsedResult | None
    name: ParsedResult | None
    sku: ParsedResult | None
    marketplace_sku: ParsedResult | None
    quantity: ParsedResult | None = None


@dataclass(frozen=True)
class FinanceSection:
    source_id: Value
    operation: Value
    occurred_at: Value
    order: Value
    sku: Value
    marketplace_sku: Value
    currency: Value
    operations: Mapping[str, str]
    amounts: tuple[AmountRule, ...]

    def kind_of(self, name: str | None) -> tuple[str, bool]:
        """The kind an operation name maps to, and whether a rule knew the name."""
        if name is not None and name in self.operations:
            return self.operations[name], True
        return "other", False


@dataclass
class FinanceFailure:
    raw: dict[str, Any]
    reason: str
    field: str | None = None


@dataclass
class MappedFinance:
    records: list[FinanceEntryRecord] = field(default_factory=list)
    failures: list[FinanceFailure] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)


# -- compiling ---------------------------------------------------------------------------
def compile_section(data: Any, key: str = "finance") -> FinanceSection:
    """Validate and compile a ``[finance]`` table; ``FinanceMappingError`` lists problems."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise FinanceMappingError([f"{key}: must be a table; fix: see mappings/wildberries.toml"])
    for name in data:
        if name not in ROW_KEYS:
            problems.append(f"{key}.{name}: unknown key; fix: use one of {sorted(ROW_KEYS)}")
    operations = data.get("operations", {})
    for name, kind in operations.items():
        if kind not in KINDS:
            problems.append(f"{key}.operations.{name!r}: {kind!r} is not a kind; "
                            f"fix: use one of {', '.join(KINDS)}")  # fmt: skip
    values = {name: _value(f"{key}.{name}", data.get(name), problems)
              for name in ("id", "operation", "occurred_at", "order", "sku", "marketplace_sku",
                           "currency")}  # fmt: skip
    for required in ("id", "occurred_at", "amounts"):
        if required not in data:
            problems.append(f"{key}.{required}: missing; fix: add it (see mappings/*.toml)")
    rules = tuple(_rule(f"{key}.amounts[{n}]", spec, problems)
                  for n, spec in enumerate(data.get("amounts", [])))  # fmt: skip
    if problems:
        raise FinanceMappingError(problems)
    return FinanceSection(values["id"], values["operation"], values["occurred_at"],
                          values["order"], values["sku"], values["marketplace_sku"],
                          values["currency"], dict(operations), rules)  # fmt: skip


class Compiled:
    """A JMESPath compiled once to closures (``mpsync.mapping.compiled``): same answers."""

    def __init__(self, parsed: ParsedResult) -> None:
        self._get = compile_expression(parsed)

    def search(self, value: Any) -> Any:
        return self._get(value)


def _path(key: str, text: Any, problems: list[str]) -> ParsedResult | None:
    if text is None:
        return None
    try:
        return Compiled(jmespath.compile(str(text)))  # type: ignore[return-value]
    except JMESPathError as exc:
        problems.append(f"{key}: bad JMESPath {text!r} ({str(exc).splitlines()[0]}); "
                        "fix: see https://jmespath.org")  # fmt: skip
        return None


def _value(key: str, spec: Any, problems: list[str]) -> Value:
    if spec is None:
        return Value(None)
    if isinstance(spec, str):
        return Value(_path(key, spec, problems))
    if not isinstance(spec, dict):
        problems.append(f'{key}: expected a path or a table; fix: write "path" or {{ path = }}')
        return Value(None)
    zone = None
    if spec.get("zone"):
        try:
            zone = ZoneInfo(str(spec["zone"]))
        except (KeyError, ValueError):
            problems.append(f"{key}.zone: unknown time zone; fix: an IANA name, Europe/Moscow")
    return Value(_path(f"{key}.path", spec.get("path"), problems), spec.get("value"), zone,
                 dict(spec.get("map", {})))  # fmt: skip


def _rule(key: str, spec: Any, problems: list[str]) -> AmountRule:
    if not isinstance(spec, dict):
        problems.append(f"{key}: must be a table")
        spec = {}
    for name in spec:
        if name not in RULE_KEYS:
            problems.append(f"{key}.{name}: unknown key; fix: use one of {sorted(RULE_KEYS)}")
    kind = spec.get("kind", OPERATION)
    if kind != OPERATION and kind not in KINDS:
        problems.append(f"{key}.kind: {kind!r} is not a kind; fix: {OPERATION!r} or one of "
                        f"{', '.join(KINDS)}")  # fmt: skip
    if ("path" in spec) == ("rest" in spec):
        problems.append(f"{key}: give exactly one of `path` and `rest`")
    sign = spec.get("sign", 1)
    if sign not in (1, -1):
        problems.append(f"{key}.sign: {sign!r}; fix: 1 or -1")
    paths = {name: _path(f"{key}.{name}", spec.get(name), problems)
             for name in ("path", "minus", "rest", "when", "each", "name", "sku",
                          "marketplace_sku", "quantity")}  # fmt: skip
    return AmountRule(paths["path"], paths["minus"], paths["rest"], str(kind), int(sign),
                      paths["when"], paths["each"], paths["name"], paths["sku"],
                      paths["marketplace_sku"], paths["quantity"])  # fmt: skip


# -- mapping -----------------------------------------------------------------------------
def map_rows(section: FinanceSection, rows: Iterable[Mapping[str, Any]],
             account_id: str) -> MappedFinance:  # fmt: skip
    """Every row's entries; a row that cannot be read becomes a failure, the rest go on."""
    result = MappedFinance()
    for raw in rows:
        try:
            entries = map_row(section, raw, account_id)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            result.failures.append(FinanceFailure(dict(raw), f"{where}: {first['msg']}", where))
            continue
        except (ConversionError, ArithmeticError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            result.failures.append(FinanceFailure(dict(raw), reason))
            continue
        result.records.extend(entries)
        result.unknown.update(entry.operation for entry in entries if not entry.known)
    return result


def map_row(section: FinanceSection, raw: Mapping[str, Any],
            account_id: str) -> list[FinanceEntryRecord]:  # fmt: skip
    """The row's entries, one per (kind, operation name), zero amounts left out."""
    source_id = section.source_id.read(raw)
    if source_id is None:
        raise ConversionError("the row has no id (finance.id)")
    occurred = section.occurred_at.read(raw)
    if occurred is None:
        raise ConversionError("the row has no date (finance.occurred_at)")
    moment = to_datetime(occurred, None, section.occurred_at.zone or ZoneInfo("UTC"))
    operation = section.operation.read(raw)
    row_currency = currency(section.currency.read(raw) or "RUB")
    sums: dict[tuple[str, str, bool, str | None, str | None], Decimal] = {}
    units: dict[tuple[str, str, bool, str | None, str | None], int] = {}
    booked = Decimal(0)
    for rule in section.amounts:
        if rule.when is not None and not rule.when.search(raw):
            continue
        for name, amount, sku, mp_sku, count in _amounts(rule, raw, operation, booked):
            kind, known = (rule.kind, True) if rule.kind != OPERATION else section.kind_of(name)
            label = str(name if name is not None else kind)
            key = (kind, label, known, sku, mp_sku)
            sums[key] = sums.get(key, Decimal(0)) + amount
            if count is not None:
                units[key] = units.get(key, 0) + count
            booked += amount
    row_sku = _text(section.sku.read(raw))
    row_mp_sku = _text(section.marketplace_sku.read(raw))
    order = _text(section.order.read(raw))
    return [
        FinanceEntryRecord(
            account_id=account_id, external_id=_entry_id(str(source_id), kind, label, sku),
            source_id=str(source_id), order_external_id=order, sku=sku or row_sku,
            marketplace_sku=mp_sku or row_mp_sku, occurred_at=moment, kind=kind,
            operation=label, known=known, amount=amount.quantize(CENT, ROUND_HALF_UP),
            currency=row_currency, quantity=units.get(key), raw=dict(raw),
        )
        for key, amount in sums.items()
        for kind, label, known, sku, mp_sku in [key]
        if amount.quantize(CENT, ROUND_HALF_UP) != 0
    ]  # fmt: skip


def _amounts(rule: AmountRule, raw: Mapping[str, Any], operation: Any, booked: Decimal,
             ) -> list[tuple[Any, Decimal, str | None, str | None, int | None]]:  # fmt: skip
    """(operation name, signed amount, sku, marketplace sku, units) of each amount a rule
    reads; units are signed with the amount (a return takes goods back)."""
    if rule.rest is not None:
        total = _number(rule.rest.search(raw))
        return [(operation, total * rule.sign - booked, None, None, None)]
    elements = [raw] if rule.each is None else list(rule.each.search(raw) or [])
    found = []
    for element in elements:
        assert rule.path is not None
        amount = _number(rule.path.search(element))
        if rule.minus is not None:
            amount -= _number(rule.minus.search(element))
        name = rule.name.search(element) if rule.name is not None else operation
        sku = _text(rule.sku.search(element)) if rule.sku is not None else None
        mp_sku = (_text(rule.marketplace_sku.search(element))
                  if rule.marketplace_sku is not None else None)  # fmt: skip
        count = None
        if rule.quantity is not None:
            read = rule.quantity.search(element)
            count = abs(int(read)) if isinstance(read, int | Decimal) else None
            if count is not None and amount * rule.sign < 0:
                count = -count
        found.append((name, amount * rule.sign, sku, mp_sku, count))
    return found


def _number(value: Any) -> Decimal:
    """A path's number; a list of numbers adds up (``prices[].total``)."""
    if isinstance(value, list):
        return sum((_number(item) for item in value), Decimal(0))
    return Decimal(0) if value is None else to_decimal(value)


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == 0:
        return None
    return str(value)


def _entry_id(source_id: str, kind: str, label: str, sku: str | None) -> str:
    digest = hashlib.sha1(f"{label}\x00{sku or ''}".encode()).hexdigest()[:12]
    return f"{source_id}/{kind}/{digest}"
