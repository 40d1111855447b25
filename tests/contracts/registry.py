"""Contracts of the marketplace endpoints mpsync calls and the pushes it receives.

Each ``Endpoint`` is typed from the marketplace's *official* specification (not from our
notes) and names that source. The models are written here; values, shapes and enums carry
over from the spec. ``checker.ContractTransport`` validates every request a connector
sends and every answer it receives against them.

Conventions of the models:

* request models forbid unknown fields (a connector sends only what the spec knows);
* response models forbid unknown fields too, so the sandbox cannot invent a field the
  real API lacks; where the spec marks a field required, the model requires it;
* enums are ``Literal`` types with every value the spec lists;
* money and dates keep the spec's units and formats (say which in the field's comment).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Base of request contracts: nothing outside the spec may be sent."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """Base of response contracts: nothing outside the spec may be served."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Source:
    """Where a contract comes from: a repository path at a commit, or a doc URL."""

    repo: str
    path: str
    commit: str
    pointer: str = ""  # e.g. "#/paths/~1api~1v3~1orders/get" or a schema name

    def __str__(self) -> str:
        return f"{self.repo}:{self.path}@{self.commit[:10]}{self.pointer}"


@dataclass(frozen=True)
class Endpoint:
    """One marketplace endpoint: method, path template and its typed contract.

    ``path`` is the spec's template (``/api/v3/stocks/{warehouseId}``). ``responses``
    maps an HTTP status to the model of its body (``None``: no body, such as 204).
    """

    marketplace: str
    method: str
    path: str
    source: Source
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    responses: Mapping[int, type[BaseModel] | None] = field(default_factory=dict)
    limits: str = ""  # the documented rate limit, in the spec's words

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}]+\})", self.path)
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        return re.compile(regex)

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method.upper() and self.pattern.fullmatch(path) is not None

    def __str__(self) -> str:
        return f"{self.marketplace} {self.method} {self.path}"


@dataclass(frozen=True)
class PushContract:
    """One push (notification) type a marketplace sends, typed from its spec."""

    marketplace: str
    kind: str
    source: Source
    body: type[BaseModel]
    answer: type[BaseModel] | None = None


def all_endpoints() -> list[Endpoint]:
    """Every endpoint contract of every marketplace module in this package."""
    from tests.contracts import ozon, wildberries, yandex_market

    return [*wildberries.ENDPOINTS, *ozon.ENDPOINTS, *yandex_market.ENDPOINTS]


def all_pushes() -> list[PushContract]:
    from tests.contracts import ozon, wildberries, yandex_market

    return [*wildberries.PUSHES, *ozon.PUSHES, *yandex_market.PUSHES]


def find(marketplace: str, method: str, path: str) -> Endpoint | None:
    for endpoint in all_endpoints():
        if endpoint.marketplace == marketplace and endpoint.matches(method, path):
            return endpoint
    return None
