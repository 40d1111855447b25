"""An httpx transport that checks traffic against the endpoint contracts.

Wrap the transport a connector is given: every request it sends is validated against the
endpoint's request contract (query and JSON body), every answer against the contract of
its status code. Violations are collected, not raised, so a test can show all of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from tests.contracts.registry import Endpoint, find


@dataclass
class Exchange:
    endpoint: Endpoint | None
    method: str
    path: str
    status: int


@dataclass
class ContractLog:
    exchanges: list[Exchange] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def hit(self) -> set[str]:
        return {str(e.endpoint) for e in self.exchanges if e.endpoint is not None}


def validate(model: type[BaseModel], data: Any, where: str) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [f"{where}: {err['loc']}: {err['msg']}" for err in exc.errors()[:20]]
    return []


def _query(request: httpx.Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in request.url.params.multi_items():
        if key in params:
            existing = params[key]
            params[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            params[key] = value
    return params


def _json(content: bytes) -> Any:
    if not content.strip():
        return None
    return json.loads(content, parse_float=Decimal)


class ContractTransport(httpx.AsyncBaseTransport):
    """Checks every exchange of one marketplace's connector against its contracts.

    ``prefix`` is the path part of the account's ``api_base_url`` (stripped before
    matching); ``strict`` also reports requests to endpoints that have no contract.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        marketplace: str,
        *,
        prefix: str = "",
        log: ContractLog | None = None,
        strict: bool = True,
    ) -> None:
        self.inner = inner
        self.marketplace = marketplace
        self.prefix = prefix.rstrip("/")
        self.log = log or ContractLog()
        self.strict = strict

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :]
        endpoint = find(self.marketplace, request.method, path)
        where = f"{self.marketplace} {request.method} {path}"
        if endpoint is None:
            if self.strict:
                self.log.violations.append(f"{where}: no contract for this endpoint")
        else:
            self._check_request(endpoint, request, where)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if endpoint is not None:
            self._check_response(endpoint, response, where)
        self.log.exchanges.append(Exchange(endpoint, request.method, path, response.status_code))
        return response

    def _check_request(self, endpoint: Endpoint, request: httpx.Request, where: str) -> None:
        if endpoint.query is not None:
            self.log.violations += validate(endpoint.query, _query(request), f"{where} query")
        content = request.content
        if endpoint.body is not None:
            self.log.violations += validate(endpoint.body, _json(content), f"{where} body")
        elif content.strip():
            self.log.violations.append(f"{where}: sends a body the spec does not take")

    def _check_response(self, endpoint: Endpoint, response: httpx.Response, where: str) -> None:
        status = response.status_code
        if status not in endpoint.responses:
            if 200 <= status < 300:
                self.log.violations.append(f"{where}: answered {status}, not in the spec")
            return  # error answers are checked by the fault tests, not here
        model = endpoint.responses[status]
        if model is None:
            if response.content.strip():
                self.log.violations.append(f"{where}: {status} carries a body the spec lacks")
            return
        try:
            data = _json(response.content)
        except ValueError:
            self.log.violations.append(f"{where}: {status} body is not JSON")
            return
        self.log.violations += validate(model, data, f"{where} -> {status}")


def prefix_of(base_url: str) -> str:
    return urlsplit(base_url).path
