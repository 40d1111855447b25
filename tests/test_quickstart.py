"""The README's two quick-start commands install the analytics extra; CI runs the second."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    demo, tests = [line for line in block.splitlines() if line.strip()]
    assert "'.[analytics]'" in demo and demo.endswith("mpsync demo")
    assert "'.[test,analytics]'" in tests and tests.endswith(".venv/bin/pytest -n 2")
    run = (ROOT / ".ci" / "run").read_text().splitlines()
    assert run[-1] == tests
