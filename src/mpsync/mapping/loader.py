"""Loads a mapping file (built-in name or path), validates all of it, compiles its rules.

Every problem names the file, the key and the fix; all are reported together.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from mpsync.domain.status import OrderStatus
from mpsync.mapping.convert import BUILTIN_TRANSFORMS, TYPES, Transform
from mpsync.mapping.engine import MappingSchema
from mpsync.mapping.rules import KEEP, FieldRule, Section, StatusRule
from mpsync.mapping.targets import (
    CONTEXT_VALUES,
    EXTRA_SECTIONS,
    ID_NAME,
    RECORD_SECTIONS,
    SECTION_KEYS,
    TARGETS,
    TOP_KEYS,
)

BUILTIN_PACKAGE = "mpsync_mappings"
DECLARATION_KEYS = frozenset({"connector", "streams"})  # mpsync.connector.config_connector
FIELD_KEYS = frozenset({"path", "type", "format", "zone", "default", "transform", "from"})


class MappingFileError(ValueError):
    """A mapping file is invalid; ``problems`` lists every one with its fix."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"mapping {source} has {len(problems)} problem(s):\n{listing}")


def builtin_mappings() -> list[str]:
    root = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def _read(name_or_path: str) -> tuple[str, str]:
    if name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path:
        path = Path(name_or_path).expanduser()
        if path.is_dir():
            raise MappingFileError(str(path), ["a directory, not a file; name the .toml file"])
        if not path.is_file():
            raise MappingFileError(str(path), ["file not found; check the account's `mapping`"])
        try:
            return str(path), path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise MappingFileError(str(path), ["not a text file (not UTF-8)"]) from None
        except OSError as exc:
            raise MappingFileError(str(path), [f"cannot read it: {exc.strerror or exc}"]) from None
    resource = resources.files(BUILTIN_PACKAGE) / f"{name_or_path}.toml"
    if not resource.is_file():
        known = ", ".join(builtin_mappings()) or "none"
        raise MappingFileError(
            name_or_path, [f"no built-in mapping of that name (known: {known}); or give a path"]
        )
    return f"{BUILTIN_PACKAGE}/{name_or_path}.toml", resource.read_text(encoding="utf-8")


def load_mapping(
    name_or_path: str,
    *,
    documented_statuses: Collection[str] = (),
    transforms: Mapping[str, Transform] | None = None,
) -> MappingSchema:
    """Load and fully validate a mapping; raise ``MappingFileError`` listing every problem."""
    source, text = _read(name_or_path)
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise MappingFileError(source, [f"not valid TOML: {exc}"]) from exc
    compiler = _Compiler(source, {**BUILTIN_TRANSFORMS, **(transforms or {})})
    schema = compiler.schema(data, documented_statuses)
    if compiler.problems:
        raise MappingFileError(source, compiler.problems)
    return schema


