"""``mpsync config show``: the effective configuration, secrets masked, with sources."""

from __future__ import annotations

import json

import typer

from mpsync.cli.common import ConfigOption, JsonOption, console, load_settings, print_json
from mpsync.config.explain import explain
from mpsync.config.sources import Trace

config_app = typer.Typer(help="The configuration mpsync reads.", no_args_is_help=True)


@config_app.command("show")
def show(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Print every effective value with its source (file, env var, default); secrets
    are masked. Needs no secrets: an unset ${VAR} shows as unset."""
    trace = Trace()
    settings = load_settings(config, trace=trace)
    values = explain(settings, trace)
    if as_json:
        print_json({"file": trace.file, "found_as": trace.found_as,
                    "values": [v.as_dict() for v in values]})  # fmt: skip
        return
    console.print(f"config file: {trace.file} ({trace.found_as})", markup=False,
                  highlight=False, soft_wrap=True)  # fmt: skip
    width = max((len(item.key) for item in values), default=0)
    for item in values:
        line = f"{item.key:<{width}} = {_text(item.value)}"
        console.print(f"{line}  # {item.source}", markup=False, highlight=False, soft_wrap=True)


def _text(value: object) -> str:
    """A TOML-looking value: strings quoted, unset values as ``(unset)``."""
    if value is None:
        return "(unset)"
    return json.dumps(value, ensure_ascii=False)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
