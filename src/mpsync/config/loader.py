"""Load the config: TOML file → ``MPSYNC_*`` env overlay → ``${VAR}`` → validation.

Each problem becomes one line naming the key, the value found and the fix. A value is
echoed back only when it is a short scalar under a key that holds no secret and did not
come from the environment; a URL shows its password and query masked, a table or a list
only its kind. So no error can print a token, whatever key it sits under.
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

from mpsync.config.discovery import ConfigNotFound, candidates, find_config
from mpsync.config.model import AccountConfig, ChannelConfig, Settings, Unresolved
from mpsync.config.sources import Trace, apply_env

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_WORDS = ("token", "key", "password", "secret")


class ConfigError(Exception):
    """A config problem; ``str()`` is one line per problem, ready to print."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


ANSWERS_DIR = "answers"  # knowledge-base files beside the config file (answers/*.toml)


def default_config_path() -> Path:
    """The file a command without ``--config`` reads (the first that exists)."""
    try:
        return find_config().path
    except ConfigNotFound:
        return candidates()[0].path


def load_config(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    trace: Trace | None = None,
) -> Settings:
    """Find (see ``mpsync.config.discovery``), read, merge and validate the config."""
    try:
        found = find_config(path, env=env)
    except ConfigNotFound as exc:
        raise ConfigError([str(exc)]) from None
    config_path = found.path
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{config_path}: not valid TOML: {exc}"]) from None
    data = with_answer_files(data, config_path.parent / ANSWERS_DIR)
    trace = Trace() if trace is None else trace
    trace.file, trace.found_as = str(config_path.absolute()), found.origin
    return load_config_data(data, env=env, source=str(config_path), trace=trace)