class _Compiler:
    def __init__(self, source: str, transforms: Mapping[str, Transform]) -> None:
        self.source = source
        self.transforms = transforms
        self.problems: list[str] = []

    def problem(self, key: str, what: str, fix: str) -> None:
        self.problems.append(f"{self.source}: {key}: {what}; fix: {fix}")

    def schema(self, data: dict[str, Any], documented: Collection[str]) -> MappingSchema:
        for key in data:
            # A config-only connector's file holds its declaration beside the mapping.
            if key not in TOP_KEYS and key not in DECLARATION_KEYS:
                self.problem(key, "unknown section", f"use one of {sorted(TOP_KEYS)}")
        meta = data.get("meta", {})
        documented = set(documented) | set(meta.get("documented_statuses", []))
        sections: dict[str, Section] = {}
        for record_type in RECORD_SECTIONS:
            if isinstance(data.get(record_type), dict):
                sections[record_type] = self.section(record_type, record_type, data[record_type])
        order_status = data.get("order_status", {})
        if "order" in sections and "order_status" in sections and "status" not in order_status:
            inherited = sections["order_status"]
            sections["order_status"] = Section(
                inherited.record_type, inherited.fields, sections["order"].status
            )
        for record_type in ("order", "order_status"):
            status = sections[record_type].status if record_type in sections else None
            if status is not None:
                self.check_gaps(f"{record_type}.status.map", status, documented)
        extras = self.extras(data)
        return MappingSchema(self.source, str(meta.get("marketplace", "")), sections, extras)

    def extras(self, data: dict[str, Any]) -> dict[str, Any]:
        """The [finance]/[returns] sections, compiled by ``mpsync.finance.sections``."""
        from mpsync.finance.sections import compile_extra

        compiled: dict[str, Any] = {}
        for key in EXTRA_SECTIONS:
            if key in data:
                section, problems = compile_extra(key, data[key])
                for problem in problems:
                    self.problems.append(f"{self.source}: {problem}")
                compiled[key] = section
        return compiled

    def section(self, kind: str, key: str, data: dict[str, Any]) -> Section:
        for name in data:
            if name not in SECTION_KEYS[kind]:
                self.problem(
                    f"{key}.{name}", "unknown key", f"use one of {sorted(SECTION_KEYS[kind])}"
                )
        rules = self.fields(kind, f"{key}.fields", data.get("fields", {}))
        status = self.status(f"{key}.status", data["status"]) if "status" in data else None
        if kind in ("order", "order_status") and status is None and key == "order":
            self.problem(f"{key}.status", "missing", "add [order.status] with `path` and `map`")
        lines = lines_path = customer = None
        if "lines" in data:
            lines_path = self.path(f"{key}.lines.path", data["lines"].get("path", "[@]"))
            lines = self.section("line", f"{key}.lines", data["lines"])
        if "customer" in data:
            customer = self.section("customer", f"{key}.customer", data["customer"])
        ids = self.ids(f"{key}.ids", data["ids"]) if "ids" in data else None
        return Section(kind, rules, status, lines_path, lines, customer, ids=ids)

    def ids(self, key: str, data: Any) -> Section | None:
        """``[product.ids]`` (``[question.ids]``, ``[review.ids]``): one field per marketplace
        id, read as a string."""
        if not isinstance(data, dict) or not data:
            self.problem(key, f"expected a table of id names, got {data!r}",
                         'write `[product.ids]` with lines like `nmID = "nmID"`')  # fmt: skip
            return None
        rules = []
        for name, spec in data.items():
            if not re.match(ID_NAME, name):
                self.problem(f"{key}.{name}", "not an id name",
                             "use the marketplace's own name: letters, digits, _")  # fmt: skip
            rule = self.field(f"{key}.{name}", name, "str", spec)
            if rule is not None:
                rules.append(rule)
        return Section("product_ids", tuple(rules))

    def fields(self, kind: str, key: str, data: dict[str, Any]) -> tuple[FieldRule, ...]:
        targets = TARGETS[kind]
        for target, (_type, required) in targets.items():
            if required and target not in data:
                self.problem(
                    f"{key}.{target}",
                    "required field is not mapped",
                    f'add `{target} = {{ path = "..." }}`',
                )
        rules = []
        for target, spec in data.items():
            if target not in targets:
                self.problem(
                    f"{key}.{target}", "unknown target field", f"map one of {sorted(targets)}"
                )
                continue
            rule = self.field(f"{key}.{target}", target, targets[target][0], spec)
            if rule is not None:
                rules.append(rule)
        return tuple(rules)

    def field(self, key: str, target: str, default_type: str, spec: Any) -> FieldRule | None:
        if isinstance(spec, str):
            spec = {"path": spec}
        if not isinstance(spec, dict):
            self.problem(
                key,
                f"expected a path string or a table, got {spec!r}",
                'write `field = "path"` or `field = { path = "...", type = "..." }`',
            )
            return None
        for name in spec:
            if name not in FIELD_KEYS:
                self.problem(f"{key}.{name}", "unknown key", f"use one of {sorted(FIELD_KEYS)}")
        kind = spec.get("type", default_type)
        if kind not in TYPES:
            self.problem(f"{key}.type", f"unknown type {kind!r}", f"use one of {sorted(TYPES)}")
        origin = spec.get("from")
        if origin is not None and origin not in CONTEXT_VALUES:
            self.problem(
                f"{key}.from", f"unknown value {origin!r}", f"use one of {sorted(CONTEXT_VALUES)}"
            )
        if "path" not in spec and "default" not in spec and origin is None:
            self.problem(key, "neither `path`, `default` nor `from` given", "add `path = ...`")
        source = str(spec.get("path", ""))
        expression = self.path(f"{key}.path", source) if source else None
        return FieldRule(
            target,
            source,
            expression,
            str(kind),
            self.formats(key, spec),
            self.zone(f"{key}.zone", spec.get("zone")),
            spec.get("default"),
            self.transform_chain(f"{key}.transform", spec.get("transform")),
            origin,
        )

    def formats(self, key: str, spec: dict[str, Any]) -> tuple[str, ...] | None:
        fmt = spec.get("format")
        if fmt is None:
            return None
        formats = (fmt,) if isinstance(fmt, str) else tuple(fmt)
        if spec.get("type") not in (None, "datetime") or not all(
            isinstance(item, str) for item in formats
        ):
            self.problem(
                f"{key}.format",
                f"bad format {fmt!r}",
                'formats apply to datetimes: "iso", "unix" or strptime patterns',
            )
        return tuple(str(item) for item in formats)

    def path(self, key: str, text: str) -> ParsedResult | None:
        try:
            return jmespath.compile(text)
        except JMESPathError as exc:
            message = str(exc).splitlines()[0]
            self.problem(key, f"bad JMESPath {text!r} ({message})", "see https://jmespath.org")
            return None

    def zone(self, key: str, name: Any) -> ZoneInfo | None:
        if name is None:
            return None
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(key, f"unknown time zone {name!r}", 'use an IANA name, "Europe/Moscow"')
            return None

    def transform_chain(self, key: str, names: Any) -> tuple[tuple[str, Transform], ...]:
        chain = []
        for name in [names] if isinstance(names, str) else list(names or []):
            if name not in self.transforms:
                self.problem(
                    key,
                    f"unknown transform {name!r}",
                    f"use one of {sorted(self.transforms)} or register it",
                )
            else:
                chain.append((str(name), self.transforms[name]))
        return tuple(chain)

    def status(self, key: str, data: dict[str, Any]) -> StatusRule | None:
        status = self.field(
            f"{key}.path", "marketplace_status", "str", {"path": data.get("path", "")}
        )
        sub = data.get("substatus_path")
        substatus = (
            self.field(f"{key}.substatus_path", "marketplace_substatus", "str", {"path": sub})
            if sub
            else None
        )
        table: dict[str, str] = {}
        allowed = {s.value for s in OrderStatus} | {KEEP}
        for raw, value in dict(data.get("map", {})).items():
            if value not in allowed:
                self.problem(
                    f"{key}.map.{raw}",
                    f"unknown canonical status {value!r}",
                    f"use one of {sorted(allowed)}",
                )
            table[str(raw)] = str(value)
        if not table:
            self.problem(f"{key}.map", "empty status map", "map marketplace statuses")
        return StatusRule(status, substatus, table) if status else None

    def check_gaps(self, key: str, rule: StatusRule, documented: Collection[str]) -> None:
        for name in sorted(documented):
            if name not in rule.table and not any(k.startswith(f"{name}/") for k in rule.table):
                self.problem(
                    f"{key}.{name}",
                    "documented marketplace status is not mapped",
                    f'add `{name} = "<canonical>"` (or "keep")',
                )
