"""``mpsync config show``: every effective value, secrets masked, and where it came from.

A value's source is ``file``, ``env MPSYNC_…`` (an override), ``file, ${VAR}`` (read
from the environment through the file) or ``default``; nothing secret is ever shown.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel

from mpsync.config.model import AccountConfig, ChannelConfig, Settings, Unresolved
from mpsync.config.sources import Trace, leaf_paths

MASK = "***"
_SECRET = re.compile(r"(token|key|password|secret)", re.I)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]*@", re.I)


@dataclass(frozen=True)
class ShownValue:
    key: str
    value: Any
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def explain(settings: Settings, trace: Trace) -> list[ShownValue]:
    """Each leaf of the effective config with its masked value and its source."""
    from_file = leaf_paths(trace.raw)
    unresolved = _unresolved(settings)
    shown = []
    for key, value in leaf_paths(_effective(settings)).items():
        if key in unresolved:
            item = unresolved[key]
            shown.append(ShownValue(key, f"${{{item.variable}}}", f"unset {item.variable}"))
            continue
        shown.append(ShownValue(key, _mask(key, value), _source(key, trace, from_file)))
    return shown


def _effective(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump(mode="json")
    for index, account in enumerate(settings.accounts):
        credentials = account.credentials
        if isinstance(credentials, BaseModel):
            values = credentials.model_dump(mode="json", exclude_unset=False)
        else:
            values = dict(credentials or {})
        data["accounts"][index] = {**data["accounts"][index], **values}
    return data


def _unresolved(settings: Settings) -> dict[str, Unresolved]:
    owners: list[AccountConfig | ChannelConfig] = [
        *settings.accounts,
        *settings.notifications.channels,
    ]
    return {item.key: item for owner in owners for item in owner.unresolved.values()}


def _source(key: str, trace: Trace, from_file: dict[str, Any]) -> str:
    for env_key, name in trace.env_keys.items():
        if key == env_key or key.startswith((env_key + ".", env_key + "[")):
            return f"env {name}"
    variable = trace.variables.get(key)
    if variable is not None:
        return f"file, ${{{variable}}}"
    return "file" if key in from_file else "default"


def _mask(key: str, value: Any) -> Any:
    if value in (None, "", [], {}):
        return value
    if _SECRET.search(key.rsplit(".", 1)[-1]):
        return MASK
    if isinstance(value, str):
        return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}@", value)
    return value