def with_answer_files(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """*data* with the knowledge base of ``answers/*.toml`` beside the config file added:
    each file's ``[[rules]]`` after the config's own ``[[answers.rules]]``, its
    ``[templates]`` beside ``[answers.templates]`` (files in name order)."""
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        return data
    answers = dict(data.get("answers") or {})
    rules, templates = list(answers.get("rules") or []), dict(answers.get("templates") or {})
    for file in files:
        try:
            extra = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{file}: not valid TOML: {exc}"]) from None
        unknown = sorted(set(extra) - {"rules", "templates"})
        if unknown:
            raise ConfigError([f"{file}: unknown key(s) {unknown}; an answers file holds "
                               "[[rules]] and [templates] only"])  # fmt: skip
        rules += list(extra.get("rules") or [])
        templates.update(extra.get("templates") or {})
    return {**data, "answers": {**answers, "rules": rules, "templates": templates}}


def load_config_data(
    data: dict[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    source: str = "config",
    trace: Trace | None = None,
) -> Settings:
    """Validate already-parsed config *data* with env overrides and interpolation.

    *trace*, when given, is filled with where each value came from (``config show``).
    """
    environ = os.environ if env is None else env
    trace = Trace() if trace is None else trace
    trace.raw = data
    merged = apply_env(data, environ, trace)
    if trace.problems:
        raise ConfigError(trace.problems)
    problems: list[str] = []
    deferred: dict[str, str] = {}
    merged = _interpolate(merged, environ, "", problems, deferred, trace.variables)
    if problems:
        raise ConfigError(trace.origin(p, source) for p in problems)
    hidden = {*trace.env_keys, *trace.variables}
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(
            trace.origin(line, source) for line in _describe(exc, Settings, merged, hidden=hidden)
        ) from None
    problems = []
    for index, account in enumerate(settings.accounts):
        problems.extend(_check_credentials(index, account, merged, deferred, hidden))
    problems.extend(_check_rule_marketplaces(settings))
    if problems:
        raise ConfigError(trace.origin(p, source) for p in problems)
    _attach_deferred(settings, deferred, source)
    return settings


def _interpolate(
    value: Any,
    environ: Mapping[str, str],
    key: str,
    problems: list[str],
    deferred: dict[str, str] | None = None,
    used: dict[str, str] | None = None,
) -> Any:
    """Replace ``${VAR}``; *deferred* collects unset ones that may wait, *used* the rest."""
    deferred = {} if deferred is None else deferred
    used = {} if used is None else used
    if isinstance(value, dict):
        return {
            k: _interpolate(v, environ, f"{key}.{k}" if key else k, problems, deferred, used)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _interpolate(v, environ, f"{key}[{i}]", problems, deferred, used)
            for i, v in enumerate(value)
        ]
    if isinstance(value, str) and "${" in value:

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            used[key] = name
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
    index: int,
    account: AccountConfig,
    merged: dict[str, Any],
    deferred: Mapping[str, str],
    hidden: Iterable[str] = (),
) -> list[str]:
    from mpsync.connector.registry import UnknownConnectorError, known_connectors, load_connector

    key = f"accounts[{index}]"
    try:
        connector_cls = load_connector(account.marketplace)
    except UnknownConnectorError as exc:
        found = f"{key}.marketplace = {account.marketplace!r}"
        close = difflib.get_close_matches(account.marketplace, known_connectors(), n=1)
        if close:
            known = ", ".join(known_connectors())
            return [f"{found}: unknown marketplace; did you mean {close[0]!r}? (known: {known})"]
        return [f"{found}: {exc}"]
    model = connector_cls.credentials_model
    try:
        account.credentials = model.model_validate(account.credentials)
    except ValidationError as exc:
        raw = merged.get("accounts", [])[index] if merged.get("accounts") else {}
        # A value still waiting for its variable is checked when the connector is built.
        # A typo may mean an account key as well as a credential (api_base_ulr).
        account_keys = [name for name in AccountConfig.model_fields if name != "credentials"]
        return [
            f"{key}.{line}"
            for line in _describe(exc, model, raw, account_keys, prefix=f"{key}.", hidden=hidden)
            if f"{key}.{line.split(':')[0].split(' ')[0]}" not in deferred
        ]
    return []


def _check_rule_marketplaces(settings: Settings) -> list[str]:
    from mpsync.connector.registry import known_connectors

    known = sorted({*known_connectors(), *(a.marketplace for a in settings.accounts)})
    problems = []
    for index, rule in enumerate(settings.notifications.rules):
        for position, name in enumerate(rule.marketplaces):
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                key = f"notifications.rules[{index}].marketplaces[{position}]"
                problems.append(
                    f"{key} = {name!r}: unknown marketplace; {hint}known: {', '.join(known)}"
                )
    return problems


# Keys whose ${VAR} may stay unset until used: an account's credentials and webhook,
# a channel's options; never what reads need (ids, marketplace, store, display).
_DEFERRABLE = re.compile(
    r"^(accounts\[\d+\]\.(?!(id|marketplace|enabled|mapping|poll|timeout)(\.|$))"
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


def _describe(
    exc: ValidationError,
    model: type[BaseModel],
    data: Any,
    also: Iterable[str] = (),
    *,
    prefix: str = "",
    hidden: Iterable[str] = (),
) -> list[str]:
    """One line per error, starting with its key path; *also*: more names a typo may mean.

    *prefix* is the key path of *data*; *hidden* the key paths whose values came from the
    environment (``${VAR}``, ``MPSYNC_*``): those are never shown.
    """
    lines = []
    from_env = set(hidden)
    for error in exc.errors(include_input=False, include_url=False):
        loc = error["loc"]
        path = _format_loc(loc)
        # An error of a whole model (a duplicate id, say) has no value of its own to show.
        found = _lookup(data, loc) if loc else _MISSING
        if error["type"] == "extra_forbidden":
            fix = _suggest(model, loc, also)
            what = "section" if model is Settings and len(loc) == 1 else "key"
            lines.append(f"{path}: unknown {what}{fix}")
            continue
        if error["type"] == "missing":
            lines.append(f"{path}: required key is missing; add it")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        if not loc or isinstance(found, dict | list):
            # A model's own check (a duplicate id, say): its message names the key.
            lines.append(_joined(path, message))
            continue
        if found is _MISSING:
            shown = ""
        elif error["type"] in _TABLE_EXPECTED:  # a token written where a table belongs
            shown = f" = {_kind(found)}"
        else:
            shown = f" = {_safe_repr(prefix + path, found, from_env)}"
        lines.append(f"{path}{shown}: {message}")
    return lines


_MISSING = object()
_KEY_FIRST = re.compile(r"^([A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*): ")


def _joined(path: str, message: str) -> str:
    """A model check's *message* under its section *path*: ``answers`` + ``rules[1].name: …``
    reads ``answers.rules[1].name: …``."""
    if not path:
        return message
    if _KEY_FIRST.match(message):
        return f"{path}{'' if message.startswith('[') else '.'}{message}"
    return f"{path}: {message}"


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


_TABLE_EXPECTED = frozenset({"model_type", "model_attributes_type", "dict_type", "list_type",
                             "dataclass_type", "tuple_type", "set_type"})  # fmt: skip


def _kind(value: Any) -> str:
    kinds = {str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return kinds.get(type(value), "a table" if isinstance(value, dict) else "a value")


_URL_SECRETS = re.compile(r"(?P<user>://[^/@:\s]*):[^/\s]*@|(?P<query>[?#]).*$")
_SHOWN_MAX = 60


def _safe_repr(path: str, value: Any, from_env: set[str] | frozenset[str] = frozenset()) -> str:
    """*value* as an error may show it: see the module docstring."""
    lowered = path.lower()
    if any(word in lowered for word in _SECRET_WORDS) or any(
        key == path or key.startswith((path + ".", path + "[")) for key in from_env
    ):
        return "'***'"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        if "://" in value:
            value = mask_url(value)
        if len(value) > _SHOWN_MAX:
            return repr(value[: _SHOWN_MAX - 3] + "...")
    return repr(value)


def mask_url(url: str) -> str:
    """*url* with the password of its user and its query masked (``u:***@``, ``?***``)."""

    def hide(match: re.Match[str]) -> str:
        if match.group("user") is not None:
            return f"{match.group('user')}:***@"
        return f"{match.group('query')}***"

    return _URL_SECRETS.sub(hide, url)


def _suggest(model: type[BaseModel], loc: tuple[int | str, ...], also: Iterable[str] = ()) -> str:
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
    names = [*_fields(target), *(name for name in also if name not in _fields(target))]
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
