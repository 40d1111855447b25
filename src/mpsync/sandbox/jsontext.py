"""JSON written as text: list pages are rendered order by order into one string.

Building a dict per order and handing the page to json.dumps cost most of the time
of a page; renderers instead fill f-string templates whose fixed parts are written
once. Values go in as JSON: numbers as they are, strings through `quote`, except
strings the sandbox makes itself from digits, hex and dates (no escaping needed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

quote: Callable[[str], str] = encode_basestring
"""A string as a JSON string literal, non-ASCII kept (what json.dumps does per string)."""


@dataclass(frozen=True, slots=True)
class RawJson:
    """JSON text the response pipeline sends as it is."""

    text: str


def json_text(value: Any) -> str:
    """A value as compact JSON text, the sandbox's wire encoding."""
    if isinstance(value, RawJson):
        return value.text
    if isinstance(value, str):
        return quote(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_array(fragments: Iterable[str]) -> RawJson:
    """A JSON array of already rendered elements."""
    return RawJson(f"[{','.join(fragments)}]")


def json_object(fields: dict[str, Any]) -> RawJson:
    """A JSON object; RawJson values go in as they are, the others are encoded."""
    return RawJson(f"{{{json_members(fields)}}}")


def json_members(fields: dict[str, Any]) -> str:
    """The members of a JSON object without its braces, to splice into a template."""
    return ",".join(f"{quote(name)}:{json_text(value)}" for name, value in fields.items())
