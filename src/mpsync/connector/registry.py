"""Connector discovery through the ``mpsync.connectors`` entry-point group, and the
connectors a TOML file declares (the config's ``connectors = [...]``, ``declare``).

Connectors are loaded lazily by name and type-checked on load, as APScheduler
does for its plugins.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from mpsync.connector.base import Connector

GROUP = "mpsync.connectors"
_DECLARED: dict[str, type[Connector]] = {}


class UnknownConnectorError(LookupError):
    """No connector of that name is registered, or it failed to load."""


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def known_connectors() -> list[str]:
    return sorted({*_entry_points(), *_DECLARED})


def declare(path: str) -> str:
    """Register the connector a TOML file declares (``mpsync.connector.config_connector``);
    return its name. A name an installed connector has is refused."""
    from mpsync.connector.config_connector import ConnectorFileError, build_connector

    built = build_connector(path)
    if built.name in _entry_points():
        raise ConnectorFileError(f"{path}: connector.name: {built.name!r} is an installed "
                                 "connector's name; choose another")  # fmt: skip
    _DECLARED[built.name] = built
    return built.name


def load_connector(name: str) -> type[Connector]:
    """Return the connector class registered (or declared) as *name*."""
    declared = _DECLARED.get(name)
    return declared if declared is not None else _load_installed(name)


@cache
def _load_installed(name: str) -> type[Connector]:
    """Return the connector class registered as *name*, checking what it is."""
    points = _entry_points()
    if name not in points:
        known = ", ".join(known_connectors()) or "none installed"
        raise UnknownConnectorError(
            f"unknown marketplace connector; known connectors: {known} "
            f"(a third-party one registers under the '{GROUP}' entry-point group)"
        )
    try:
        loaded = points[name].load()
    except Exception as exc:
        raise UnknownConnectorError(
            f"connector {name!r} failed to load from {points[name].value}: {exc}"
        ) from exc
    if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
        raise UnknownConnectorError(
            f"entry point {name!r} ({points[name].value}) is not a mpsync.connector.base."
            "Connector subclass"
        )
    return loaded
