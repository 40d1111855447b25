"""``WorkflowRunner``: one pass of the workflow rules over the store, idempotent per rule.

Rules read the store, write events (and their outbox rows) or recorded write-backs,
and never call a marketplace inside a transaction; the daemon runs a pass per interval.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection

from mpsync.config import AccountConfig, Settings
from mpsync.connector.base import Connector, WriteResult
from mpsync.store.retention import prune
from mpsync.sync.service import SyncService
from mpsync.workflow import confirm
from mpsync.workflow.deadlines import complete_delivered, warn_sla
from mpsync.workflow.effects import alert_low_stock, issue_invoices, void_invoices

STUCK_AFTER = timedelta(minutes=15)
PRUNE_EVERY = timedelta(hours=1)
Rule = Callable[[Connection, Settings], int]
log = structlog.get_logger("mpsync.workflow")


@dataclass
class WorkflowStats:
    """What one pass did; ``errors`` names each rule that failed and why."""

    confirmed: int = 0
    confirm_failed: int = 0
    confirm_stuck: int = 0
    sla_warnings: int = 0
    completed: int = 0
    low_stock: int = 0
    invoices: int = 0
    invoices_voided: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changes(self) -> int:
        """Everything this pass changed; 0 when a repeat pass found nothing new."""
        return (self.confirmed + self.confirm_failed + self.sla_warnings + self.completed
                + self.low_stock + self.invoices + self.invoices_voided)  # fmt: skip


class WorkflowRunner:
    """Applies auto-confirm, SLA warnings, auto-complete, low stock, invoicing and voiding."""

    def __init__(self, service: SyncService) -> None:
        self.service = service
        self.engine = service.engine
        self.settings = service.settings
        self._warned: set[str] = set()
        self._pruned_at: datetime | None = None

    async def run_once(self) -> WorkflowStats:
        """One pass of every rule; one rule's failure is reported and the rest still run."""
        started, stats = time.monotonic(), WorkflowStats()
        rules: dict[str, Callable[[WorkflowStats], Awaitable[None]]] = {
            "auto_confirm": self._auto_confirm,
            "sla_warning": self._sla_warning,
            "auto_complete": self._auto_complete,
            "low_stock": self._low_stock,
            "invoices": self._invoices,
            "void_invoices": self._void_invoices,
            "retention": self._retention,
        }
        for name, rule in rules.items():
            try:
                await rule(stats)
            except Exception as exc:  # noqa: BLE001 - reported in stats and the log
                stats.errors[name] = f"{type(exc).__name__}: {exc}"
                log.error("workflow rule failed", rule=name, error=stats.errors[name])
        stats.seconds = time.monotonic() - started
        log.info("workflow done", confirmed=stats.confirmed, confirm_failed=stats.confirm_failed,
                 sla_warnings=stats.sla_warnings, completed=stats.completed,
                 low_stock=stats.low_stock, invoices=stats.invoices,
                 invoices_voided=stats.invoices_voided,
                 errors=sorted(stats.errors), seconds=round(stats.seconds, 3))  # fmt: skip
        return stats

    def _transaction(self, rule: Callable[..., int]) -> int:
        with self.engine.begin() as connection:
            count: int = rule(connection, self.settings, now=self.service.clock())
        return count

    async def _sla_warning(self, stats: WorkflowStats) -> None:
        stats.sla_warnings = await asyncio.to_thread(self._transaction, warn_sla)

    async def _auto_complete(self, stats: WorkflowStats) -> None:
        stats.completed = await asyncio.to_thread(self._transaction, complete_delivered)

    async def _low_stock(self, stats: WorkflowStats) -> None:
        stats.low_stock = await asyncio.to_thread(self._transaction, alert_low_stock)

    async def _invoices(self, stats: WorkflowStats) -> None:
        stats.invoices = await asyncio.to_thread(
            issue_invoices, self.engine, self.settings, now=self.service.clock()
        )

    async def _retention(self, stats: WorkflowStats) -> None:
        """Prune processed bookkeeping rows (``store.retention``), at most once an hour."""
        keep, now = self.settings.store.retention, self.service.clock()
        if not keep or (self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY):
            return
        deleted = await asyncio.to_thread(prune, self.engine, now=now, keep=keep)
        self._pruned_at = now
        if any(deleted.values()):
            log.info("retention pruned rows", **deleted)

    async def _void_invoices(self, stats: WorkflowStats) -> None:
        stats.invoices_voided = await asyncio.to_thread(self._transaction, void_invoices)

    async def _auto_confirm(self, stats: WorkflowStats) -> None:
        account_ids = [account.id for account in self._confirm_accounts()]
        if not account_ids:
            return
        claims = await asyncio.to_thread(self._claim, account_ids)
        if claims:
            results = await confirm.perform(claims, self._connector)
            await asyncio.to_thread(self._record, results)
            stats.confirmed = sum(1 for _, result in results if result.ok)
            stats.confirm_failed = len(results) - stats.confirmed
        stats.confirm_stuck = await asyncio.to_thread(self._stuck)
        if stats.confirm_stuck:
            log.warning("confirm write-backs left pending by an interrupted run; check them "
                        "at the marketplace", count=stats.confirm_stuck)  # fmt: skip

    def _confirm_accounts(self) -> list[AccountConfig]:
        """Accounts listed in ``workflow.auto_confirm`` that exist, are on and can confirm."""
        found = []
        for account_id in self.settings.workflow.auto_confirm:
            account = next((a for a in self.settings.accounts if a.id == account_id), None)
            if account is None or not account.enabled:
                self._warn_once(account_id, "auto_confirm names an unknown or disabled account")
            elif "confirm" not in self._connector(account.id).capabilities.actions:
                self._warn_once(account_id, "auto_confirm: the marketplace has no confirm step")
            else:
                found.append(account)
        return found

    def _warn_once(self, account_id: str, message: str) -> None:
        if account_id not in self._warned:
            self._warned.add(account_id)
            log.warning(message, account=account_id)

    def _connector(self, account_id: str) -> Connector:
        return self.service.connector(self.settings.account(account_id))

    def _claim(self, account_ids: list[str]) -> list[confirm.Claim]:
        with self.engine.begin() as connection:
            return confirm.claim(connection, account_ids, now=self.service.clock())

    def _record(self, results: list[tuple[confirm.Claim, WriteResult]]) -> None:
        with self.engine.begin() as connection:
            confirm.record(connection, results, now=self.service.clock())

    def _stuck(self) -> int:
        before: datetime = self.service.clock() - STUCK_AFTER
        with self.engine.connect() as connection:
            return confirm.stuck(connection, before=before)
