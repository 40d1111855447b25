"""Applies a compiled mapping to raw marketplace records, producing canonical records.

One bad record becomes a ``MappingFailure``; the rest of the page still maps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from mpsync.connector.errors import MappingError
from mpsync.domain.models import (
    BuyerMessageRecord,
    CustomerRecord,
    OrderLineRecord,
    OrderRecord,
    OrderStatusUpdate,
    PriceRecord,
    ProductRecord,
    StockRecord,
)
from mpsync.mapping.rules import Context, Section

# Record types of the [finance]/[returns] sections (mpsync.finance.sections).
EXTRA_RECORDS = frozenset({"finance", "return"})
CanonicalRecord = (
    OrderRecord | OrderStatusUpdate | StockRecord | PriceRecord | ProductRecord | BuyerMessageRecord
)
MODELS: Mapping[str, type[BaseModel]] = {
    "order": OrderRecord,
    "order_status": OrderStatusUpdate,
    "stock": StockRecord,
    "price": PriceRecord,
    "product": ProductRecord,
    "question": BuyerMessageRecord,
    "review": BuyerMessageRecord,
}


@dataclass(frozen=True)
class MappingFailure:
    """A record that could not be mapped: the raw record, which field, and why."""

    raw: dict[str, Any]
    reason: str
    field: str | None = None
    rule: str | None = None

    def as_error(self) -> MappingError:
        return MappingError(self.reason, raw=self.raw, field=self.field, rule=self.rule)


@dataclass
class MappedPage:
    """Canonical records of a page, the failures, and statuses no rule knew."""

    records: list[CanonicalRecord] = field(default_factory=list)
    failures: list[MappingFailure] = field(default_factory=list)
    unknown_statuses: list[str] = field(default_factory=list)


class MappingSchema:
    """A validated, compiled mapping file for one marketplace."""

    def __init__(self, source: str, marketplace: str, sections: Mapping[str, Section],
                 extras: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        self.source = source
        self.marketplace = marketplace
        self._sections = dict(sections)
        # [finance]/[returns], compiled and applied by mpsync.finance.sections.
        self.extras = dict(extras or {})

    @property
    def record_types(self) -> frozenset[str]:
        return frozenset(self._sections)

    def map_page(
        self,
        record_type: str,
        records: Iterable[Mapping[str, Any]],
        account_id: str,
        *,
        observed_at: datetime | None = None,
    ) -> MappedPage:
        """Map every record; failures and unknown statuses are collected, never raised."""
        if record_type in EXTRA_RECORDS:
            from mpsync.finance.sections import map_extra

            return map_extra(self, record_type, records, account_id)
        page = MappedPage()
        unknown: set[str] = set()
        observed = observed_at or datetime.now(UTC)
        for raw in records:
            try:
                record = self.map_one(record_type, raw, account_id, observed_at=observed)
            except MappingError as exc:
                page.failures.append(MappingFailure(exc.raw, exc.reason, exc.field, exc.rule))
                continue
            page.records.append(record)
            if isinstance(record, OrderRecord | OrderStatusUpdate) and record.status is None:
                unknown.update(self._unknown(record_type, record))
        page.unknown_statuses = sorted(unknown)
        return page

    def _unknown(self, record_type: str, record: OrderRecord | OrderStatusUpdate) -> list[str]:
        section = self._sections[record_type]
        assert section.status is not None
        _, known = section.status.lookup(record.marketplace_status, record.marketplace_substatus)
        if known:
            return []
        sub = record.marketplace_substatus
        return [record.marketplace_status + (f"/{sub}" if sub else "")]

    def map_one(
        self,
        record_type: str,
        raw: Mapping[str, Any],
        account_id: str,
        *,
        observed_at: datetime | None = None,
    ) -> CanonicalRecord:
        """Map one raw record or raise ``MappingError`` naming the field and rule."""
        section = self._sections.get(record_type)
        if section is None:
            raise MappingError(
                f"mapping {self.source} has no [{record_type}] section", raw=raw, field=record_type
            )
        ctx = Context(account_id, observed_at or datetime.now(UTC))
        builder = _BUILDERS.get(record_type, _plain)
        try:
            values = builder(section, raw, ctx)
            result = MODELS[record_type].model_validate(values)
        except MappingError as exc:
            raise MappingError(exc.reason, raw=raw, field=exc.field, rule=exc.rule) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise MappingError(
                str(first["msg"]), raw=raw, field=where, rule="canonical model validation"
            ) from None
        assert isinstance(result, CanonicalRecord)
        return result


def _plain(section: Section, raw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    return {"account_id": ctx.account_id, **section.values(raw, ctx)}


def _status(section: Section, raw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    values = _plain(section, raw, ctx)
    assert section.status is not None
    status, substatus = section.status.read(raw, ctx)
    canonical, _known = section.status.lookup(status, substatus)
    values.update(status=canonical, marketplace_status=status, marketplace_substatus=substatus)
    values["raw"] = dict(raw)
    return values


def _order(section: Section, raw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    values = _status(section, raw, ctx)
    if section.lines is not None and section.lines_path is not None:
        values["lines"] = _lines(section.lines, section.lines_getter(raw), ctx)
    if section.customer is not None:
        customer = section.customer.values(raw, ctx)
        if any(value is not None for value in customer.values()):
            values["customer"] = CustomerRecord.model_validate(customer)
    return values


def _lines(section: Section, items: Any, ctx: Context) -> list[OrderLineRecord]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise MappingError(f"lines path gave {type(items).__name__}, not a list", field="lines")
    lines = []
    for index, item in enumerate(items, start=1):
        line_ctx = Context(ctx.account_id, ctx.observed_at, index)
        try:
            values = {"line_no": index, **section.values(item, line_ctx)}
            if values["line_no"] is None:
                values["line_no"] = index
            lines.append(OrderLineRecord.model_validate(values))
        except MappingError as exc:
            raise MappingError(
                exc.reason, field=f"lines[{index}].{exc.field}", rule=exc.rule
            ) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise MappingError(
                str(first["msg"]),
                field=f"lines[{index}].{where}",
                rule="canonical model validation",
            ) from None
    return lines


def _product(section: Section, raw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """A catalogue entry: an id the record lacks is left out, never stored as empty."""
    values = _plain(section, raw, ctx)
    if values.get("barcodes") is None:
        values.pop("barcodes", None)
    values["ids"] = _ids(section, raw, ctx)
    return values


def _ids(section: Section, raw: Mapping[str, Any], ctx: Context) -> dict[str, str]:
    if section.ids is None:
        return {}
    read = section.ids.values(raw, ctx)
    return {name: str(value) for name, value in read.items()
            if value is not None and str(value).strip()}  # fmt: skip


def _message(kind: str) -> Callable[[Section, Mapping[str, Any], Context], dict[str, Any]]:
    """A buyer's question or review: the section names its kind; empty texts are None,
    a missing main text is "" (a review may be stars only)."""

    def build(section: Section, raw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        values = _plain(section, raw, ctx)
        for name in ("pros", "cons", "answer", "author", "product_name", "sku"):
            if isinstance(values.get(name), str) and not values[name].strip():
                values[name] = None
        values = {key: value for key, value in values.items()
                  if value is not None or key not in ("text", "answered")}  # fmt: skip
        return {**values, "kind": kind, "product_ids": _ids(section, raw, ctx), "raw": dict(raw)}

    return build


_BUILDERS: Mapping[str, Callable[[Section, Mapping[str, Any], Context], dict[str, Any]]] = {
    "order": _order,
    "order_status": _status,
    "product": _product,
    "question": _message("question"),
    "review": _message("review"),
}
