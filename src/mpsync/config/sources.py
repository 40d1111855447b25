"""Where each config value comes from: the file, an ``MPSYNC_*`` override, or a default.

``apply_env`` overlays ``MPSYNC_A__B__C=value`` on the file's data and records which
key each variable set, so an error in an override names the variable, not the file.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "MPSYNC_"
# Variables with the prefix that are not overrides.
NOT_OVERRIDES = frozenset({"MPSYNC_CONFIG"})
# List sections whose items an override may address by this key instead of the index.
_ITEM_NAMES = {"accounts": ("id", "account"), "channels": ("name", "channel")}


@dataclass
class Trace:
    """What the loader learned about the origin of each key path (``store.url``)."""

    file: str | None = None
    found_as: str | None = None  # how the file was found: "--config", "system", ...
    raw: dict[str, Any] = field(default_factory=dict)  # the file's own data
    env_keys: dict[str, str] = field(default_factory=dict)  # key path → MPSYNC_ variable
    variables: dict[str, str] = field(default_factory=dict)  # key path → ${VAR} it read
    problems: list[str] = field(default_factory=list)  # overrides that address nothing

    def origin(self, line: str, source: str) -> str:
        """*line* (starting with its key path) prefixed with the file or the variable."""
        path = line.split(":", 1)[0].split(" ", 1)[0]
        for key, name in self.env_keys.items():
            if _related(key, path):
                return f"environment variable {name}: {line}"
        return f"{source}: {line}"


def _related(key: str, path: str) -> bool:
    if key == path:
        return True
    return any(a.startswith(b + sep) for a, b in ((key, path), (path, key)) for sep in ".[")


def apply_env(data: dict[str, Any], environ: Mapping[str, str], trace: Trace) -> dict[str, Any]:
    """*data* overlaid with every ``MPSYNC_A__B__C``; list items by index, id or name."""
    merged: dict[str, Any] = _deepcopy(data)
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name in NOT_OVERRIDES or "__" not in name:
            continue
        parts = name.removeprefix(ENV_PREFIX).lower().split("__")
        node: Any = merged
        path = ""
        for part in parts[:-1]:
            found = _child(node, part, path)
            if isinstance(found, str):
                trace.problems.append(f"environment variable {name}: {found}")
                node = None
                break
            node, path = found
        if isinstance(node, dict):
            node[parts[-1]] = _env_value(value)
            trace.env_keys[f"{path}.{parts[-1]}" if path else parts[-1]] = name
    return merged


def _child(node: Any, part: str, path: str) -> tuple[Any, str] | str:
    """The child *part* of *node* and its key path, or why there is none."""
    if isinstance(node, dict):
        child = node.setdefault(part, {})
        child_path = f"{path}.{part}" if path else part
        if not isinstance(child, dict | list):
            return f"{child_path} is a value, not a table: nothing can be set inside it"
        return child, child_path
    if not isinstance(node, list):
        return f"{path} is not a table, so {part!r} cannot be set in it"
    if part.isdigit() and int(part) < len(node):
        return node[int(part)], f"{path}[{part}]"
    section = path.rsplit(".", 1)[-1]
    key, noun = _ITEM_NAMES.get(section, ("id", "item"))
    names = [str(item.get(key, "")) for item in node if isinstance(item, dict)]
    for index, item_name in enumerate(names):
        if _env_name(item_name) == part:
            return node[index], f"{path}[{index}]"
    close = difflib.get_close_matches(part, [_env_name(n) for n in names], n=1)
    hint = f"did you mean {close[0].upper()!r}? " if close else ""
    known = ", ".join(names) or "none"
    return (
        f"no {noun} {part!r} under {path} ({hint}known: {known}; write an {key} in upper case "
        "with - as _, or the index)"
    )


def _env_name(name: str) -> str:
    """How an id reads inside a variable name: ``wb-main`` → ``wb_main``."""
    return name.lower().replace("-", "_")


def _env_value(raw: str) -> Any:
    """Env values are TOML literals when they parse as one, plain strings otherwise."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value


def leaf_paths(data: Any, path: str = "") -> dict[str, Any]:
    """Every scalar (or list of scalars) in *data* by key path: ``accounts[0].poll.orders``."""
    found: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found.update(leaf_paths(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(data, list) and any(isinstance(item, dict) for item in data):
        for index, item in enumerate(data):
            found.update(leaf_paths(item, f"{path}[{index}]"))
    else:
        found[path] = data
    return found
