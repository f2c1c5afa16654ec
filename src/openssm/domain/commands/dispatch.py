"""Run Command's messages to nodes (ec2messages topics and payloads of the official agent).

A sendCommand message per invocation, id `aws.ssm.<CommandId>.<InstanceId>`; a cancelCommand
message carries the id of the sendCommand it cancels. Messages are rows in the node message queue;
the node picks them up with GetMessages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import RowMapping

from openssm.core.ids import new_uuid
from openssm.core.signals import Notifier
from openssm.domain.commands import repository as repo
from openssm.domain.commands.models import Details
from openssm.domain.nodes.messages import MessageQueue, MessageState, node_topic

SEND_COMMAND_TOPIC = "aws.ssm.sendCommand"
CANCEL_COMMAND_TOPIC = "aws.ssm.cancelCommand"


def message_id(command_id: str, instance_id: str) -> str:
    return f"aws.ssm.{command_id}.{instance_id}"


def parse_message_id(value: str) -> tuple[str, str] | None:
    """(command id, instance id) of a sendCommand message id."""
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != "aws" or parts[1] != "ssm":
        return None
    return parts[2], parts[3]


def send_command_payload(command: RowMapping) -> dict[str, Any]:
    cloudwatch = command["cloudwatch_output_config"] or {}
    return {
        "DocumentContent": command["document_content"],
        "Parameters": command["resolved_parameters"],
        "CommandId": command["command_id"],
        "DocumentName": command["document_name"],
        "OutputS3BucketName": command["output_s3_bucket_name"],
        "OutputS3KeyPrefix": command["output_s3_key_prefix"],
        "CloudWatchLogGroupName": cloudwatch.get("CloudWatchLogGroupName", ""),
        "CloudWatchOutputEnabled": "true" if cloudwatch.get("CloudWatchOutputEnabled") else "false",
    }


class CommandMessages:
    def __init__(self, queue: MessageQueue, notifier: Notifier, region: str) -> None:
        self._queue = queue
        self._notifier = notifier
        self._region = region

    def dispatch(self, conn: Connection, command_id: str, instance_ids: Sequence[str], now: datetime) -> None:
        command = repo.get_command_by_id(conn, command_id)
        assert command is not None
        payload = send_command_payload(command)
        for instance_id in instance_ids:
            self._queue.enqueue(
                conn,
                message_id=message_id(command["command_id"], instance_id),
                instance_id=instance_id,
                topic=f"{SEND_COMMAND_TOPIC}.{self._region}",
                payload=payload,
                created=now,
                expires_at=command["delivery_deadline"],
            )
        repo.update_invocations(conn, command["command_id"], instance_ids, {"dispatched_date": now})

    def withdraw(self, conn: Connection, command_id: str, instance_id: str) -> bool:
        """Take back an undelivered message; True if the node never acknowledged it."""
        return self._queue.withdraw(conn, message_id(command_id, instance_id))

    def _never_reached_node(self, conn: Connection, row: RowMapping) -> bool:
        """True if the node cannot have started this invocation: not dispatched, or its message
        still sits in the queue undelivered (then it is withdrawn). A delivered message may be
        running even before the node acknowledges it (the agent replies InProgress first)."""
        if row["dispatched_date"] is None:
            return True
        key = message_id(row["command_id"], row["instance_id"])
        message = self._queue.header(conn, key)
        if message is None or message.state != MessageState.QUEUED:
            return False
        return self._queue.withdraw(conn, key)

    def cancel_invocations(
        self, conn: Connection, command: RowMapping, invocations: Iterable[RowMapping], now: datetime
    ) -> set[str]:
        """Cancel non-terminal invocations; return the nodes that were sent a cancel message."""
        command_id = command["command_id"]
        cancelled: list[str] = []
        cancelling: list[str] = []
        for row in invocations:
            instance_id = row["instance_id"]
            if self._never_reached_node(conn, row):
                cancelled.append(instance_id)
                continue
            self._queue.enqueue(
                conn,
                message_id=f"aws.ssm.{new_uuid()}.{instance_id}",
                instance_id=instance_id,
                topic=f"{CANCEL_COMMAND_TOPIC}.{self._region}",
                payload={"CancelMessageId": message_id(command_id, instance_id)},
                created=now,
                expires_at=command["expires_after"],
            )
            cancelling.append(instance_id)
        repo.update_invocations(
            conn, command_id, cancelled, {"status": "Cancelled", "status_details": Details.CANCELLED}
        )
        repo.update_invocations(
            conn, command_id, cancelling, {"status": "Cancelling", "status_details": Details.CANCELLING}
        )
        return set(cancelling)

    def notify_nodes(self, instance_ids: Iterable[str]) -> None:
        for instance_id in instance_ids:
            self._notifier.notify(node_topic(instance_id))
