"""The contract every marketplace connector implements.

(First cut by the foundation; the connector layer extends it.)
"""

from __future__ import annotations

from abc import ABC
from typing import ClassVar

from pydantic import BaseModel


class Connector(ABC):
    """Base class of marketplace connectors, registered under ``mpsync.connectors``."""

    name: ClassVar[str]
    credentials_model: ClassVar[type[BaseModel]]
