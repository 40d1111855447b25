"""Fixtures of the contract tests: a sandbox and connectors whose traffic is checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mpsync.config.model import AccountConfig
from mpsync.connector.base import Connector
from mpsync.connector.registry import load_connector
from mpsync.sandbox import SandboxConfig, SandboxServer
from tests.contracts.checker import ContractLog, ContractTransport, prefix_of

CheckedConnector = Callable[..., tuple[Connector, ContractLog]]


@pytest.fixture(scope="module")
def contract_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=7, backlog=150, orders_per_minute=10)) as server:
        server.state.advance(1)
        yield server


@pytest.fixture
def checked_connector(contract_sandbox: SandboxServer) -> CheckedConnector:
    """A connector of the named marketplace against the sandbox, its traffic checked.

    Keyword options go to the connector (``sleep=`` a recording sleep, say).
    """

    def build(name: str, **options: Any) -> tuple[Connector, ContractLog]:
        base = contract_sandbox.url_for(name)
        credentials = contract_sandbox.config.credentials.as_dict()[name]
        account = AccountConfig.model_validate(
            {"id": f"{name}-contract", "marketplace": name, "api_base_url": base, **credentials}
        )
        log = ContractLog()
        transport = ContractTransport(
            httpx.AsyncHTTPTransport(), name, prefix=prefix_of(base), log=log
        )
        return load_connector(name)(account, transport=transport, **options), log

    return build
