"""Several mpsync processes on one store: leases on units of work and rows, supervision.

Public surface: ``Coordinator`` (a process's leases and heartbeat), ``Lease``/``Held``/
``LeaseLost``, ``try_xact_lock`` for one-transaction units, ``Supervisor`` for the daemon's
long-running tasks. See ``leases`` for the contract on SQLite and PostgreSQL.
"""

from __future__ import annotations

from mpsync.coordination.coordinator import (
    CoordinationObserver,
    Coordinator,
    next_due,
    unit_kind,
    utcnow,
)
from mpsync.coordination.identity import Identity, label_of
from mpsync.coordination.leases import Held, Lease, LeaseLost, holders, try_xact_lock

__all__ = [
    "CoordinationObserver",
    "Coordinator",
    "Held",
    "Identity",
    "Lease",
    "LeaseLost",
    "holders",
    "label_of",
    "next_due",
    "try_xact_lock",
    "unit_kind",
    "utcnow",
]
