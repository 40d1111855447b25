"""Declarative mapping schemas: marketplace records → canonical records.

``load_mapping`` reads ``mappings/*.toml`` (or a user file); ``MappingSchema.map_page`` applies it.
"""

from __future__ import annotations

from mpsync.connector.errors import MappingError
from mpsync.mapping.convert import BUILTIN_TRANSFORMS, TYPES, Transform
from mpsync.mapping.engine import CanonicalRecord, MappedPage, MappingFailure, MappingSchema
from mpsync.mapping.loader import MappingFileError, builtin_mappings, load_mapping

__all__ = [
    "BUILTIN_TRANSFORMS",
    "TYPES",
    "CanonicalRecord",
    "MappedPage",
    "MappingError",
    "MappingFailure",
    "MappingFileError",
    "MappingSchema",
    "Transform",
    "builtin_mappings",
    "load_mapping",
]
