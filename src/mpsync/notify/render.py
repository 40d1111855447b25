"""Notification text from Jinja2 templates shipped in ``notify/templates`` (ru and en).

A template's first line is the subject; the rest is the body. Money and times are formatted
by ``mpsync.display``: ``1 234,50 ₽`` in ru, times in the ``[display]`` zone. A value from a
marketplace never adds a line: line breaks in it become spaces, unless the template marks
it ``| block`` (a buyer's review), whose further lines are then indented under it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from types import MappingProxyType
from typing import Any

from jinja2 import Environment, PackageLoader, TemplateNotFound, pass_context
from jinja2.runtime import Context

from mpsync.display import format_datetime, format_money

STATUS_NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "ru": {
            "new": "новый",
            "confirmed": "подтверждён",
            "ready_to_ship": "готов к отгрузке",
            "shipped": "отгружен",
            "delivered": "доставлен",
            "completed": "завершён",
            "cancelled": "отменён",
            "returned": "возвращён",
        },
        "en": {"ready_to_ship": "ready to ship"},
    }
)


@dataclass(frozen=True)
class Rendered:
    """A rendered notification: a one-line subject and a plain-text body."""

    subject: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.body}" if self.body else self.subject


def format_when(value: Any, language: str = "ru", zone: tzinfo = UTC) -> str:
    """An ISO string or datetime as ``31.12.2025 21:00 MSK`` (ru) / ``2025-12-31 21:00 MSK``."""
    return format_datetime(value, language, zone)


def plural_ru(count: int, one: str, few: str, many: str) -> str:
    """Russian plural form for *count*: 1 уведомление, 2 уведомления, 5 уведомлений."""
    count = abs(count)
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


@pass_context
def _money(context: Context, value: Any, currency: str | None = "RUB") -> str:
    return format_money(value, currency, context.get("lang", "ru"))


@pass_context
def _when(context: Context, value: Any) -> str:
    return format_when(value, context.get("lang", "ru"), context.get("zone", UTC))


@pass_context
def _status(context: Context, value: Any) -> str:
    names = STATUS_NAMES.get(context.get("lang", "ru"), {})
    return names.get(str(value), str(value)) if value else "—"


def _pct(change: Any) -> str:
    """A relative change as `` (+12 %)``; nothing when there is no change to show."""
    return "" if not isinstance(change, int | float) else f" ({change * 100:+.0f}\u00a0%)"


def _share(value: Any) -> str:
    """A rate in [0, 1] as ``12.5 %``; ``—`` when there was nothing to measure."""
    return "—" if not isinstance(value, int | float) else f"{value * 100:.1f}\u00a0%"


# Every character Python's str.splitlines() breaks at.
_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class _Block(str):
    """Multi-line text a template asked for with ``| block``: kept, lines indented."""


def _block(value: Any) -> _Block:
    lines = _LINE_BREAKS.split(str(value if value is not None else ""))
    return _Block("\n".join([lines[0], *(f"  {line}" for line in lines[1:])]))


def _one_line(value: Any) -> Any:
    """Jinja's ``finalize``: what a ``{{ }}`` prints adds no line (see the module docstring)."""
    if isinstance(value, _Block) or not isinstance(value, str):
        return value
    return _LINE_BREAKS.sub(" ", value)


class Renderer:
    """Renders outbox payloads in a channel's language, times in the ``[display]`` zone."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone
        self._env = Environment(
            loader=PackageLoader("mpsync.notify", "templates"),
            autoescape=False,  # plain text; channels escape for their own markup
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            finalize=_one_line,
        )
        self._env.filters.update(money=_money, when=_when, status=_status, plural=plural_ru,
                                 pct=_pct, share=_share, block=_block)  # fmt: skip

    def render(self, event_kind: str, payload: Mapping[str, Any], language: str) -> Rendered:
        """Render one event; an event kind without a template uses the generic one."""
        lang = language if language in ("ru", "en") else "ru"
        try:
            template = self._env.get_template(f"{event_kind}.{lang}.j2")
        except TemplateNotFound:
            template = self._env.get_template(f"generic.{lang}.j2")
        context = {
            **payload,
            "event_kind": event_kind,
            "lang": lang,
            "zone": self._zone,
            "origin": _origin(payload),
        }
        return _split(template.render(context))

    def render_digest(self, items: Sequence[Rendered], language: str) -> Rendered:
        return self.render("digest", {"items": list(items)}, language)

    def render_test(self, channel: str, language: str, now: datetime) -> Rendered:
        return self.render("test", {"channel": channel, "now": now}, language)


def _origin(payload: Mapping[str, Any]) -> str:
    """`` (ozon, ozon-main)`` after a subject, or nothing when the event names neither."""
    parts = [str(payload[key]) for key in ("marketplace", "account") if payload.get(key)]
    return f" ({', '.join(parts)})" if parts else ""


def _split(text: str) -> Rendered:
    subject, _, body = text.strip().partition("\n")
    return Rendered(subject=subject.strip(), body=body.strip())
