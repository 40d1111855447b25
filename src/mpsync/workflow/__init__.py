"""Workflow rules run by the daemon: auto-confirm, SLA warnings, auto-complete, alerts, invoices.

``WorkflowRunner(runtime, streams).run_once()`` applies every rule once; a repeat pass does
nothing new.
"""

from __future__ import annotations

from mpsync.workflow.confirm import MAX_ATTEMPTS
from mpsync.workflow.runner import WorkflowRunner, WorkflowStats

__all__ = ["MAX_ATTEMPTS", "WorkflowRunner", "WorkflowStats"]
