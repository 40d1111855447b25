"""Canonical order statuses and the rules that move an order between them.

An order's state remembers the earliest time each canonical status was
observed; its status is the result of replaying those observations in
marketplace-time order through the transition table. Merging observations is
commutative, so late, duplicated or reordered reads converge on the state the
marketplace's own timeline implies, and replays change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType


class OrderStatus(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"


# The statuses an order passes through, in order (new → completed).
PROGRESS = (
    OrderStatus.NEW,
    OrderStatus.CONFIRMED,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)
_RANK = {status: rank for rank, status in enumerate(PROGRESS)}
TERMINAL_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.RETURNED})
_CANCELLABLE = frozenset(PROGRESS[: _RANK[OrderStatus.DELIVERED]])
_RETURNABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})
# The milestones analytics measure (orders.confirmed_at / shipped_at): the first time
# the timeline reached any of these statuses (an order first seen shipped was confirmed
# then too; a returned order had been handed over).
CONFIRMED_OR_LATER = frozenset({OrderStatus.CONFIRMED, OrderStatus.READY_TO_SHIP,
                                OrderStatus.SHIPPED, OrderStatus.DELIVERED,
                                OrderStatus.COMPLETED, OrderStatus.RETURNED})  # fmt: skip
SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED,
                              OrderStatus.COMPLETED, OrderStatus.RETURNED})  # fmt: skip
# Tie-break for observations at the same instant: the further state sorts last.
_ORDER = {**_RANK, OrderStatus.CANCELLED: 10, OrderStatus.RETURNED: 11}


def can_transition(source: OrderStatus | None, target: OrderStatus) -> bool:
    """Whether *target* may follow *source* (``None``: the order is not known yet)."""
    if source is None:
        return True
    if source in TERMINAL_STATUSES or source == target:
        return False
    if target == OrderStatus.CANCELLED:
        return source in _CANCELLABLE
    if target == OrderStatus.RETURNED:
        return source in _RETURNABLE
    return _RANK[target] > _RANK[source]


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    status: OrderStatus
    at: datetime


@dataclass(frozen=True, slots=True)
class Transition:
    source: OrderStatus | None
    target: OrderStatus
    at: datetime


@dataclass(frozen=True)
class OrderState:
    """What the store keeps per order: earliest observation time per status."""

    seen: Mapping[OrderStatus, datetime] = field(default_factory=lambda: MappingProxyType({}))

    @cached_property
    def path(self) -> tuple[Transition, ...]:
        """The timeline replayed once per state (``seen`` never changes after creation)."""
        return _replay(self.seen)

    @property
    def status(self) -> OrderStatus | None:
        path = self.path
        return path[-1].target if path else None

    @property
    def status_at(self) -> datetime | None:
        path = self.path
        return path[-1].at if path else None

    def reached(self, statuses: frozenset[OrderStatus]) -> datetime | None:
        """When the timeline first entered any of *statuses* (``None``: not yet)."""
        return next((t.at for t in self.path if t.target in statuses), None)

    @property
    def milestones(self) -> tuple[datetime | None, datetime | None]:
        """``(confirmed_at, shipped_at)`` as ``orders`` stores them for the KPIs."""
        return self.reached(CONFIRMED_OR_LATER), self.reached(SHIPPED_OR_LATER)


def _replay(seen: Mapping[OrderStatus, datetime]) -> tuple[Transition, ...]:
    current: OrderStatus | None = None
    path: list[Transition] = []
    for status, at in sorted(seen.items(), key=lambda item: (item[1], _ORDER[item[0]])):
        if can_transition(current, status):
            path.append(Transition(current, status, at))
            current = status
    return tuple(path)


def apply_update(state: OrderState, update: StatusUpdate) -> tuple[OrderState, list[Transition]]:
    """Merge one observation; return the new state and the change it causes.

    At most one transition comes back: from the status the order showed to
    the one it shows now. A duplicate, a later repeat of a status already
    seen, or an observation the timeline rejects (a cancellation after
    delivery, anything after a terminal status) changes nothing.
    """
    known = state.seen.get(update.status)
    if known is not None and known <= update.at:
        return state, []
    seen = dict(state.seen)
    seen[update.status] = update.at
    new_state = OrderState(MappingProxyType(seen))
    before, after = state.status, new_state.status
    if after is None or before == after:
        return new_state, []
    at = new_state.status_at
    assert at is not None
    return new_state, [Transition(before, after, at)]
