"""The optional ``mpsync[analytics]`` extra: forecasting and charts need numpy, statsmodels
and matplotlib, which the daemon does without. A command that needs them says how to
install them instead of failing on an import.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL = "pip install 'mpsync[analytics]'"


class MissingExtra(RuntimeError):
    """A package of the analytics extra is not installed; the message says how to get it."""


def require(module: str, feature: str) -> ModuleType:
    """Import *module* or raise ``MissingExtra`` naming *feature* and the install command."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingExtra(
            f"{feature} needs {top}, which is not installed; install the analytics extra: "
            f"{INSTALL} (in a checkout: .venv/bin/pip install -e '.[analytics]')"
        ) from None
