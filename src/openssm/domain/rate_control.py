"""MaxConcurrency / MaxErrors arithmetic (spec §2), shared by every rate-controlled rollout.

Pure functions: no clock, no database. Percentages are of the resolved target count N:
concurrency = max(1, floor(N·p/100)); allowed errors = floor(N·p/100) or the integer given.
A rollout stops dispatching when errors exceed the allowance (`3` stops at the 4th error, `0` at
the 1st, `10%` of 50 at the 6th) — `tests/unit/test_rate_control.py` pins these.
"""

from __future__ import annotations

from dataclasses import dataclass


def _percent(value: str) -> int | None:
    return int(value[:-1]) if value.endswith("%") else None


def concurrency_limit(max_concurrency: str, target_count: int) -> int:
    """How many targets may be in flight at once."""
    percent = _percent(max_concurrency)
    if percent is None:
        return max(1, int(max_concurrency))
    return max(1, target_count * percent // 100)


def allowed_errors(max_errors: str, target_count: int) -> int:
    """How many errors are tolerated; one more stops the rollout."""
    percent = _percent(max_errors)
    if percent is None:
        return int(max_errors)
    return target_count * percent // 100


def threshold_crossed(error_count: int, max_errors: str, target_count: int) -> bool:
    return error_count > allowed_errors(max_errors, target_count)


@dataclass(frozen=True, slots=True)
class DispatchState:
    """Where a rollout stands, counted over its targets."""

    target_count: int
    waiting: int  # not yet dispatched
    in_flight: int  # dispatched, not yet terminal
    acknowledged: int  # dispatched and acknowledged by the target (or already terminal)
    dispatched: int  # ever dispatched (in flight + terminal after dispatch)


def dispatch_allowance(state: DispatchState, max_concurrency: str) -> int:
    """How many waiting targets may be dispatched now.

    SSM sends to one target first, waits for its acknowledgement, then to two more, then four
    more, and so on (at most `2·acknowledged + 1` dispatched in all), never exceeding the
    concurrency limit in flight.
    """
    limit = concurrency_limit(max_concurrency, state.target_count)
    by_concurrency = limit - state.in_flight
    by_ramp = 2 * state.acknowledged + 1 - state.dispatched
    return max(0, min(state.waiting, by_concurrency, by_ramp))
