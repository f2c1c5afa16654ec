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
from openssm.domain.commands.status import counters, final_command_state, is_terminal
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


def _waiting(row: RowMapping) -> bool:
    return row["status_details"] == Details.PENDING and row["dispatched_date"] is None


def _not_started(row: RowMapping) -> bool:
    return row["status_details"] in (Details.PENDING, Details.DELAYED)


class Rollout:
    def __init__(self, nodes: NodeService, messages: CommandMessages) -> None:
        self._nodes = nodes
        self._messages = messages

    def advance(
        self, conn: Connection, command: RowMapping, now: datetime, alarm_stop: AlarmStop | None
    ) -> PassResult:
        command_id = command["command_id"]
        changes: dict[str, Any] = {}
        if not command["targets_resolved"]:
            changes.update(self._resolve_targets(conn, command, now))
        stop_reason = command["stop_reason"]
        if alarm_stop is not None and stop_reason is None:
            stop_reason = StopReason.ALARM
            changes.update(stop_reason=stop_reason, triggered_alarms=alarm_stop.triggered_alarms)
        invocations = repo.invocations_of(conn, command_id)
        target_count = changes.get("target_count", command["target_count"])
        result = PassResult(next_due=None)

        if stop_reason in (StopReason.ALARM, StopReason.CANCEL):
            self._end(conn, command_id, [r for r in invocations if _waiting(r)], Details.CANCELLED)
        self._time_out(conn, command, invocations, now)
        invocations = repo.invocations_of(conn, command_id)

        tally = counters((r["status_details"] for r in invocations), target_count)
        if stop_reason is None and threshold_crossed(tally.error_count, command["max_errors"], target_count):
            stop_reason = StopReason.MAX_ERRORS
            changes["stop_reason"] = stop_reason
            self._end(conn, command_id, [r for r in invocations if _waiting(r)], Details.TERMINATED)
            invocations = repo.invocations_of(conn, command_id)
        if stop_reason is None:
            result.notify_nodes = self._dispatch(conn, command, invocations, target_count, now)
            if result.notify_nodes:
                invocations = repo.invocations_of(conn, command_id)

        details = [r["status_details"] for r in invocations]
        tally = counters(details, target_count)
        changes.update(
            completed_count=tally.completed_count,
            error_count=tally.error_count,
            delivery_timed_out_count=tally.delivery_timed_out_count,
        )
        resolved = changes.get("targets_resolved", command["targets_resolved"])
        if resolved and all(is_terminal(d) for d in details):
            final = final_command_state(details, target_count, command["max_errors"], stop_reason)
            changes.update(status=final.status, status_details=final.details)
            result.finished = True
        else:
            started = any(r["dispatched_date"] is not None for r in invocations)
            state = CommandStatus.IN_PROGRESS if started else CommandStatus.PENDING
            changes.update(status=state, status_details=state)
            result.next_due = self._next_due(command, invocations, now)
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

    def _end(self, conn: Connection, command_id: str, rows: list[RowMapping], details: Details) -> None:
        status = "Cancelled" if details == Details.CANCELLED else "Failed"
        repo.update_invocations(
            conn, command_id, [r["instance_id"] for r in rows], {"status": status, "status_details": details}
        )

    def _time_out(self, conn: Connection, command: RowMapping, rows: list[RowMapping], now: datetime) -> None:
        """Not started by TimeoutSeconds, or not finished by ExpiresAfter: DeliveryTimedOut."""
        if now >= command["expires_after"]:
            late = [r for r in rows if not is_terminal(r["status_details"])]
        elif now >= command["delivery_deadline"]:
            late = [r for r in rows if _not_started(r)]
        else:
            return
        for row in late:
            if row["dispatched_date"] is not None:
                self._messages.withdraw(conn, command["command_id"], row["instance_id"])
        repo.update_invocations(
            conn,
            command["command_id"],
            [r["instance_id"] for r in late],
            {"status": "TimedOut", "status_details": Details.DELIVERY_TIMED_OUT},
        )

    def _dispatch(
        self, conn: Connection, command: RowMapping, rows: list[RowMapping], target_count: int, now: datetime
    ) -> set[str]:
        waiting = [r for r in rows if _waiting(r)]
        if not waiting or now >= command["delivery_deadline"]:
            return set()
        dispatched = [r for r in rows if r["dispatched_date"] is not None]
        state = DispatchState(
            target_count=target_count,
            waiting=len(waiting),
            in_flight=sum(1 for r in dispatched if not is_terminal(r["status_details"])),
            acknowledged=sum(
                1
                for r in dispatched
                if r["status_details"] != Details.PENDING or r["dispatched_date"] <= now - RAMP_WAIT
            ),
            dispatched=len(dispatched),
        )
        allowance = dispatch_allowance(state, command["max_concurrency"])
        if allowance <= 0:
            return set()
        online = self._nodes.online_ids(conn, command["account_id"], [r["instance_id"] for r in waiting], now)
        waiting.sort(key=lambda r: (r["instance_id"] not in online, r["seq"]))
        chosen = [r["instance_id"] for r in waiting[:allowance]]
        self._messages.dispatch(conn, command, chosen, now)
        return set(chosen)

    @staticmethod
    def _next_due(command: RowMapping, rows: list[RowMapping], now: datetime) -> datetime:
        deadlines: list[datetime] = [command["expires_after"]]
        if any(_not_started(r) for r in rows):
            deadlines.append(command["delivery_deadline"])
        if command["alarm_configuration"]:
            deadlines.append(now + RECHECK)
        if any(_waiting(r) for r in rows):
            unacknowledged = [
                r["dispatched_date"] + RAMP_WAIT
                for r in rows
                if r["dispatched_date"] is not None and r["status_details"] == Details.PENDING
            ]
            deadlines += [t for t in unacknowledged if t > now]
        return max(now, min(deadlines))
