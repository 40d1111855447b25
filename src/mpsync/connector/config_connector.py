"""A connector written in TOML alone: auth, hosts, limits, streams and the mapping.

``build_connector(path)`` reads one file and returns a ``Connector`` class; the config's
``connectors = ["shop.toml"]`` registers it under its ``[connector] name`` so that
``marketplace = "shop"`` works in ``[[accounts]]``. Its streams run through the declared
stream engine (``mpsync.connector.declared``); its ``[order]``, ``[stock]``... sections are
the mapping (``mpsync.mapping``), read from the same file. Write-backs and pushes are
code: a config-only connector reads. See docs/connectors.md, "Writing a connector".
"""

from __future__ import annotations

import base64
import tomllib
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from functools import partial
from pathlib import Path
from string import Formatter
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, create_model

from mpsync.connector.base import Capabilities, FetchWindow, Page
from mpsync.connector.declared import DeclaredStream, StreamSpec
from mpsync.connector.limits import LimitSpec, Parallel, TokenBucket
from mpsync.connector.rest import RestConnector, StreamFetch
from mpsync.domain.streams import STREAMS

NAME = r"^[a-z][a-z0-9_]{0,31}$"


class ConnectorFileError(ValueError):
    """A connector file is invalid; the message lists every problem with its key."""


class _Decl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthDecl(_Decl):
    """``header``: ``name: prefix + credential``; ``query``: ``?name=credential``;
    ``basic``: HTTP basic auth from the ``username`` and ``password`` credentials."""

    kind: Literal["header", "query", "basic"]
    name: str | None = None
    credential: str | None = None
    prefix: str = ""
    username: str | None = None
    password: str | None = None


class LimitDecl(_Decl):
    """``per_second`` or ``per_minute`` with a ``burst`` (a token bucket), or ``parallel``."""

    per_second: float | None = Field(default=None, gt=0)
    per_minute: float | None = Field(default=None, gt=0)
    burst: int = Field(default=1, ge=1)
    parallel: int | None = Field(default=None, ge=1)

    def spec(self) -> LimitSpec:
        if self.parallel is not None:
            return Parallel(self.parallel)
        if self.per_minute is not None:
            return TokenBucket.per_minute(self.per_minute, burst=self.burst)
        return TokenBucket(per_second=self.per_second or 1.0, burst=self.burst)


class CheckDecl(_Decl):
    """The cheapest authenticated call (``mpsync check --online``)."""

    path: str
    method: Literal["GET", "POST"] = "GET"
    host: str = "api"
    group: str = "api"


class ConnectorDecl(_Decl):
    name: str = Field(pattern=NAME)
    credentials: dict[str, Literal["secret", "str", "int", "list"]] = Field(default_factory=dict)
    auth: AuthDecl
    hosts: dict[str, str]
    limits: dict[str, LimitDecl] = Field(default_factory=lambda: {"api": LimitDecl()})
    check: CheckDecl
    statuses: list[str] = Field(default_factory=list)


class ConnectorFile(BaseModel):
    """The declaration part of the file; the mapping sections are the mapping's."""

    model_config = ConfigDict(extra="allow")

    connector: ConnectorDecl
    streams: dict[str, StreamSpec]


_TYPES: dict[str, Any] = {"secret": SecretStr, "str": str, "int": int, "list": list[str | int]}


