"""Order-status rules: the transition table and order-independence of updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpsync.domain.status import OrderState, OrderStatus, StatusUpdate, apply_update, can_transition

S = OrderStatus
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (None, S.NEW, True),
        (S.NEW, S.CONFIRMED, True),
        (S.NEW, S.SHIPPED, True),  # skipping forward is progress
        (S.SHIPPED, S.CONFIRMED, False),  # never backwards
        (S.NEW, S.NEW, False),  # a duplicate is no change
        (S.SHIPPED, S.CANCELLED, True),
        (S.DELIVERED, S.CANCELLED, False),  # cancelled only before delivered
        (S.COMPLETED, S.CANCELLED, False),
        (S.SHIPPED, S.RETURNED, True),
        (S.DELIVERED, S.RETURNED, True),
        (S.NEW, S.RETURNED, False),  # returned only from shipped/delivered
        (S.CANCELLED, S.SHIPPED, False),  # terminal
        (S.RETURNED, S.DELIVERED, False),
        (S.DELIVERED, S.COMPLETED, True),
    ],
)
def test_transition_table(source: OrderStatus | None, target: OrderStatus, allowed: bool) -> None:
    assert can_transition(source, target) is allowed


def _apply(updates: list[StatusUpdate]) -> tuple[OrderState, list[tuple[str | None, str]]]:
    state, changes = OrderState(), []
    for update in updates:
        state, transitions = apply_update(state, update)
        changes += [(t.source, t.target) for t in transitions]
    return state, changes


def test_stale_update_does_not_move_backwards() -> None:
    state, _ = _apply([StatusUpdate(S.SHIPPED, T0 + timedelta(hours=2))])
    state, changes = apply_update(state, StatusUpdate(S.CONFIRMED, T0 + timedelta(hours=1)))
    assert state.status == S.SHIPPED and changes == []


def test_duplicate_is_a_no_op() -> None:
    state, changes = _apply([StatusUpdate(S.NEW, T0)] * 3)
    assert state.status == S.NEW and changes == [(None, S.NEW)]


def test_cancel_after_delivery_is_ignored() -> None:
    state, changes = _apply(
        [StatusUpdate(S.DELIVERED, T0), StatusUpdate(S.CANCELLED, T0 + timedelta(hours=1))]
    )
    assert state.status == S.DELIVERED and changes == [(None, S.DELIVERED)]


def test_one_transition_per_accepted_change() -> None:
    _, changes = _apply(
        [
            StatusUpdate(s, T0 + timedelta(hours=i))
            for i, s in enumerate([S.NEW, S.CONFIRMED, S.SHIPPED])
        ]
    )
    assert changes == [(None, S.NEW), (S.NEW, S.CONFIRMED), (S.CONFIRMED, S.SHIPPED)]


updates = st.lists(
    st.builds(
        StatusUpdate,
        st.sampled_from(list(OrderStatus)),
        st.integers(0, 20).map(lambda h: T0 + timedelta(hours=h)),
    ),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(updates, st.randoms(use_true_random=False))
def test_any_order_ends_where_sorted_order_ends(batch: list[StatusUpdate], rnd: object) -> None:
    shuffled = list(batch)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    in_order = sorted(batch, key=lambda u: u.at)
    assert _apply(shuffled)[0].status == _apply(in_order)[0].status
    # and replaying everything again changes nothing
    state, _ = _apply(shuffled)
    for update in batch:
        state, changes = apply_update(state, update)
        assert changes == []
