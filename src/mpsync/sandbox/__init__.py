"""mpsync.sandbox: a local simulator of the Wildberries, Ozon and Yandex Market seller APIs.

Public surface: SandboxConfig, FaultConfig, create_app, SandboxServer, SandboxState.
"""

from __future__ import annotations

from mpsync.sandbox.app import create_app
from mpsync.sandbox.config import MARKETPLACES, Credentials, FaultConfig, SandboxConfig
from mpsync.sandbox.server import SandboxServer
from mpsync.sandbox.state import SandboxState

__all__ = [
    "MARKETPLACES",
    "Credentials",
    "FaultConfig",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "create_app",
]
