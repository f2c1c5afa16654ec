"""Status roll-ups of Run Command (spec §2, §3.4), as pure functions.

An invocation's StatusDetails decides its Status, whether it is terminal and whether it counts
toward MaxErrors; a command's status follows from its invocations once all are terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openssm.domain.commands.models import (
    CommandStatus,
    Details,
    InvocationState,
    InvocationStatus,
    StopReason,
)
from openssm.domain.rate_control import allowed_errors

_STATUS_OF_DETAILS: dict[str, InvocationStatus] = {
    Details.PENDING: InvocationStatus.PENDING,
    Details.IN_PROGRESS: InvocationStatus.IN_PROGRESS,
    Details.DELAYED: InvocationStatus.DELAYED,
    Details.CANCELLING: InvocationStatus.CANCELLING,
    Details.SUCCESS: InvocationStatus.SUCCESS,
    Details.FAILED: InvocationStatus.FAILED,
    Details.EXECUTION_TIMED_OUT: InvocationStatus.TIMED_OUT,
    Details.DELIVERY_TIMED_OUT: InvocationStatus.TIMED_OUT,
    Details.CANCELLED: InvocationStatus.CANCELLED,
    Details.UNDELIVERABLE: InvocationStatus.FAILED,
    Details.TERMINATED: InvocationStatus.FAILED,
    Details.INVALID_PLATFORM: InvocationStatus.FAILED,
    Details.ACCESS_DENIED: InvocationStatus.FAILED,
}

NON_TERMINAL_DETAILS = frozenset({Details.PENDING, Details.IN_PROGRESS, Details.DELAYED, Details.CANCELLING})
ERROR_DETAILS = frozenset({Details.FAILED, Details.EXECUTION_TIMED_OUT})
NOT_COUNTING_FAILURES = frozenset({Details.UNDELIVERABLE, Details.INVALID_PLATFORM, Details.ACCESS_DENIED})


def invocation_state(details: Details) -> InvocationState:
    return InvocationState(status=_STATUS_OF_DETAILS[details], details=details)


def is_terminal(details: str) -> bool:
    return details not in NON_TERMINAL_DETAILS


@dataclass(frozen=True, slots=True)
class Counters:
    target_count: int
    completed_count: int
    error_count: int
    delivery_timed_out_count: int


def counters(tally: Mapping[str, int], target_count: int) -> Counters:
    """The command's counters from the number of invocations with each StatusDetails."""
    completed = sum(n for d, n in tally.items() if is_terminal(d))
    errors = sum(tally.get(d, 0) for d in ERROR_DETAILS)
    return Counters(target_count, completed, errors, tally.get(Details.DELIVERY_TIMED_OUT, 0))


def all_terminal(tally: Mapping[str, int]) -> bool:
    return not any(n for d, n in tally.items() if not is_terminal(d))


def final_command_state(
    tally: Mapping[str, int], target_count: int, max_errors: str, stop_reason: str | None
) -> InvocationState:
    """The command's (Status, StatusDetails) once every invocation is terminal, from the number
    of invocations with each StatusDetails."""
    if stop_reason in (StopReason.CANCEL, StopReason.ALARM):
        return InvocationState(CommandStatus.CANCELLED, Details.CANCELLED)
    if target_count == 0:
        return InvocationState(CommandStatus.SUCCESS, Details.NO_INSTANCES_IN_TAG)
    allowed = allowed_errors(max_errors, target_count)
    failed, execution_timed_out = tally.get(Details.FAILED, 0), tally.get(Details.EXECUTION_TIMED_OUT, 0)
    if failed > allowed:
        return InvocationState(CommandStatus.FAILED, Details.FAILED)
    if execution_timed_out > allowed:
        return InvocationState(CommandStatus.TIMED_OUT, Details.EXECUTION_TIMED_OUT)
    if failed + execution_timed_out > allowed:
        return InvocationState(CommandStatus.FAILED, Details.FAILED)
    if tally.get(Details.DELIVERY_TIMED_OUT, 0) > allowed:
        return InvocationState(CommandStatus.TIMED_OUT, Details.DELIVERY_TIMED_OUT)
    succeeded = tally.get(Details.SUCCESS, 0)
    not_counting = sum(tally.get(d, 0) for d in NOT_COUNTING_FAILURES)
    if succeeded and succeeded + not_counting == sum(tally.values()):
        return InvocationState(CommandStatus.SUCCESS, Details.SUCCESS)
    if not succeeded and not_counting == sum(tally.values()):
        kinds = sorted(d for d in NOT_COUNTING_FAILURES if tally.get(d))
        return InvocationState(CommandStatus.FAILED, kinds[0] if len(kinds) == 1 else Details.FAILED)
    return InvocationState(CommandStatus.SUCCESS, Details.INCOMPLETE)
