"""``python -m mpsync`` runs the command line."""

from __future__ import annotations

from mpsync.cli import main

main()
