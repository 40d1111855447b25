"""Issue 13 ("day two") tests run the installed console script in a fresh environment.

``mpsync`` is the script next to the test interpreter; its environment is only what a
new login shell has (PATH, HOME, LANG) plus what a test adds, never the runner's own.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "mpsync"

SECRET_ACCOUNTS = """
[[accounts]]
id = "wb-main"
marketplace = "wildberries"
token = "${WB_TOKEN}"

[[accounts]]
id = "ozon-main"
marketplace = "ozon"
client_id = "${OZON_CLIENT_ID}"
api_key = "${OZON_API_KEY}"
webhook = { token = "${OZON_WEBHOOK_TOKEN}" }

[[accounts]]
id = "ym-main"
marketplace = "yandex_market"
api_key = "${YM_API_KEY}"
business_id = "${YM_BUSINESS_ID}"
campaign_ids = [1]

[[notifications.channels]]
name = "tg"
type = "telegram"
bot_token = "${TG_BOT_TOKEN}"
chat_id = "1"
"""

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cli(home: Path, tmp_path: Path) -> Cli:
    """Run ``mpsync ARGS`` as a new shell would; returns the completed process."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        fresh = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
                 "TZ": "UTC", "XDG_CONFIG_HOME": str(home / ".config")}  # fmt: skip
        return subprocess.run(
            [str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
            env={**fresh, **(env or {})}, cwd=cwd or tmp_path, check=False,
        )  # fmt: skip

    return run


def write_config(directory: Path, body: str = "", *, store: Path | None = None) -> Path:
    """A config with its SQLite store in *directory* (or at *store*) and *body* appended."""
    path = directory / "mpsync.toml"
    db = store or directory / "store.db"
    path.write_text(f'[store]\nurl = "sqlite:///{db}"\n{body}', encoding="utf-8")
    return path


def run_in_process(*args: str) -> tuple[int, str]:
    """The same command in this process (fast), for long lists of commands; the
    subprocess tests cover the installed script for each behaviour."""
    from typer.testing import CliRunner

    from mpsync.cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output
