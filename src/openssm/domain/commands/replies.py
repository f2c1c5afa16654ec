"""What nodes report about Run Command messages: acknowledgements, replies, failures, and nodes
that leave the fleet.

Replies are the official agent's SendReply payloads (spec/agent-protocol.md): a document status
and per-step `runtimeStatus`. They update the invocation and its plugin rows; the command row is
locked first, so a reply and a worker pass on the same command never interleave, and the command
is marked due so the worker rolls it up and dispatches the next batch. Replies are idempotent: a
terminal invocation ignores later ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from openssm.core.signals import Notifier
from openssm.domain.commands import repository as repo
from openssm.domain.commands.dispatch import parse_message_id
from openssm.domain.commands.models import Details, PluginResult
from openssm.domain.commands.service import RUN_COMMAND_TOPIC
from openssm.domain.commands.status import NON_TERMINAL_DETAILS, invocation_state, is_terminal
from openssm.store.engine import after_commit
from openssm.store.schema.commands import command_invocations
from openssm.store.statements import one_of

# openssm's agent adds the whole streams (up to its capture limit) next to the official agent's
# 24,000/8,000-character copies; the official agent sends only those copies.
FULL_STDOUT = "openssmFullStandardOutput"  # same names as openssm.agent.output
FULL_STDERR = "openssmFullStandardError"

_DOCUMENT_STATUS: dict[str, Details] = {
    "InProgress": Details.IN_PROGRESS,
    "SuccessAndReboot": Details.IN_PROGRESS,
    "Success": Details.SUCCESS,
    "Failed": Details.FAILED,
    "TimedOut": Details.EXECUTION_TIMED_OUT,
    "Cancelled": Details.CANCELLED,
}

_PLUGIN_STATUS: dict[str, tuple[str, str]] = {
    "Pending": ("Pending", "Pending"),
    "NotStarted": ("Pending", "Pending"),
    "InProgress": ("InProgress", "InProgress"),
    "Success": ("Success", "Success"),
    "SuccessAndReboot": ("InProgress", "InProgress"),
    "Skipped": ("Success", "Skipped"),
    "Failed": ("Failed", "Failed"),
    "TimedOut": ("TimedOut", "ExecutionTimedOut"),
    "Cancelled": ("Cancelled", "Cancelled"),
}


def parse_agent_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _plugins(payload: dict[str, Any], schema_version: str) -> list[PluginResult]:
    runtime = payload.get("runtimeStatus") or {}
    results = []
    for key, step in runtime.items():
        if not isinstance(step, dict):
            continue
        if schema_version.startswith("2"):
            name = str(step.get("stepName") or key)
        else:
            name = str(step.get("name") or key)
        status, details = _PLUGIN_STATUS.get(str(step.get("status")), ("Failed", "Failed"))
        code = step.get("code")
        results.append(
            PluginResult(
                name=name,
                status=status,
                status_details=details,
                response_code=int(code) if isinstance(code, int | float) else -1,
                output=str(step.get("output") or ""),
                standard_output=str(step.get(FULL_STDOUT) or step.get("standardOutput") or ""),
                standard_error=str(step.get(FULL_STDERR) or step.get("standardError") or ""),
                response_start=parse_agent_time(step.get("startDateTime")),
                response_finish=parse_agent_time(step.get("endDateTime")),
                output_s3_bucket_name=str(step.get("outputS3BucketName") or ""),
                output_s3_key_prefix=str(step.get("outputS3KeyPrefix") or ""),
            )
        )
    return results


class CommandReplies:
    """The Run Command listener of the node API (topic prefix `aws.ssm.sendCommand`)."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def _open(self, conn: Connection, instance_id: str, message_id: str) -> tuple[Any, Any] | None:
        """(command facts, invocation facts) of a sendCommand message, or None."""
        ids = parse_message_id(message_id)
        if ids is None or ids[1] != instance_id:
            return None
        row = repo.invocation_for_reply(conn, ids[0], instance_id)
        return None if row is None else (row, row)

    def _wake(self, conn: Connection, command_id: str, now: datetime) -> None:
        repo.mark_due(conn, command_id, now)
        after_commit(conn, lambda: self._notifier.notify(RUN_COMMAND_TOPIC))

    def on_acknowledged(self, conn: Connection, instance_id: str, message_id: str, now: datetime) -> None:
        opened = self._open(conn, instance_id, message_id)
        if opened is None:
            return
        command, row = opened
        if row["status_details"] in (Details.PENDING, Details.DELAYED) and repo.update_invocation(
            conn,
            command["command_id"],
            instance_id,
            {"status": "InProgress", "status_details": Details.IN_PROGRESS},
        ):
            self._wake(conn, command["command_id"], now)

    def on_reply(
        self, conn: Connection, instance_id: str, message_id: str, payload: dict[str, Any], now: datetime
    ) -> None:
        opened = self._open(conn, instance_id, message_id)
        if opened is None or is_terminal(opened[1]["status_details"]):
            return
        command, row = opened
        command_id = command["command_id"]
        plugins = _plugins(payload, str(command["document_schema_version"]))
        for seq, plugin in enumerate(plugins):
            repo.upsert_plugin(conn, command_id, instance_id, seq, plugin)
        details = _DOCUMENT_STATUS.get(str(payload.get("documentStatus")), Details.IN_PROGRESS)
        if not is_terminal(details) and row["status_details"] == Details.CANCELLING:
            details = Details.CANCELLING  # still being cancelled: only a final reply ends that
        state = invocation_state(details)
        starts = [p.response_start for p in plugins if p.response_start]
        ends = [p.response_finish for p in plugins if p.response_finish]
        recorded = repo.record_reply(
            conn,
            command_id,
            instance_id,
            status=state.status,
            details=state.details,
            trace=str(payload.get("documentTraceOutput") or "")[:2500],
            start=min(starts) if starts else now,
            end=(max(ends) if ends else now) if is_terminal(details) else None,
            response_code=plugins[-1].response_code if plugins else None,
        )
        # Only what changes the rollout wakes the worker: the first sign of life (the ramp counts
        # acknowledgements) and the end (a slot frees, errors may cross MaxErrors).
        first_reply = row["status_details"] in (Details.PENDING, Details.DELAYED)
        if recorded and (first_reply or is_terminal(details)):
            self._wake(conn, command_id, now)

    def on_failed(
        self, conn: Connection, instance_id: str, message_id: str, failure_type: str, now: datetime
    ) -> None:
        opened = self._open(conn, instance_id, message_id)
        if opened is None or is_terminal(opened[1]["status_details"]):
            return
        command, row = opened
        repo.update_invocation(
            conn,
            command["command_id"],
            instance_id,
            {
                "status": "Failed",
                "status_details": Details.FAILED,
                "trace_output": f"The agent could not process the command ({failure_type}).",
                "execution_end": now,
            },
        )
        self._wake(conn, command["command_id"], now)

    def on_deregistered(self, conn: Connection, instance_id: str, now: datetime) -> None:
        """A node left the fleet: its unfinished invocations become Undeliverable."""
        query = select(command_invocations.c.command_id).where(
            and_(
                command_invocations.c.instance_id == instance_id,
                one_of(command_invocations.c.status_details, sorted(NON_TERMINAL_DETAILS)),
            )
        )
        for command_id in list(conn.execute(query).scalars()):
            repo.update_invocation(
                conn,
                command_id,
                instance_id,
                {"status": "Failed", "status_details": Details.UNDELIVERABLE, "response_code": -1},
            )
            self._wake(conn, command_id, now)
