"""``WorkflowRunner``: one pass of the workflow rules over the store, idempotent per rule.

Rules read the store, write events (and their outbox rows) or recorded write-backs,
and never call a marketplace inside a transaction; the daemon runs a pass per interval.
Each rule runs under its lease (``workflow:RULE``), so replicas never run one rule at
once, and on the daemon's schedule one replica's tick per interval does the work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import Connection

from mpsync.config import AccountConfig, Settings
from mpsync.connector.base import Connector, WriteResult
from mpsync.coordination import Held
from mpsync.runtime import Runtime
from mpsync.store.retention import prune
from mpsync.sync.service import Schedule, StreamRunner
from mpsync.workflow import confirm
from mpsync.workflow.deadlines import complete_delivered, warn_sla
from mpsync.workflow.effects import alert_low_stock, issue_invoices, void_invoices
from mpsync.workflow.payloads import chunks

PRUNE_EVERY = timedelta(hours=1)
Rule = Callable[[Connection, Settings], int]
log = structlog.get_logger("mpsync.workflow")


@dataclass
class WorkflowStats:
    """What one pass did; ``errors`` names each rule that failed and why."""

    confirmed: int = 0
    confirm_failed: int = 0
    confirm_retaken: int = 0  # rows a crash left pending, taken again
    held: dict[str, str] = field(default_factory=dict)  # rules another process was running
    sla_warnings: int = 0
    completed: int = 0
    low_stock: int = 0
    invoices: int = 0
    invoices_voided: int = 0
    answers_queued: int = 0  # auto rules' answers to buyers, sent by the outbox
    answers_drafted: int = 0
    answer_deadlines: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changes(self) -> int:
        """Everything this pass changed; 0 when a repeat pass found nothing new."""
        return (self.confirmed + self.confirm_failed + self.sla_warnings + self.completed
                + self.low_stock + self.invoices + self.invoices_voided + self.answers_queued
                + self.answers_drafted + self.answer_deadlines)  # fmt: skip


class WorkflowRunner:
    """Applies auto-confirm, SLA warnings, auto-complete, low stock, invoicing and voiding.

    Over a *runtime* (store, clock, connectors, leases); *streams* reads an account's
    orders back before confirming what a stopped process left pending."""

    def __init__(self, runtime: Runtime, streams: StreamRunner) -> None:
        self.runtime, self.streams = runtime, streams
        self.engine, self.settings = runtime.engine, runtime.settings
        self.coordinator, self.clock = runtime.coordinator, runtime.clock
        self._warned: set[str] = set()

    async def run_once(self, schedule: Schedule | None = None) -> WorkflowStats:
        """One pass of every rule; one rule's failure is reported and the rest still run.

        A rule another process holds is skipped (``stats.held``); with a *schedule*, so
        is one another replica ran less than an interval ago.
        """
        started, stats = time.monotonic(), WorkflowStats()
        rules: dict[str, Callable[[WorkflowStats], Awaitable[None]]] = {
            "auto_confirm": self._auto_confirm,
            "sla_warning": self._sla_warning,
            "auto_complete": self._auto_complete,
            "low_stock": self._low_stock,
            "invoices": self._invoices,
            "void_invoices": self._void_invoices,
            "inbox_answers": self._inbox_answers,
            "inbox_deadlines": self._inbox_deadlines,
            "retention": self._retention,
        }
        for name, rule in rules.items():
            if self.runtime.stop.is_set():
                break
            await self._run_rule(name, rule, stats, schedule)
        stats.seconds = time.monotonic() - started
        log.info("workflow done", confirmed=stats.confirmed, confirm_failed=stats.confirm_failed,
                 sla_warnings=stats.sla_warnings, completed=stats.completed,
                 low_stock=stats.low_stock, invoices=stats.invoices,
                 invoices_voided=stats.invoices_voided,
                 errors=sorted(stats.errors), seconds=round(stats.seconds, 3))  # fmt: skip
        return stats

    async def _run_rule(self, name: str, rule: Callable[[WorkflowStats], Awaitable[None]],
                        stats: WorkflowStats, schedule: Schedule | None) -> None:  # fmt: skip
        every = PRUNE_EVERY if name == "retention" else schedule.interval if schedule else None
        unit = "retention" if name == "retention" else f"workflow:{name}"
        # Retention runs at most hourly whoever runs it; a rule stays with its last runner.
        async with self.coordinator.hold(unit, every=every, sticky=unit != "retention") as lease:
            if isinstance(lease, Held):
                if not lease.not_due:
                    stats.held[name] = str(lease)
                return
            try:
                await rule(stats)
            except Exception as exc:  # noqa: BLE001 - reported in stats and the log
                stats.errors[name] = f"{type(exc).__name__}: {exc}"
                log.error("workflow rule failed", rule=name, error=stats.errors[name])

    def _transaction(self, rule: Callable[..., int]) -> int:
        with self.engine.begin() as connection:
            count: int = rule(connection, self.settings, now=self.clock())
        return count

    async def _sla_warning(self, stats: WorkflowStats) -> None:
        stats.sla_warnings = await asyncio.to_thread(self._transaction, warn_sla)

    async def _auto_complete(self, stats: WorkflowStats) -> None:
        stats.completed = await asyncio.to_thread(self._transaction, complete_delivered)

    async def _low_stock(self, stats: WorkflowStats) -> None:
        stats.low_stock = await asyncio.to_thread(self._transaction, alert_low_stock)

    async def _invoices(self, stats: WorkflowStats) -> None:
        stats.invoices = await asyncio.to_thread(
            issue_invoices, self.engine, self.settings, now=self.clock()
        )

    async def _retention(self, stats: WorkflowStats) -> None:
        """Prune processed bookkeeping rows (``store.retention``); the ``retention`` unit
        makes it at most once an hour across every process on the store."""
        keep, now = self.settings.store.retention, self.clock()
        if not keep:
            return
        deleted = await asyncio.to_thread(prune, self.engine, now=now, keep=keep)
        if any(deleted.values()):
            log.info("retention pruned rows", **deleted)

    async def _void_invoices(self, stats: WorkflowStats) -> None:
        stats.invoices_voided = await asyncio.to_thread(self._transaction, void_invoices)

    async def _inbox_answers(self, stats: WorkflowStats) -> None:
        """The knowledge base over open buyers' messages: auto answers queued in the outbox,
        drafts announced (``mpsync.inbox.answers``)."""
        from mpsync.inbox.answers import apply_rules

        if not self.settings.answers.rules:
            return

        def apply() -> Any:
            with self.engine.begin() as connection:
                return apply_rules(connection, self.settings, now=self.clock())

        done = await asyncio.to_thread(apply)
        stats.answers_queued, stats.answers_drafted = len(done.sent), len(done.drafted)

    async def _inbox_deadlines(self, stats: WorkflowStats) -> None:
        from mpsync.inbox.answers import warn_deadlines

        stats.answer_deadlines = await asyncio.to_thread(self._transaction, warn_deadlines)

    async def _auto_confirm(self, stats: WorkflowStats) -> None:
        account_ids = [account.id for account in self._confirm_accounts()]
        if not account_ids:
            return
        claims = await asyncio.to_thread(self._claim, account_ids)
        if not claims:
            return
        with self.coordinator.working_on("write_backs", [c.write_back_id for c in claims]):
            settled, unread = await self._verify([c for c in claims if c.verify])
            results = [(c, settled[c.write_back_id]) for c in claims if c.write_back_id in settled]
            await asyncio.to_thread(self._record, results)
            to_call = [c for c in claims if c.write_back_id not in settled and c not in unread]
            # Recorded a few at a time: a crash leaves few calls made but unrecorded.
            for chunk in chunks(to_call, confirm.CONCURRENCY):
                if self.runtime.stop.is_set():
                    break
                done = await confirm.perform(chunk, self._connector)
                await asyncio.to_thread(self._record, done)
                results += done
        stats.confirm_retaken = sum(1 for c in claims if c.verify)
        stats.confirmed = sum(1 for _, result in results if result.ok)
        stats.confirm_failed = len(results) - stats.confirmed

    async def _verify(
        self, claims: list[confirm.Claim]
    ) -> tuple[dict[int, WriteResult], list[confirm.Claim]]:
        """Read back the orders of rows a crash left pending: an incremental sync of their
        accounts' orders refreshes every open order's status. Those no longer ``new`` are
        settled without a second call (write-back id → outcome); claims whose account
        could not be read are returned to wait for a later pass (their lease runs out)."""
        if not claims:
            return {}, []
        log.warning("confirm write-backs left pending by a stopped process; reading the "
                    "orders back before confirming", count=len(claims))  # fmt: skip
        unread: list[confirm.Claim] = []
        wait = self.settings.coordination.lease
        for account_id in sorted({item.account_id for item in claims}):
            account = self.settings.account(account_id)
            result = await self.streams.sync_stream(account, "orders", wait=wait)
            if result.outcome != "ok":
                log.warning("read-back before confirming failed; retrying later",
                            account=account_id, error=result.error)  # fmt: skip
                unread += [item for item in claims if item.account_id == account_id]
        statuses = await asyncio.to_thread(self._not_new, claims)
        settled = {
            item.write_back_id: confirm.settled_elsewhere(statuses[item.order_id])
            for item in claims
            if item.order_id in statuses and item not in unread
        }
        return settled, unread

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
        return self.runtime.connectors.connector(self.settings.account(account_id))

    def _claim(self, account_ids: list[str]) -> list[confirm.Claim]:
        holder = confirm.Holder(self.coordinator.owner, self.settings.coordination.lease)
        with self.engine.begin() as connection:
            return confirm.claim(connection, account_ids, now=self.clock(),
                                 holder=holder)  # fmt: skip

    def _not_new(self, claims: list[confirm.Claim]) -> dict[int, str]:
        with self.engine.connect() as connection:
            return confirm.not_new(connection, claims)

    def _record(self, results: list[tuple[confirm.Claim, WriteResult]]) -> None:
        with self.engine.begin() as connection:
            confirm.record(connection, results, now=self.clock(),
                           owner=self.coordinator.owner)  # fmt: skip
