"""ec2messages messages: validation and the two payloads Run Command sends.

Rules from agent/messageservice/utils/messageutil.go and agent/runcommand/contracts/model.go:
Topic, Destination, MessageId and CreatedDate must be non-empty; the topic starts with
`aws.ssm.sendCommand` or `aws.ssm.cancelCommand`; MessageId is `aws.ssm.<CommandId>.<InstanceId>`
and the command id is its second-to-last dot-separated field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

SEND_COMMAND_TOPIC = "aws.ssm.sendCommand"
CANCEL_COMMAND_TOPIC = "aws.ssm.cancelCommand"
_MESSAGE_ID = re.compile(r"aws\.ssm\..+\.+")


class InvalidMessage(ValueError):
    """A message the agent cannot act on."""


class Topic(StrEnum):
    SEND_COMMAND = "sendCommand"
    CANCEL_COMMAND = "cancelCommand"


@dataclass(frozen=True)
class Message:
    message_id: str
    destination: str
    created_date: str
    topic: str
    payload: str

    @property
    def kind(self) -> Topic | None:
        if self.topic.startswith(SEND_COMMAND_TOPIC):
            return Topic.SEND_COMMAND
        if self.topic.startswith(CANCEL_COMMAND_TOPIC):
            return Topic.CANCEL_COMMAND
        return None

    @property
    def command_id(self) -> str:
        return command_id_of(self.message_id)

    @property
    def created_at(self) -> datetime | None:
        return parse_created_date(self.created_date)


@dataclass(frozen=True)
class SendCommand:
    """The sendCommand payload (SendCommandPayload in the official agent)."""

    command_id: str
    document_name: str
    document_content: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    output_s3_bucket_name: str = ""
    output_s3_key_prefix: str = ""
    cloudwatch_log_group_name: str = ""
    cloudwatch_output_enabled: str = ""


def command_id_of(message_id: str) -> str:
    if not _MESSAGE_ID.match(message_id):
        raise InvalidMessage(f"invalid messageID format: {message_id}")
    return message_id.split(".")[-2]


def parse_created_date(value: str) -> datetime | None:
    """`2015-08-04T17:07:27.983Z` (milliseconds optional); None if unreadable."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_message(raw: dict[str, Any]) -> Message:
    values = {}
    for name in ("Topic", "Destination", "MessageId", "CreatedDate"):
        value = raw.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidMessage(f"{name} is missing")
        values[name] = value
    payload = raw.get("Payload")
    return Message(
        message_id=values["MessageId"],
        destination=values["Destination"],
        created_date=values["CreatedDate"],
        topic=values["Topic"],
        payload=payload if isinstance(payload, str) else "",
    )


def _json_object(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise InvalidMessage(f"encountered error while parsing input - internal error {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidMessage("encountered error while parsing input - the payload is not a JSON object")
    return data


def _string(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def parse_send_command(message: Message) -> SendCommand:
    data = _json_object(message.payload)
    content = data.get("DocumentContent")
    if not isinstance(content, dict):
        raise InvalidMessage("encountered error while parsing input - DocumentContent is not an object")
    parameters = data.get("Parameters")
    enabled = data.get("CloudWatchOutputEnabled")
    return SendCommand(
        command_id=_string(data, "CommandId") or message.command_id,
        document_name=_string(data, "DocumentName"),
        document_content=content,
        parameters=parameters if isinstance(parameters, dict) else {},
        output_s3_bucket_name=_string(data, "OutputS3BucketName"),
        output_s3_key_prefix=_string(data, "OutputS3KeyPrefix"),
        cloudwatch_log_group_name=_string(data, "CloudWatchLogGroupName"),
        cloudwatch_output_enabled=str(enabled).lower()
        if isinstance(enabled, bool)
        else _string(data, "CloudWatchOutputEnabled"),
    )


def parse_cancel_command(message: Message) -> str:
    """The MessageId of the sendCommand to cancel."""
    data = _json_object(message.payload)
    target = data.get("CancelMessageId")
    if not isinstance(target, str) or not target:
        raise InvalidMessage("CancelMessageId is missing")
    return target
