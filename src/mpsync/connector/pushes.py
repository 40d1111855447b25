"""What every push parser starts with: a storable JSON object naming its event type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mpsync.connector import pushbody
from mpsync.connector.errors import PushError


def load_event(
    body: bytes, type_key: str, *, invalid: Callable[[str], PushError], missing: PushError
) -> dict[str, Any]:
    """The push body (``pushbody.load``: shallow, storable text and numbers, checked first)
    as a JSON object whose *type_key* is a string; raise ``invalid(why)`` or *missing*, each
    the marketplace's own 4xx answer."""
    try:
        data = pushbody.load(body)
    except pushbody.UnstorableBody as exc:
        raise invalid(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get(type_key), str):
        raise missing
    return data
