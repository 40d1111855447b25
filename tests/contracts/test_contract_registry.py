"""The contract registry itself: every contract names its source and is well formed."""

from __future__ import annotations

from tests.contracts.registry import all_endpoints, all_pushes


def test_every_contract_names_an_official_source() -> None:
    for contract in [*all_endpoints(), *all_pushes()]:
        source = contract.source
        assert source.repo and source.path and len(source.commit) >= 7, contract


def test_no_two_endpoint_contracts_claim_the_same_request() -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for endpoint in all_endpoints():
        key = (endpoint.marketplace, endpoint.method.upper(), endpoint.path)
        assert key not in seen, f"{endpoint} declared twice"
        seen[key] = str(endpoint)
