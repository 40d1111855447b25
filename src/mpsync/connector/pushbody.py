"""Push bodies checked before anything is stored: JSON that is shallow, text that every
store can hold (no lone surrogates, no NUL) and numbers of a size a marketplace sends.

``load`` parses a body or raises ``UnstorableBody`` (a ``ValueError``) with a short reason;
connectors turn that into a 400 in their marketplace's format. ``check`` walks any value
(a parsed event, say) without recursion, so a hostile nesting cannot exhaust the stack.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

MAX_DEPTH = 32  # marketplaces nest notifications 4-6 levels deep
MAX_INT = 2**63  # ids are 64-bit at most
MAX_EXPONENT = 18  # money and quantities: |x| < 10^18


class UnstorableBody(ValueError):
    """A push body mpsync refuses before storing it; ``str()`` is a short, safe reason."""


def _no_constant(name: str) -> Any:
    raise UnstorableBody(f"{name} is not a JSON number")


def load(body: bytes) -> Any:
    """Parse *body* as JSON (floats as ``Decimal``) and ``check`` it."""
    try:
        data = json.loads(body, parse_float=Decimal, parse_constant=_no_constant)
    except UnstorableBody:
        raise
    except RecursionError as exc:
        raise UnstorableBody(f"the body nests deeper than {MAX_DEPTH} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, too many digits
        raise UnstorableBody("the body is not valid JSON") from exc
    check(data)
    return data


def check(value: Any) -> None:
    """Raise ``UnstorableBody`` unless *value* is shallow and holds storable text and numbers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > MAX_DEPTH:
                raise UnstorableBody(f"the body nests deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _text(key) if isinstance(key, str) else _scalar(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _text(item)
        else:
            _scalar(item)


def _text(value: str) -> None:
    if "\x00" in value:
        raise UnstorableBody("a string holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnstorableBody("a string holds an unpaired surrogate") from exc


def _scalar(value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not -MAX_INT <= value < MAX_INT:
            raise UnstorableBody("a number is out of range")
    elif isinstance(value, Decimal | float):
        _decimal(Decimal(value) if isinstance(value, float) else value)


def _decimal(value: Decimal) -> None:
    if not value.is_finite() or value.adjusted() >= MAX_EXPONENT:
        raise UnstorableBody("a number is out of range")
