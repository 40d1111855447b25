"""Load the config: TOML file → ``MPSYNC_*`` env overlay → ``${VAR}`` → validation.

Each problem becomes one line naming the key, the value found and the fix;
secret values are never echoed back.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mpsync.config.model import AccountConfig, ChannelConfig, Settings, Unresolved

ENV_PREFIX = "MPSYNC_"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_WORDS = ("token", "key", "password", "secret")


class ConfigError(Exception):
    """A config problem; ``str()`` is one line per problem, ready to print."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def default_config_path() -> Path:
    return Path(os.environ.get("MPSYNC_CONFIG", "mpsync.toml"))


def load_config(
    path: Path | str | None = None, *, env: Mapping[str, str] | None = None
) -> Settings:
    """Read, merge and validate the config file at *path* (``None``: the default)."""
    config_path = Path(path) if path is not None else default_config_path()
    if not config_path.exists():
        raise ConfigError(
            [
                f"config file {str(config_path)!r} not found; create one with "
                f"'mpsync init {config_path}' or pass --config PATH"
            ]
        )
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{config_path}: not valid TOML: {exc}"]) from None
    return load_config_data(data, env=env, source=str(config_path))


def load_config_data(
    data: dict[str, Any], *, env: Mapping[str, str] | None = None, source: str = "config"
) -> Settings:
    """Validate already-parsed config *data* with env overrides and interpolation."""
    environ = os.environ if env is None else env
    merged = _apply_env(data, environ)
    problems: list[str] = []
    deferred: dict[str, str] = {}
    merged = _interpolate(merged, environ, "", problems, deferred)
    if problems:
        raise ConfigError(f"{source}: {p}" for p in problems)
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(
            f"{source}: {line}" for line in _describe(exc, Settings, merged)
        ) from None
    problems = []
    for index, account in enumerate(settings.accounts):
        problems.extend(_check_credentials(index, account, merged, deferred))
    if problems:
        raise ConfigError(f"{source}: {p}" for p in problems)
    _attach_deferred(settings, deferred, source)
    return settings


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Overlay ``MPSYNC_A__B__C=value``; list items are addressed by index or ``id``."""
    merged: dict[str, Any] = _deepcopy(data)
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == "MPSYNC_CONFIG" or "__" not in name:
            continue
        parts = name.removeprefix(ENV_PREFIX).lower().split("__")
        node: Any = merged
        for part in parts[:-1]:
            node = _child(node, part)
            if node is None:
                break
        if isinstance(node, dict):
            node[parts[-1]] = _env_value(value)
    return merged


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.setdefault(part, {})
    if isinstance(node, list):
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        for item in node:
            if isinstance(item, dict) and str(item.get("id", "")).lower() == part:
                return item
    return None


def _env_value(raw: str) -> Any:
    """Env values are TOML literals when they parse as one, plain strings otherwise."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _interpolate(
    value: Any, environ: Mapping[str, str], key: str, problems: list[str], deferred: dict[str, str]
) -> Any:
    if isinstance(value, dict):
        return {
            k: _interpolate(v, environ, f"{key}.{k}" if key else k, problems, deferred)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _interpolate(v, environ, f"{key}[{i}]", problems, deferred) for i, v in enumerate(value)
        ]
    if isinstance(value, str) and "${" in value:

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            if _DEFERRABLE.match(key):
                # Only the code that uses it (a connector, a channel) needs it: read
                # commands run in a shell that lacks the daemon's secrets.
                deferred[key] = name
                return match.group(0)
            problems.append(
                f"{key}: environment variable {name} is not set; export it or "
                f"write '${{{name}:-default}}'"
            )
            return ""

        return _VAR.sub(replace, value)
    return value


def _check_credentials(
    index: int, account: AccountConfig, merged: dict[str, Any], deferred: Mapping[str, str]
) -> list[str]:
    from mpsync.connector.registry import UnknownConnectorError, load_connector

    key = f"accounts[{index}]"
    try:
        connector_cls = load_connector(account.marketplace)
    except UnknownConnectorError as exc:
        return [f"{key}.marketplace = {account.marketplace!r}: {exc}"]
    model = connector_cls.credentials_model
    try:
        account.credentials = model.model_validate(account.credentials)
    except ValidationError as exc:
        raw = merged.get("accounts", [])[index] if merged.get("accounts") else {}
        # A value still waiting for its variable is checked when the connector is built.
        return [
            f"{key}.{line}"
            for line in _describe(exc, model, raw)
            if f"{key}.{line.split(':')[0].split(' ')[0]}" not in deferred
        ]
    return []


# Keys whose ${VAR} may stay unset until used: an account's credentials and webhook,
# a channel's options; never what reads need (ids, marketplace, store, display).
_DEFERRABLE = re.compile(
    r"^(accounts\[\d+\]\.(?!(id|marketplace|enabled|mapping|poll)(\.|$))"
    r"|notifications\.channels\[\d+\]\.(?!(name|type|language)$))"
)
_INDEXED = re.compile(r"^(accounts|notifications\.channels)\[(\d+)\]\.(.+)$")


def _attach_deferred(settings: Settings, deferred: Mapping[str, str], source: str) -> None:
    """Note on each account and channel which keys still wait for which variable."""
    for key, name in deferred.items():
        match = _INDEXED.match(key)
        if match is None:
            continue
        section, index, rest = match.group(1), int(match.group(2)), match.group(3)
        items: list[Any] = (
            settings.accounts if section == "accounts" else settings.notifications.channels
        )
        items[index].unresolved[rest] = Unresolved(key, name, source)


class MissingSecretError(ConfigError):
    """A connector or channel was built while a value it needs is unset."""


def require_resolved(owner: AccountConfig | ChannelConfig) -> None:
    """Raise ``MissingSecretError`` naming each unset variable *owner* needs."""
    if owner.unresolved:
        raise MissingSecretError(u.problem() for u in owner.unresolved.values())


def unresolved_secrets(
    settings: Settings, accounts: Iterable[str] | None = None, *, channels: bool = True
) -> list[Unresolved]:
    """Each unset variable of the selected enabled accounts (and of the channels)."""
    wanted = None if accounts is None else set(accounts)
    owners: list[AccountConfig | ChannelConfig] = [
        a for a in settings.accounts if a.enabled and (wanted is None or a.id in wanted)
    ]
    if channels:
        owners += settings.notifications.channels
    return [u for owner in owners for u in owner.unresolved.values()]


def _describe(exc: ValidationError, model: type[BaseModel], data: Any) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        path = _format_loc(loc)
        found = _lookup(data, loc)
        if error["type"] == "extra_forbidden":
            fix = _suggest(model, loc)
            lines.append(f"{path}: unknown key{fix}")
            continue
        if error["type"] == "missing":
            lines.append(f"{path}: required key is missing; add it")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        shown = "" if found is _MISSING else f" = {_safe_repr(path, found)}"
        lines.append(f"{path}{shown}: {message}")
    return lines


_MISSING = object()


def _format_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _lookup(data: Any, loc: tuple[int | str, ...]) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return node


def _safe_repr(path: str, value: Any) -> str:
    if any(word in path.lower() for word in _SECRET_WORDS):
        return "'***'"
    return repr(value)


def _suggest(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    target: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = _fields(target).get(part)
        if field is None:
            return "; remove it or check the spelling"
        target = _model_of(field.annotation)
        if target is None:
            return "; remove it or check the spelling"
    names = list(_fields(target))
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(names)}"


def _fields(target: Any) -> dict[str, Any]:
    if isinstance(target, type) and issubclass(target, BaseModel):
        return dict(target.model_fields)
    return {}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value
