"""MaxConcurrency / MaxErrors arithmetic (spec §2)."""

from __future__ import annotations

import pytest

from openssm.domain.rate_control import (
    DispatchState,
    allowed_errors,
    concurrency_limit,
    dispatch_allowance,
    threshold_crossed,
)


@pytest.mark.parametrize(
    ("value", "targets", "expected"),
    [
        ("50", 10, 50),
        ("1", 0, 1),
        ("50%", 10, 5),
        ("10%", 5, 1),
        ("100%", 1000, 1000),
        ("1%", 50, 1),
        ("33%", 10, 3),
    ],
)
def test_concurrency_is_a_count_or_a_percentage_of_targets_never_below_one(value, targets, expected):
    assert concurrency_limit(value, targets) == expected


@pytest.mark.parametrize(
    ("value", "targets", "expected"),
    [("0", 10, 0), ("3", 10, 3), ("0%", 10, 0), ("10%", 50, 5), ("10%", 5, 0), ("100%", 7, 7), ("50%", 3, 1)],
)
def test_allowed_errors_round_percentages_down(value, targets, expected):
    assert allowed_errors(value, targets) == expected


@pytest.mark.parametrize(
    ("max_errors", "targets", "first_stopping_error"),
    [("3", 10, 4), ("0", 10, 1), ("10%", 50, 6), ("100%", 4, 5)],
)
def test_the_rollout_stops_at_the_error_after_the_allowance(max_errors, targets, first_stopping_error):
    crossed = [n for n in range(0, targets + 2) if threshold_crossed(n, max_errors, targets)]
    assert crossed[0] == first_stopping_error


def _state(**kw: int) -> DispatchState:
    base = {"target_count": 100, "waiting": 100, "in_flight": 0, "acknowledged": 0, "dispatched": 0}
    base.update(kw)
    return DispatchState(**base)


def test_dispatch_starts_with_one_target_and_waits_for_its_acknowledgement():
    assert dispatch_allowance(_state(), "100%") == 1
    assert dispatch_allowance(_state(waiting=99, in_flight=1, dispatched=1), "100%") == 0


def test_dispatch_ramps_up_two_then_four_then_eight():
    assert dispatch_allowance(_state(waiting=99, in_flight=1, dispatched=1, acknowledged=1), "100%") == 2
    assert dispatch_allowance(_state(waiting=97, in_flight=3, dispatched=3, acknowledged=3), "100%") == 4
    assert dispatch_allowance(_state(waiting=93, in_flight=7, dispatched=7, acknowledged=7), "100%") == 8


def test_dispatch_never_exceeds_the_concurrency_in_flight():
    state = _state(waiting=50, in_flight=9, dispatched=50, acknowledged=50)
    assert dispatch_allowance(state, "10") == 1
    assert dispatch_allowance(_state(waiting=50, in_flight=10, dispatched=50, acknowledged=50), "10") == 0


def test_dispatch_allows_no_more_than_are_waiting():
    assert dispatch_allowance(_state(waiting=2, dispatched=98, acknowledged=98, in_flight=0), "100%") == 2
