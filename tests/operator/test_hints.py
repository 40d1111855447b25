"""Issue 13 point 8: commands mpsync prints for the operator run as printed in a new shell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mpsync.hints import command_prefix
from tests.operator.conftest import SCRIPT


def test_prefix_is_mpsync_only_when_that_name_finds_this_script(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # a fresh shell: the venv is not on PATH
    assert command_prefix(str(SCRIPT)) == str(SCRIPT)
    monkeypatch.setenv("PATH", f"{SCRIPT.parent}:/usr/bin:/bin")
    assert command_prefix(str(SCRIPT)) == "mpsync"
    assert command_prefix(str(Path(__file__))) == f"{sys.executable} -m mpsync"


def test_a_printed_hint_runs_in_a_fresh_shell(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    printed = subprocess.run(
        [str(SCRIPT), "--version"], env=env, capture_output=True, text=True, check=True
    ).stdout
    hint = f"{command_prefix(str(SCRIPT))} --version"
    again = subprocess.run(["bash", "-c", hint], env=env, capture_output=True, text=True,
                           check=False)  # fmt: skip
    assert again.returncode == 0 and again.stdout == printed
