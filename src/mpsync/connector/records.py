"""The shapes a listing's answer comes in: a JSON object, a list of record objects.

Shared by every connector (they were ``mpsync_connectors.snapshot`` helpers).
"""

from __future__ import annotations

from typing import Any

from mpsync.connector.errors import FatalError

Records = list[dict[str, Any]]


def json_object(body: Any, what: str) -> dict[str, Any]:
    """A response body that must be a JSON object; an empty body is an empty object.

    Anything else (a list, a string) is not a shape the connector knows: reading on as if
    the list were empty would silently drop the rest of it.
    """
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise FatalError(f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def as_dicts(items: Any) -> Records:
    """The items of a list as dicts; a non-object item is kept as ``{"_unparsed": item}``.

    Such a row fails the mapping and lands in dead letters with its raw value: nothing is
    dropped silently, and one bad item does not stop the page. A non-list is empty.
    """
    if not isinstance(items, list):
        return []
    return [dict(item) if isinstance(item, dict) else {"_unparsed": item} for item in items]


def dig(body: Any, path: str) -> Any:
    """The value at a dotted *path* of a JSON body (``result.paging.nextPageToken``); None
    where a step is missing or not an object. An empty path is the body itself."""
    value = body
    for step in filter(None, path.split(".")):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value
