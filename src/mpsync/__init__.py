"""mpsync: marketplace-to-CRM integration and sync daemon.

The engine lives here; built-in connectors are in ``mpsync_connectors`` and
mapping schemas in ``mpsync_mappings``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mpsync")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
