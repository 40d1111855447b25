"""What every report is computed from: the store, the period, the scope, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from mpsync.analytics.period import Period, parse_period
from mpsync.analytics.skus import ReorderPolicy
from mpsync.analytics.sql import Scope
from mpsync.config import Settings
from mpsync.display import Display, to_local


@dataclass(frozen=True)
class ReportContext:
    engine: Engine
    period: Period
    scope: Scope
    now: datetime
    display: Display
    policy: ReorderPolicy

    @classmethod
    def build(
        cls,
        engine: Engine,
        settings: Settings,
        *,
        period: str | None,
        now: datetime,
        account: str | None = None,
        marketplace: str | None = None,
    ) -> ReportContext:
        """Read ``--period`` in the ``[display]`` zone; reorder policy from ``[analytics]``."""
        display = settings.display.display()
        today = to_local(now, display.zone).date()
        config = settings.analytics
        policy = ReorderPolicy(config.lead_time_days, config.safety_days,
                               config.reorder_cover_days)  # fmt: skip
        return cls(engine, parse_period(period, display.zone, today),
                   Scope(account, marketplace), now, display, policy)  # fmt: skip
