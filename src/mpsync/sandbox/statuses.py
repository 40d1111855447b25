"""Marketplace status tables and the scripted life of an order on each marketplace.

A script is a list of (offset seconds, state index) derived from the order's own seed.
"""

from __future__ import annotations

from dataclasses import dataclass

PROGRESS_RANK: dict[str, int] = {
    "new": 0,
    "confirmed": 1,
    "ready_to_ship": 2,
    "shipped": 3,
    "delivered": 4,
}


@dataclass(frozen=True, slots=True)
class RawState:
    """A marketplace's own (status, substatus) pair and its canonical meaning.

    ``kept``: the marketplace's mapping keeps the order's canonical status on this state
    (Ozon ``not_accepted``); ``canonical`` is then the status it had before, the one a CRM
    that saw the order then still holds.
    """

    status: str
    substatus: str | None
    canonical: str
    kept: bool = False


@dataclass(frozen=True)
class Flow:
    """How orders of one marketplace live: states, the happy path, cancels, returns.

    `path` holds (state, min delay, max delay) in minutes after the previous step;
    `cancels` holds (path position after which it may happen, cancel state); `detours`
    (path position, state) a state some orders pass through between two path steps
    without leaving the path (Ozon's ``not_accepted`` between hand-over and delivery).
    """

    states: tuple[RawState, ...]
    path: tuple[tuple[int, int, int], ...]
    cancels: tuple[tuple[int, int], ...]
    cancel_rate: float = 0.08
    returns: tuple[int, ...] = ()
    return_rate: float = 0.0625
    detours: tuple[tuple[int, int], ...] = ()
    detour_rate: float = 0.0

    def index(self, status: str, substatus: str | None) -> int:
        for i, state in enumerate(self.states):
            if state.status == status and state.substatus == substatus:
                return i
        raise KeyError((status, substatus))

    def can_move(self, current: int, target: int) -> bool:
        """Forward-only moves; cancel before delivery; return after shipping."""
        cur, new = self.states[current], self.states[target]
        if cur.canonical in ("cancelled", "returned") or current == target:
            return False
        if new.canonical == "cancelled":
            return PROGRESS_RANK[cur.canonical] < PROGRESS_RANK["delivered"]
        if new.canonical == "returned":
            return cur.canonical in ("shipped", "delivered")
        return target > current

    def script(self, h1: int, h2: int) -> list[tuple[int, int]]:
        """The planned (offset seconds, state) steps of an order keyed by two 64-bit hashes.

        h1 holds 12-bit delay fields per path step (plus return bits on top), h2
        holds second jitter (low 30 bits) and the cancel/return decisions (high 32).
        """
        offsets = [0]
        for k, (_state, low, high) in enumerate(self.path):
            minutes = low + ((h1 >> (12 * k)) & 0xFFF) % (high - low + 1)
            offsets.append(offsets[-1] + minutes * 60 + ((h2 >> (6 * k)) & 63) % 60)
        steps = [(offsets[i + 1], step[0]) for i, step in enumerate(self.path)]
        decide = h2 >> 32
        if (decide & 0x3FF) < self.cancel_rate * 1024:
            position, cancel_state = self.cancels[((decide >> 10) & 0xFF) % len(self.cancels)]
            span = max(1, offsets[position + 1] - offsets[position] - 60)
            at = offsets[position] + 60 + ((decide >> 18) & 0x3FF) * span // 1024
            return [step for step in steps if step[0] < at] + [(at, cancel_state)]
        if self.returns and ((decide >> 28) & 0xF) < self.return_rate * 16:
            days = 1 + ((h1 >> 61) & 0x7)
            steps.append(
                (offsets[-1] + days * 86400, self.returns[((h1 >> 60) & 1) % len(self.returns)])
            )
        return self._detour(steps, offsets, h1, h2)

    def _detour(
        self, steps: list[tuple[int, int]], offsets: list[int], h1: int, h2: int
    ) -> list[tuple[int, int]]:
        """Maybe insert a detour state between two path steps (h1's bits above the delays)."""
        bits = h1 >> (12 * len(self.path))
        if not self.detours or (bits & 0x3FF) >= self.detour_rate * 1024:
            return steps
        position, state = self.detours[(bits >> 10) % len(self.detours)]
        span = max(1, offsets[position + 1] - offsets[position] - 60)
        at = offsets[position] + 60 + ((h2 >> 24) & 0x3F) * span // 64
        return [*steps[:position], (at, state), *steps[position:]]


WB_FLOW = Flow(
    states=(
        RawState("new", "waiting", "new"),
        RawState("confirm", "waiting", "confirmed"),
        RawState("complete", "waiting", "shipped"),
        RawState("complete", "sorted", "shipped"),
        RawState("complete", "ready_for_pickup", "shipped"),
        RawState("complete", "sold", "delivered"),
        RawState("cancel", "canceled", "cancelled"),
        RawState("new", "declined_by_client", "cancelled"),
        RawState("complete", "canceled_by_client", "cancelled"),
    ),
    path=((1, 5, 60), (2, 60, 480), (3, 240, 1440), (4, 600, 2880), (5, 60, 1440)),
    cancels=((0, 7), (0, 6), (1, 6), (3, 8), (4, 8)),
)

OZON_FLOW = Flow(
    states=(
        RawState("awaiting_packaging", "posting_created", "new"),
        RawState("awaiting_deliver", "posting_transferring_to_delivery", "ready_to_ship"),
        # Not accepted at the sorting centre: still the seller's to resolve, then delivered.
        RawState("not_accepted", "posting_not_in_sort_center", "ready_to_ship", kept=True),
        RawState("delivering", "posting_on_way_to_city", "shipped"),
        RawState("delivering", "posting_in_pickup_point", "shipped"),
        RawState("delivered", "posting_delivered", "delivered"),
        RawState("cancelled", "posting_canceled", "cancelled"),
    ),
    path=((1, 10, 90), (3, 120, 720), (4, 600, 2880), (5, 60, 2880)),
    cancels=((0, 6), (1, 6), (2, 6), (3, 6)),
    detours=((1, 2),),
    detour_rate=0.05,
)

YM_FLOW = Flow(
    states=(
        RawState("PROCESSING", "STARTED", "new"),
        RawState("PROCESSING", "READY_TO_SHIP", "ready_to_ship"),
        RawState("PROCESSING", "SHIPPED", "shipped"),
        RawState("DELIVERY", "DELIVERY_SERVICE_RECEIVED", "shipped"),
        RawState("PICKUP", "PICKUP_SERVICE_RECEIVED", "shipped"),
        RawState("DELIVERED", "DELIVERY_SERVICE_DELIVERED", "delivered"),
        RawState("CANCELLED", "USER_CHANGED_MIND", "cancelled"),
        RawState("CANCELLED", "SHOP_FAILED", "cancelled"),
        RawState("CANCELLED", "USER_REFUSED_DELIVERY", "cancelled"),
        RawState("RETURNED", "UNKNOWN", "returned"),
        RawState("PARTIALLY_RETURNED", "UNKNOWN", "returned"),
    ),
    path=((1, 10, 120), (2, 60, 600), (3, 60, 600), (4, 600, 2880), (5, 60, 2880)),
    cancels=((0, 6), (0, 7), (1, 7), (3, 8), (4, 8)),
    returns=(9, 10),
)

FLOWS: dict[str, Flow] = {"wildberries": WB_FLOW, "ozon": OZON_FLOW, "yandex_market": YM_FLOW}
