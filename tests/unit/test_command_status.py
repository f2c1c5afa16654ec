"""Command status roll-up from invocation results (spec §3.4)."""

from __future__ import annotations

from collections import Counter

import pytest

from openssm.domain.commands.status import counters, final_command_state, invocation_state, is_terminal

S, F, X, D, C = "Success", "Failed", "ExecutionTimedOut", "DeliveryTimedOut", "Cancelled"


@pytest.mark.parametrize(
    ("details", "status"),
    [
        ("Pending", "Pending"),
        ("InProgress", "InProgress"),
        ("Delayed", "Delayed"),
        ("Success", "Success"),
        ("Failed", "Failed"),
        ("ExecutionTimedOut", "TimedOut"),
        ("DeliveryTimedOut", "TimedOut"),
        ("Cancelled", "Cancelled"),
        ("Undeliverable", "Failed"),
        ("Terminated", "Failed"),
        ("InvalidPlatform", "Failed"),
        ("AccessDenied", "Failed"),
        ("Cancelling", "Cancelling"),
    ],
)
def test_each_status_detail_belongs_to_one_status(details, status):
    assert invocation_state(details).status == status


def test_only_pending_in_progress_delayed_and_cancelling_are_not_terminal():
    assert [
        d for d in ("Pending", "InProgress", "Delayed", "Cancelling", S, F, X, D, C) if not is_terminal(d)
    ] == [
        "Pending",
        "InProgress",
        "Delayed",
        "Cancelling",
    ]


def test_counters_count_failures_and_execution_timeouts_as_errors_but_not_delivery_timeouts():
    tally = counters(Counter([S, F, X, D, "InProgress", "Undeliverable"]), 6)
    assert (tally.completed_count, tally.error_count, tally.delivery_timed_out_count) == (5, 2, 1)


@pytest.mark.parametrize(
    ("details", "max_errors", "stop", "expected"),
    [
        ([S, S], "0", None, ("Success", "Success")),
        ([S, F], "0", None, ("Failed", "Failed")),
        ([S, F], "1", None, ("Success", "Incomplete")),
        ([S, X], "0", None, ("TimedOut", "ExecutionTimedOut")),
        ([S, D], "0", None, ("TimedOut", "DeliveryTimedOut")),
        ([S, D], "1", None, ("Success", "Incomplete")),
        ([S, "Undeliverable"], "0", None, ("Success", "Success")),
        (["Undeliverable", "Undeliverable"], "0", None, ("Failed", "Undeliverable")),
        ([S, C], "0", "cancel", ("Cancelled", "Cancelled")),
        ([S, C], "0", "alarm", ("Cancelled", "Cancelled")),
        ([F, F, "Terminated"], "1", "max_errors", ("Failed", "Failed")),
        ([F, X], "1", None, ("Failed", "Failed")),
    ],
)
def test_final_command_status(details, max_errors, stop, expected):
    state = final_command_state(Counter(details), len(details), max_errors, stop)
    assert (state.status, state.details) == expected


def test_a_command_with_no_targets_succeeds_with_no_instances_in_tag():
    state = final_command_state(Counter(), 0, "0", None)
    assert (state.status, state.details) == ("Success", "NoInstancesInTag")
