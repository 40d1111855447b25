"""Satisfaction from buyers' ratings (``mpsync report satisfaction``): the signal a seller has.

Per account and SKU, over the messages created in the period: reviews and their average
rating, CSAT (the share of 4–5 star reviews), a *proxy* NPS (the share of 5 stars minus the
share of 1–3 stars: marketplaces ask no "would you recommend" question, so this is not a
true NPS and is labelled so), the median hours to the first answer (questions and reviews),
and the share of messages answered before their deadline (a message without a deadline
counts once answered). A total row covers the whole scope.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from mpsync.analytics.period import Period
from mpsync.analytics.sql import Scope
from mpsync.domain.events import MessageState
from mpsync.inbox.store import MESSAGES

COLUMNS = ["account", "sku", "reviews", "avg_rating", "csat", "nps_proxy", "questions",
           "answered", "median_hours_to_answer", "answered_in_time"]  # fmt: skip
ALL = "(all)"


def satisfaction(engine: Engine, period: Period, scope: Scope) -> dict[str, Any]:
    """The object of ``mpsync report satisfaction --json``."""
    query = select(MESSAGES.c.account_id, MESSAGES.c.sku, MESSAGES.c.kind, MESSAGES.c.rating,
                   MESSAGES.c.state, MESSAGES.c.created_at, MESSAGES.c.answered_at,
                   MESSAGES.c.deadline).where(
        MESSAGES.c.created_at >= period.start, MESSAGES.c.created_at < period.end,
        scope.accounts(MESSAGES.c.account_id),
    )  # fmt: skip
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["account_id"], row["sku"] or "?")].append(row)
    lines = [_figures(account, sku, found) for (account, sku), found in sorted(groups.items())]
    return {"period": period.label, "nps_is_proxy": True,
            "total": _figures(ALL, ALL, rows), "skus": lines}  # fmt: skip


def _figures(account: str, sku: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    ratings = [r["rating"] for r in rows if r["kind"] == "review" and r["rating"] is not None]
    answered = [
        r for r in rows if r["state"] == MessageState.ANSWERED and r["answered_at"] is not None
    ]
    hours = sorted((_aware(r["answered_at"]) - _aware(r["created_at"])).total_seconds() / 3600
                   for r in answered)  # fmt: skip
    in_time = [r for r in answered if r["deadline"] is None
               or _aware(r["answered_at"]) <= _aware(r["deadline"])]  # fmt: skip
    return {
        "account": account, "sku": sku, "reviews": len(ratings),
        "avg_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "csat": _share(r >= 4 for r in ratings),
        "nps_proxy": _nps(ratings),
        "questions": sum(1 for r in rows if r["kind"] == "question"),
        "answered": len(answered),
        "median_hours_to_answer": _median(hours),
        "answered_in_time": round(len(in_time) / len(rows), 4) if rows else None,
    }  # fmt: skip


def _share(flags: Iterable[bool]) -> float | None:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else None


def _nps(ratings: list[int]) -> float | None:
    if not ratings:
        return None
    promoters = sum(1 for r in ratings if r == 5)
    detractors = sum(1 for r in ratings if r <= 3)
    return round((promoters - detractors) / len(ratings), 4)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    value = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return round(value, 2)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Rows of the terminal and ``--csv``: one per account and SKU, then the total."""
    rows = [[line[c] for c in COLUMNS] for line in [*data["skus"], data["total"]]]
    return COLUMNS, rows
