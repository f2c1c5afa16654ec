"""One pass of a command's rollout, run by the run-command worker inside a claimed transaction.

Resolve Targets (once), apply a stop (alarm, cancel, MaxErrors), time out what missed its
deadlines, dispatch the next batch within MaxConcurrency and the 1-2-4-8 ramp, and roll the
counters and the command status up. Returns when the command next needs attention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import RowMapping

from openssm.domain.commands import repository as repo
from openssm.domain.commands.dispatch import CommandMessages
from openssm.domain.commands.models import CommandStatus, Details, StopReason
from openssm.domain.commands.status import all_terminal, counters, final_command_state
from openssm.domain.nodes.service import NodeService
from openssm.domain.rate_control import DispatchState, dispatch_allowance, threshold_crossed

# A gated command in flight is looked at again at least this often, even without events.
RECHECK = timedelta(seconds=30)
# The 1-2-4-8 ramp waits for acknowledgements, but not forever: a target that has not acknowledged
# within this time (say its node went offline) no longer holds the ramp back. It still holds its
# concurrency slot until it ends (or times out), so MaxConcurrency is never exceeded.
RAMP_WAIT = timedelta(seconds=10)


@dataclass
class PassResult:
    next_due: datetime | None
    notify_nodes: set[str] = field(default_factory=set)
    finished: bool = False


@dataclass(frozen=True, slots=True)
class AlarmStop:
    """The gate's verdict that stops a rollout, with the alarms that caused it."""

    triggered_alarms: list[dict[str, str]]


class Rollout:
    def __init__(self, nodes: NodeService, messages: CommandMessages) -> None:
        self._nodes = nodes
        self._messages = messages

    def advance(
        self, conn: Connection, command: RowMapping, now: datetime, alarm_stop: AlarmStop | None
    ) -> PassResult:
        """One pass; reads counts, not every invocation, so a pass costs the same for 10 nodes
        or 10,000."""
        command_id = command["command_id"]
        changes: dict[str, Any] = {}
        if not command["targets_resolved"]:
            changes.update(self._resolve_targets(conn, command, now))
        target_count = changes.get("target_count", command["target_count"])
        stop_reason = command["stop_reason"]
        if alarm_stop is not None and stop_reason is None:
            stop_reason = StopReason.ALARM
            changes.update(stop_reason=stop_reason, triggered_alarms=alarm_stop.triggered_alarms)
        if stop_reason in (StopReason.ALARM, StopReason.CANCEL):
            repo.end_waiting(conn, command_id, "Cancelled", Details.CANCELLED)
        self._time_out(conn, command, now)
        tally = repo.details_tally(conn, command_id)
        if stop_reason is None and threshold_crossed(
            counters(tally, target_count).error_count, command["max_errors"], target_count
        ):
            stop_reason = StopReason.MAX_ERRORS
            changes["stop_reason"] = stop_reason
            repo.end_waiting(conn, command_id, "Failed", Details.TERMINATED)
            tally = repo.details_tally(conn, command_id)

        result = PassResult(next_due=None)
        progress = repo.progress(conn, command_id, now - RAMP_WAIT)
        if stop_reason is None and progress.waiting and now < command["delivery_deadline"]:
            result.notify_nodes = self._dispatch(conn, command, progress, target_count, now)
        tally_counts = counters(tally, target_count)
        changes.update(
            completed_count=tally_counts.completed_count,
            error_count=tally_counts.error_count,
            delivery_timed_out_count=tally_counts.delivery_timed_out_count,
        )
        resolved = changes.get("targets_resolved", command["targets_resolved"])
        if resolved and all_terminal(tally):
            final = final_command_state(tally, target_count, command["max_errors"], stop_reason)
            changes.update(status=final.status, status_details=final.details)
            result.finished = True
        else:
            started = progress.dispatched > 0 or bool(result.notify_nodes)
            state = CommandStatus.IN_PROGRESS if started else CommandStatus.PENDING
            changes.update(status=state, status_details=state)
            result.next_due = self._next_due(command, progress, bool(result.notify_nodes), now)
        repo.update_command(conn, command_id, changes)
        return result

    def _resolve_targets(self, conn: Connection, command: RowMapping, now: datetime) -> dict[str, Any]:
        nodes = self._nodes.resolve_targets(conn, command["account_id"], command["targets"], now)
        platforms = set(command["platform_types"])
        rows = []
        for seq, node in enumerate(nodes):
            invalid = bool(node.platform_type and platforms and node.platform_type not in platforms)
            rows.append(
                {
                    "command_id": command["command_id"],
                    "instance_id": node.instance_id,
                    "account_id": command["account_id"],
                    "seq": seq,
                    "instance_name": node.computer_name or node.name or "",
                    "status": "Failed" if invalid else "Pending",
                    "status_details": Details.INVALID_PLATFORM if invalid else Details.PENDING,
                    "requested_date": command["requested_date"],
                    "response_code": -1,
                    "trace_output": "",
                }
            )
        repo.insert_invocations(conn, rows)
        return {"targets_resolved": True, "target_count": len(rows)}

    def _time_out(self, conn: Connection, command: RowMapping, now: datetime) -> None:
        """Not started by TimeoutSeconds, or not finished by ExpiresAfter: DeliveryTimedOut."""
        if now < command["delivery_deadline"] and now < command["expires_after"]:
            return
        command_id = command["command_id"]
        late = repo.late_invocations(conn, command_id, started_too=now >= command["expires_after"])
        for row in late:
            if row["dispatched_date"] is not None:
                self._messages.withdraw(conn, command_id, row["instance_id"])
        repo.update_invocations(
            conn,
            command_id,
            [r["instance_id"] for r in late],
            {"status": "TimedOut", "status_details": Details.DELIVERY_TIMED_OUT},
        )

    def _dispatch(
        self, conn: Connection, command: RowMapping, progress: repo.Progress, target_count: int, now: datetime
    ) -> set[str]:
        state = DispatchState(
            target_count=target_count,
            waiting=progress.waiting,
            in_flight=progress.in_flight,
            acknowledged=progress.acknowledged,
            dispatched=progress.dispatched,
        )
        allowance = dispatch_allowance(state, command["max_concurrency"])
        if allowance <= 0:
            return set()
        # Online nodes go first among the next candidates in order, so a node that went away does
        # not hold the ramp back while others could run.
        candidates = repo.waiting_instances(conn, command["command_id"], max(4 * allowance, 64))
        online = self._nodes.online_ids(conn, command["account_id"], candidates, now)
        ordered = [i for i in candidates if i in online] + [i for i in candidates if i not in online]
        chosen = ordered[:allowance]
        self._messages.dispatch(conn, command["command_id"], chosen, now)
        return set(chosen)

    @staticmethod
    def _next_due(
        command: RowMapping, progress: repo.Progress, dispatched_now: bool, now: datetime
    ) -> datetime:
        deadlines: list[datetime] = [command["expires_after"]]
        if progress.not_started or dispatched_now:
            deadlines.append(command["delivery_deadline"])
        if command["alarm_configuration"]:
            deadlines.append(now + RECHECK)
        if progress.waiting:
            # the ramp stops waiting for an unacknowledged target RAMP_WAIT after its dispatch
            if dispatched_now:
                deadlines.append(now + RAMP_WAIT)
            if progress.oldest_unacknowledged is not None:
                deadlines.append(progress.oldest_unacknowledged + RAMP_WAIT)
        return max(now, min(deadlines))
