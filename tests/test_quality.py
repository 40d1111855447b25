"""Lint, format and type checks run as part of the suite, so CI enforces them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint() -> None:
    result = _run(str(BIN / "ruff"), "check", "src", "connectors", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", "src", "connectors", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_src_and_connectors() -> None:
    result = _run(str(BIN / "mypy"))  # files: src/mpsync and connectors/ (pyproject.toml)
    assert result.returncode == 0, result.stdout + result.stderr


def test_event_kinds_are_named_by_their_enums_not_written_as_text() -> None:
    """Issue 15 point 3: an event kind is ``EventKind``/``OutboxKind``, declared once in
    ``mpsync.domain.events``; a quoted kind elsewhere in the code would drift from it."""
    from mpsync.domain.events import EventKind, OutboxKind

    kinds = {kind.value for kind in (*EventKind, *OutboxKind)}
    found = []
    for path in (ROOT / "src" / "mpsync").rglob("*.py"):
        if path.name == "events.py" and path.parent.name == "domain":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if path.name == "demo.py" and code.startswith(("events = [", "          ")):
                continue  # the demo's config text (TOML), not code
            found += [f"{path.relative_to(ROOT)}:{number}: {kind}" for kind in kinds
                      if f'"{kind}"' in code or f"'{kind}'" in code]  # fmt: skip
    assert found == []
