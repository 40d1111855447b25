"""The CLI skeleton: version, init, check, db upgrade, status, and --help everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from mpsync import __version__
from mpsync.cli import app

runner = CliRunner()


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "mpsync.toml"
    result = runner.invoke(app, ["init", str(path)])
    assert result.exit_code == 0, result.output
    text = path.read_text().replace(
        'url = "sqlite:///mpsync.db"', f'url = "sqlite:///{tmp_path}/s.db"'
    )
    path.write_text(text)
    return path


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"mpsync {__version__}"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    path = _config(tmp_path)
    before = path.read_text()
    path.write_text("# mine\n")
    result = runner.invoke(app, ["init", str(path)])
    assert result.exit_code == 2 and "--force" in result.output
    assert path.read_text() == "# mine\n"
    assert runner.invoke(app, ["init", str(path), "--force"]).exit_code == 0
    assert "[store]" in path.read_text() and before


def test_check_db_upgrade_and_empty_status(tmp_path: Path) -> None:
    path = _config(tmp_path)
    result = runner.invoke(app, ["check", "--config", str(path), "--json"])
    assert result.exit_code == 0, result.output
    names = {row["name"]: row for row in json.loads(result.output)}
    assert names["database"]["ok"] and "db upgrade" in names["database"]["detail"]
    first = runner.invoke(app, ["db", "upgrade", "--config", str(path)])
    second = runner.invoke(app, ["db", "upgrade", "--config", str(path)])
    assert "Created a new store at" in first.output and "already at revision" in second.output
    status = runner.invoke(app, ["status", "--config", str(path)])
    assert status.exit_code == 0 and "No account has synced yet" in status.output
    data = json.loads(runner.invoke(app, ["status", "--config", str(path), "--json"]).output)
    assert data["streams"] == [] and data["backlog"]["dead_letters_open"] == 0


def test_check_fails_on_unreachable_database(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[store]\nurl = "postgresql+psycopg://nobody@127.0.0.1:1/none"\n')
    result = runner.invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 1 and "cannot connect" in result.output


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(typer.main.get_group(app)), ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_each_listed_command_is_registered_by_its_module() -> None:
    # `mpsync NAME …` registers only COMMAND_MODULES[NAME]: a wrong entry would lose NAME.
    from importlib import import_module

    from mpsync import cli

    full = getattr(typer.main.get_command(app), "commands", {})
    for name, module in cli.COMMAND_MODULES.items():
        alone = typer.Typer()
        alone.callback()(lambda: None)  # a group even for a module with one command
        import_module(f"mpsync.cli.{module}").register(alone)
        commands = getattr(typer.main.get_command(alone), "commands", {})
        assert name in commands, (name, module, sorted(commands))
        # ... with every subcommand the full registration gives it
        subcommands = getattr(commands[name], "commands", {})
        assert sorted(subcommands) == sorted(getattr(full[name], "commands", {})), name
