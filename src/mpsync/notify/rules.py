"""Which channels hear about an event: ``[[notifications.rules]]`` applied to one event.

Pure functions over the config; the dedupe key of a delivery is ``{event_key}:{channel}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from mpsync.config.model import NotificationRule, Settings
from mpsync.domain.events import EVENT_KINDS as EVENT_KINDS

# The events rules may name: mpsync.domain.events (the config checks rules against them).


def plan_notifications(
    settings: Settings, event_kind: str, event: Mapping[str, Any], *, event_key: str
) -> list[tuple[str, str]]:
    """Return ``(channel, dedupe_key)`` for every channel a matching rule names, once each."""
    planned: list[tuple[str, str]] = []
    seen: set[str] = set()
    for rule in settings.notifications.rules:
        if not rule_matches(rule, event_kind, event):
            continue
        for channel in rule.channels:
            if channel not in seen:
                seen.add(channel)
                planned.append((channel, f"{event_key}:{channel}"))
    return planned


def rule_matches(rule: NotificationRule, event_kind: str, event: Mapping[str, Any]) -> bool:
    """True when every filter of *rule* admits the event (an empty filter admits all)."""
    if event_kind not in rule.events:
        return False
    if not _admits(rule.accounts, event.get("account")):
        return False
    if not _admits(rule.marketplaces, event.get("marketplace")):
        return False
    order = event.get("order") or {}
    if rule.statuses and not _admits(rule.statuses, order.get("status")):
        return False
    return rule.min_total is None or _total_at_least(event, rule.min_total)


def _admits(allowed: Iterable[str], value: Any) -> bool:
    allowed = list(allowed)
    return not allowed or value in allowed


def _total_at_least(event: Mapping[str, Any], minimum: Decimal) -> bool:
    """Events without an amount (stock.low) are not filtered by ``min_total``."""
    total = _event_total(event)
    return total is None or total >= minimum


def _event_total(event: Mapping[str, Any]) -> Decimal | None:
    for section in ("order", "invoice"):
        value = (event.get(section) or {}).get("total")
        if value is not None:
            try:
                return Decimal(str(value))
            except InvalidOperation:
                return None
    return None


def digest_intervals(settings: Settings) -> dict[tuple[str, str], timedelta]:
    """``(channel, event_kind)`` → the longest digest interval a rule sets for it."""
    intervals: dict[tuple[str, str], timedelta] = {}
    for rule in settings.notifications.rules:
        if rule.digest <= timedelta(0):
            continue
        for channel in rule.channels:
            for kind in rule.events:
                key = (channel, kind)
                intervals[key] = max(intervals.get(key, timedelta(0)), rule.digest)
    return intervals


def digest_groups(settings: Settings) -> dict[str, tuple[timedelta, list[str]]]:
    """Per channel: its digest interval and the event kinds it batches."""
    groups: dict[str, tuple[timedelta, list[str]]] = {}
    for (channel, kind), interval in sorted(digest_intervals(settings).items()):
        current, kinds = groups.get(channel, (timedelta(0), []))
        groups[channel] = (max(current, interval), [*kinds, kind])
    return groups
