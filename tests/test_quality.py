"""Lint, format and type checks run as part of the suite, so CI enforces them."""

from __future__ import annotations

import re
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


def test_message_and_push_states_are_named_by_their_enums_not_written_as_text() -> None:
    """Issue 15 point 3: a buyer message's state is ``MessageState`` and a stock or price
    push's ``PushState``, declared once in ``mpsync.domain.events``. A quoted state where a
    state is compared, stored or listed (a line about a ``state``, an SQL ``in_``/``case``,
    a module's tuple) would drift from them. The same word as a dict key or a run's outcome
    (``"failed"`` counts, ``"unavailable"`` streams) is not a state and is not looked at."""
    from mpsync.domain.events import MessageState, PushState

    words = "|".join(sorted({state.value for state in (*MessageState, *PushState)}))
    # a quoted state, not a key (``row["draft"]``, ``.get("draft")``, ``{"draft": ...}``);
    # ruff format writes code's strings in double quotes (single ones are inside text)
    quoted = re.compile(rf'(?<!\[)(?<!get\()"({words})"(?!:\s*\S)')
    about_state = re.compile(r"state\b|\.in_\(|\bcase\(|^[A-Z_]+ = \(")
    found = []
    for path in (ROOT / "src" / "mpsync").rglob("*.py"):
        if path.name == "events.py" and path.parent.name == "domain":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0].rstrip()  # ``if ... == "draft":`` is no key
            if about_state.search(code):
                found += [f"{path.relative_to(ROOT)}:{number}: {m}" for m in quoted.findall(code)]
    assert found == []
