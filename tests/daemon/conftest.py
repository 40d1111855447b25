"""Daemon tests share the sync tests' sandbox fixture."""

from tests.sync.conftest import sandbox

__all__ = ["sandbox"]
