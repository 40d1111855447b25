"""Contracts of the ozon endpoints and pushes mpsync uses, from the official spec.

Filled in by the "Marketplace truth" work; see registry for the conventions.
"""

from __future__ import annotations

from tests.contracts.registry import Endpoint, PushContract

ENDPOINTS: list[Endpoint] = []
PUSHES: list[PushContract] = []
