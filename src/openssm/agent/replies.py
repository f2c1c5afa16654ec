"""SendReply payloads, field for field (and in field order) as the official agent builds them.

Sources: agent/runcommand/contracts/model.go (SendReplyPayload), agent/contracts/model.go
(AdditionalInfo, AgentInfo, PluginRuntimeStatus), agent/contracts/aggregator.go and
agent/messageservice/utils/messageutil.go. For one command the agent sends:

1. a document-level reply: documentStatus InProgress, runtimeStatus null, runtimeStatusCounts null;
2. after each plugin, documentStatus InProgress with runtimeStatus holding that plugin only and
   runtimeStatusCounts counting the plugins finished so far;
3. a final reply with the aggregated documentStatus; runtimeStatus holds the plugin when the
   document has exactly one, and is an empty object when it has several (the service already
   has them from step 2).

Dates are ISO-8601 UTC with milliseconds (`2015-07-09T23:23:40.023Z`); `runId` is always empty.
Map keys (runtimeStatusCounts) are sorted, as Go's encoder writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openssm.agent import AGENT_NAME, AGENT_VERSION
from openssm.agent.output import (
    FULL_STDERR_FIELD,
    FULL_STDOUT_FIELD,
    MAX_STDERR,
    MAX_STDOUT,
    full_text,
    string_prefix,
)
from openssm.agent.results import PluginResult, ResultStatus, document_status, status_counts

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def iso8601(moment: datetime) -> str:
    """times.ToIso8601UTC: `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class AgentInfo:
    """`additionalInfo.agent`. The official agent sends lang en-US, its name, Go's GOOS and the
    default OS version "1" from its app config."""

    name: str = AGENT_NAME
    version: str = AGENT_VERSION
    os: str = "linux"
    lang: str = "en-US"
    os_version: str = "1"

    def as_dict(self) -> dict[str, str]:
        return {
            "lang": self.lang,
            "name": self.name,
            "os": self.os,
            "osver": self.os_version,
            "ver": self.version,
        }


def runtime_status(result: PluginResult, s3_bucket: str = "", s3_prefix: str = "") -> dict[str, Any]:
    """One plugin's entry in `runtimeStatus` (contracts.prepareRuntimeStatus). The S3 fields and
    stepName stay empty unless output goes to S3, which this agent does not do."""
    code = result.code
    if result.status is ResultStatus.FAILED and code == 0:
        code = 1
    entry: dict[str, Any] = {
        "status": result.status.value,
        "code": code,
        "name": result.plugin,
        "output": result.error or result.output,
        "startDateTime": iso8601(result.start),
        "endDateTime": iso8601(result.end),
        "outputS3BucketName": s3_bucket,
        "outputS3KeyPrefix": s3_prefix,
        "stepName": "",
        "standardOutput": string_prefix(result.stdout, MAX_STDOUT),
        # The official agent cuts standardError at 24,000 (it passes MaxStdoutLength); the service
        # keeps 8,000 characters of it (GetCommandInvocation), so this agent sends no more.
        "standardError": string_prefix(result.stderr, MAX_STDERR),
    }
    # Beyond the official agent: the whole streams when the standard copies had to cut them.
    if len(result.stdout) >= MAX_STDOUT:
        entry[FULL_STDOUT_FIELD] = full_text(result.stdout)
    if len(result.stderr) >= MAX_STDERR:
        entry[FULL_STDERR_FIELD] = full_text(result.stderr)
    return entry


class ReplyBuilder:
    """Builds payloads for one agent; `clock` stamps `additionalInfo.dateTime`."""

    def __init__(self, agent: AgentInfo, clock: Clock = _utcnow) -> None:
        self.agent = agent
        self.clock = clock

    def _payload(
        self,
        status: ResultStatus,
        trace: str,
        counts: dict[str, int] | None,
        runtime: dict[str, Any] | None,
    ) -> dict[str, Any]:
        return {
            "additionalInfo": {
                "agent": self.agent.as_dict(),
                "dateTime": iso8601(self.clock()),
                "runId": "",
                "runtimeStatusCounts": counts,
                # The official agent tells the service whether its Session Manager channel is up
                # (omitted only when unknown); this agent never opens that channel.
                "ableToOpenMGSConnection": False,
            },
            "documentStatus": status.value,
            "documentTraceOutput": trace,
            "runtimeStatus": runtime,
        }

    def document_status(self, status: ResultStatus, trace: str = "") -> dict[str, Any]:
        """A document-level update without plugin details (the first InProgress, parse errors)."""
        return self._payload(status, trace, None, None)

    def plugin_update(self, finished: list[PluginResult], latest: PluginResult) -> dict[str, Any]:
        return self._payload(
            ResultStatus.IN_PROGRESS, "", status_counts(finished), {latest.step_id: runtime_status(latest)}
        )

    def final(self, results: list[PluginResult]) -> dict[str, Any]:
        runtime = {r.step_id: runtime_status(r) for r in results} if len(results) <= 1 else {}
        return self._payload(document_status(results), "", status_counts(results), runtime)


def encode(payload: dict[str, Any]) -> str:
    """The JSON text sent as SendReply's Payload (compact, like Go's json.Marshal)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
