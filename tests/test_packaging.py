"""A non-editable wheel carries connectors, mappings, migrations and the example config."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("mpsync-*.whl"))


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "mpsync/config.example.toml",
        "mpsync/store/migrations/env.py",
        "mpsync/store/migrations/script.py.mako",
        "mpsync/store/migrations/versions/0001_initial_schema.py",
        "mpsync/store/migrations/versions/0002_orders_customer_index.py",
        "mpsync_connectors/ozon/__init__.py",
        "mpsync_connectors/wildberries/__init__.py",
        "mpsync_connectors/yandex_market/__init__.py",
        "mpsync/py.typed",
    ):
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[mpsync.connectors]" in text and "mpsync = mpsync.cli:main" in text


def test_installed_wheel_works_from_any_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    script = (
        "import mpsync, mpsync_connectors;"
        "from mpsync.cli import main; import sys;"
        "assert mpsync.__file__.startswith(sys.argv[1]), mpsync.__file__;"
        "assert mpsync_connectors.__file__.startswith(sys.argv[1]);"
        "sys.argv = ['mpsync', 'init', 'x.toml']; main()"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "[store]" in (tmp_path / "x.toml").read_text()
    check = subprocess.run(
        [sys.executable, "-m", "mpsync", "check", "--config", "x.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
