"""The optional ``mpsync[analytics]`` extra: forecasting and charts need numpy, statsmodels
and matplotlib, which the daemon does without. A command that needs them says how to
install them instead of failing on an import.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

INSTALL = "pip install 'mpsync[analytics]'"
# Each fit is a small problem: BLAS threads only spin against each other and the rest of
# the machine (a 365-day fit took 9× longer with OpenBLAS's default threads on 2 cores).
# Set before numpy loads; an explicit setting in the environment wins.
SINGLE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class MissingExtra(RuntimeError):
    """A package of the analytics extra is not installed; the message says how to get it."""


def require(module: str, feature: str) -> ModuleType:
    """Import *module* or raise ``MissingExtra`` naming *feature* and the install command."""
    if "numpy" not in sys.modules:
        for name in SINGLE_THREAD:
            os.environ.setdefault(name, "1")
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingExtra(
            f"{feature} needs {top}, which is not installed; install the analytics extra: "
            f"{INSTALL} (in a checkout: .venv/bin/pip install -e '.[analytics]')"
        ) from None
