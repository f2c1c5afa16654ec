"""ec2messages messages as a node API would queue them for the agent."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any


def make_message(
    instance_id: str,
    document: dict[str, Any],
    parameters: dict[str, Any] | None = None,
    *,
    command_id: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    command_id = command_id or str(uuid.uuid4())
    created = created or datetime.now(UTC)
    payload = {
        "Parameters": parameters or {},
        "DocumentContent": document,
        "CommandId": command_id,
        "DocumentName": "AWS-RunShellScript",
        "OutputS3KeyPrefix": "",
        "OutputS3BucketName": "",
        "CloudWatchLogGroupName": "",
        "CloudWatchOutputEnabled": "false",
    }
    return {
        "CreatedDate": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
        "Destination": instance_id,
        "MessageId": f"aws.ssm.{command_id}.{instance_id}",
        "Payload": json.dumps(payload),
        "Topic": "aws.ssm.sendCommand.test",
    }


def cancel_message(instance_id: str, target_message_id: str) -> dict[str, Any]:
    cancel_id = str(uuid.uuid4())
    return {
        "CreatedDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "Destination": instance_id,
        "MessageId": f"aws.ssm.{cancel_id}.{instance_id}",
        "Payload": json.dumps({"CancelMessageId": target_message_id}),
        "Topic": "aws.ssm.cancelCommand.test",
    }