def read_declaration(path: Path) -> ConnectorFile:
    """The file's ``[connector]`` and ``[streams]``, validated; ``ConnectorFileError`` lists
    every problem (file, key, what is wrong)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise ConnectorFileError(f"{path}: cannot read the connector file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConnectorFileError(f"{path}: not valid TOML: {exc}") from exc
    try:
        declared = ConnectorFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ConnectorFileError("; ".join(problems)) from None
    problems = _check(path, declared)
    if problems:
        raise ConnectorFileError("; ".join(problems))
    return declared


def _check(path: Path, declared: ConnectorFile) -> list[str]:
    decl, problems = declared.connector, []
    for name, spec in declared.streams.items():
        if name not in STREAMS:
            problems.append(f"{path}: streams.{name}: unknown stream; use one of {sorted(STREAMS)}")
        elif STREAMS[name].record_type != spec.record_type and spec.record_type != "product":
            problems.append(f"{path}: streams.{name}.record_type: the {name} stream reads "
                            f"{STREAMS[name].record_type!r} records")  # fmt: skip
        if spec.host not in decl.hosts:
            problems.append(f"{path}: streams.{name}.host: {spec.host!r} is not in "
                            f"[connector.hosts] ({sorted(decl.hosts)})")  # fmt: skip
        for hook in spec.hooks.names:
            problems.append(f"{path}: streams.{name}: names the hook {hook!r}, a method of a "
                            "connector package; a connector file has no code")  # fmt: skip
        if spec.each is not None and decl.credentials.get(spec.each.values) != "list":
            problems.append(f"{path}: streams.{name}.each.values: {spec.each.values!r} is not "
                            "a list credential in [connector.credentials]")  # fmt: skip
        public = {key for key, kind in decl.credentials.items() if kind != "secret"}
        for where, named in _templates(spec):
            if named - public - ({spec.each.key} if spec.each else set()):
                problems.append(f"{path}: streams.{name}.{where}: names "
                                f"{sorted(named - public)}, not a str, int or list credential "
                                "in [connector.credentials] (a secret never goes in a request "
                                "template)")  # fmt: skip
        if spec.group not in decl.limits:
            problems.append(f"{path}: streams.{name}.group: {spec.group!r} has no limit in "
                            f"[connector.limits] ({sorted(decl.limits)})")  # fmt: skip
    auth = decl.auth
    wanted = [auth.credential] if auth.kind != "basic" else [auth.username, auth.password]
    for key in wanted:
        if key is None or key not in decl.credentials:
            problems.append(f"{path}: connector.auth: names credential {key!r}, which "
                            f"[connector.credentials] does not declare")  # fmt: skip
    if auth.kind != "basic" and not auth.name:
        problems.append(f"{path}: connector.auth.name: the {auth.kind} name is missing")
    return problems


def _templates(spec: StreamSpec) -> list[tuple[str, set[str]]]:
    """The ``{name}`` values *spec* (and each of its phases) fills in: in ``path`` and as
    ``"{name}"`` strings of ``params`` and ``body``, by the key that holds them."""
    found: list[tuple[str, set[str]]] = []
    for index, one in enumerate([spec, *spec.phase_specs()]):
        prefix = f"phases[{index - 1}]." if index else ""
        found.append((f"{prefix}path", {f for _, f, _, _ in Formatter().parse(one.path) if f}))
        found += [(f"{prefix}params", _named(one.params)), (f"{prefix}body", _named(one.body))]
    return [(where, named) for where, named in found if named]


def _named(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {name for item in value.values() for name in _named(item)}
    if isinstance(value, list):
        return {name for item in value for name in _named(item)}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return {value[1:-1]}
    return set()


class DeclaredConnector(RestConnector):
    """Base of the connectors built from a TOML file (``build_connector``)."""

    declaration: ClassVar[ConnectorDecl]
    stream_specs: ClassVar[Mapping[str, StreamSpec]]

    def _secret(self, key: str | None) -> str:
        value = getattr(self.credentials, key or "", "")
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)

    def auth_headers(self) -> dict[str, str]:
        auth = self.declaration.auth
        if auth.kind == "header" and auth.name:
            return {auth.name: f"{auth.prefix}{self._secret(auth.credential)}"}
        if auth.kind == "basic":
            pair = f"{self._secret(auth.username)}:{self._secret(auth.password)}"
            return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        return {}

    def auth_params(self) -> dict[str, str]:
        auth = self.declaration.auth
        if auth.kind == "query" and auth.name:
            return {auth.name: self._secret(auth.credential)}
        return {}

    def stream_fetchers(self) -> Mapping[str, StreamFetch]:
        return {name: partial(self._declared, name) for name in self.stream_specs}

    async def _declared(self, name: str, window: FetchWindow) -> AsyncIterator[Page]:
        spec = self.stream_specs[name]
        public = {key: getattr(self.credentials, key) for key, kind in
                  self.declaration.credentials.items() if kind != "secret"}  # fmt: skip
        stream = DeclaredStream(name, spec, connector=self.name, call=self.call,
                                path_values=public, hooks=self)  # fmt: skip
        async for records, following in stream.pages(window):
            yield Page(spec.record_type, records, following)

    async def check_credentials(self) -> None:
        check = self.declaration.check
        await self.call(check.method, check.host, check.path, group=check.group)


def build_connector(path: str | Path) -> type[DeclaredConnector]:
    """The connector class a TOML file declares (its mapping is the same file)."""
    source = Path(path).expanduser().resolve()
    declared = read_declaration(source)
    decl = declared.connector
    fields: dict[str, Any] = {key: (_TYPES[kind], ...) for key, kind in decl.credentials.items()}
    credentials = create_model(
        f"{decl.name.title()}Credentials", __config__=ConfigDict(extra="forbid"), **fields
    )
    attributes = {
        "name": decl.name,
        "default_mapping": str(source),
        "credentials_model": credentials,
        "capabilities": Capabilities(
            streams=frozenset(declared.streams), push=False, actions=frozenset()
        ),
        "documented_statuses": frozenset(decl.statuses),
        "hosts": dict(decl.hosts),
        "limits": {group: limit.spec() for group, limit in decl.limits.items()},
        "declaration": decl,
        "stream_specs": dict(declared.streams),
        "__doc__": f"{decl.name}: a connector declared in {source}.",
        "__module__": __name__,
    }
    return type(f"{decl.name.title()}Connector", (DeclaredConnector,), attributes)
