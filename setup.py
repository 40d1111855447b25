"""Package discovery that pyproject.toml cannot express statically.

The engine lives in ``src/mpsync``; the built-in connectors (``connectors/``)
and mapping schemas (``mappings/``) ship in the same wheel as
``mpsync_connectors`` and ``mpsync_mappings``, so every subpackage added later
is picked up without editing a list.
"""

from setuptools import find_packages, setup

TOP_LEVEL = {"mpsync": "src/mpsync", "mpsync_connectors": "connectors", "mpsync_mappings": "mappings"}


def _packages() -> list[str]:
    found = []
    for name, path in TOP_LEVEL.items():
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_packages(path)]
    return found


setup(packages=_packages(), package_dir=TOP_LEVEL)
