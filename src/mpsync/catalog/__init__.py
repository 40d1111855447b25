"""Product binding: the per-account catalogue that binds seller SKUs to marketplace ids.

Reads fill it (``write_products``, per page); write-backs resolve ids through it
(``resolve``), and an unbound SKU is refused with ``UnboundSkuError``.
"""

from __future__ import annotations

from mpsync.catalog.resolve import Binding, UnboundSkuError, bind_command, binding_stream, resolve
from mpsync.catalog.store import write_products

__all__ = [
    "Binding",
    "UnboundSkuError",
    "bind_command",
    "binding_stream",
    "resolve",
    "write_products",
]
