"""Plugin results and how they add up to a document status (agent/contracts/aggregator.go)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ResultStatus(StrEnum):
    NOT_STARTED = "NotStarted"
    IN_PROGRESS = "InProgress"
    SUCCESS = "Success"
    SUCCESS_AND_REBOOT = "SuccessAndReboot"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    TIMED_OUT = "TimedOut"
    SKIPPED = "Skipped"


# Precedence when merging the statuses of one plugin's several property sets (1.x documents):
# the later in this list wins (contracts.MergeResultStatus).
_MERGE_ORDER = (
    ResultStatus.SKIPPED,
    ResultStatus.SUCCESS,
    ResultStatus.SUCCESS_AND_REBOOT,
    ResultStatus.NOT_STARTED,
    ResultStatus.IN_PROGRESS,
    ResultStatus.FAILED,
    ResultStatus.CANCELLED,
    ResultStatus.TIMED_OUT,
)


def merge_status(current: ResultStatus | None, new: ResultStatus) -> ResultStatus:
    if current is None:
        return new
    return max(current, new, key=_MERGE_ORDER.index)


@dataclass
class PluginResult:
    """What one step produced; `output` is already the 2,500-character combined output."""

    step_id: str
    plugin: str
    status: ResultStatus
    code: int
    output: str
    stdout: bytes
    stderr: bytes
    start: datetime
    end: datetime
    error: str = ""
    """A step-level error (unsupported plugin, bad inputs); when set it replaces `output`."""


def document_status(results: list[PluginResult]) -> ResultStatus:
    """The document-level status of finished plugins: SuccessAndReboot > Failed > TimedOut >
    Cancelled; Success when every plugin succeeded or was skipped; else InProgress."""
    counts = Counter(result.status for result in results)
    if counts[ResultStatus.SUCCESS_AND_REBOOT]:
        return ResultStatus.SUCCESS_AND_REBOOT
    if counts[ResultStatus.FAILED]:
        return ResultStatus.FAILED
    if counts[ResultStatus.TIMED_OUT]:
        return ResultStatus.TIMED_OUT
    if counts[ResultStatus.CANCELLED]:
        return ResultStatus.CANCELLED
    if counts[ResultStatus.SUCCESS] + counts[ResultStatus.SKIPPED] == len(results):
        return ResultStatus.SUCCESS
    return ResultStatus.IN_PROGRESS


def status_counts(results: list[PluginResult]) -> dict[str, int]:
    """Plugins per status, keys sorted (as Go's JSON encoder writes a map)."""
    counts = Counter(result.status.value for result in results)
    return dict(sorted(counts.items()))
