"""Run Command values: statuses (wire spelling), the command and invocation records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class CommandStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCESS = "Success"
    CANCELLED = "Cancelled"
    FAILED = "Failed"
    TIMED_OUT = "TimedOut"
    CANCELLING = "Cancelling"


class InvocationStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    DELAYED = "Delayed"
    SUCCESS = "Success"
    CANCELLED = "Cancelled"
    TIMED_OUT = "TimedOut"
    FAILED = "Failed"
    CANCELLING = "Cancelling"


class Details(StrEnum):
    """StatusDetails as sent on the wire (CamelCase, no spaces)."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    DELAYED = "Delayed"
    SUCCESS = "Success"
    FAILED = "Failed"
    EXECUTION_TIMED_OUT = "ExecutionTimedOut"
    DELIVERY_TIMED_OUT = "DeliveryTimedOut"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"
    UNDELIVERABLE = "Undeliverable"
    TERMINATED = "Terminated"
    INVALID_PLATFORM = "InvalidPlatform"
    ACCESS_DENIED = "AccessDenied"
    INCOMPLETE = "Incomplete"
    NO_INSTANCES_IN_TAG = "NoInstancesInTag"
    RATE_EXCEEDED = "RateExceeded"


class StopReason(StrEnum):
    CANCEL = "cancel"
    ALARM = "alarm"
    MAX_ERRORS = "max_errors"


@dataclass(frozen=True, slots=True)
class InvocationState:
    """The (Status, StatusDetails) pair of one invocation."""

    status: str
    details: str


@dataclass(frozen=True, slots=True)
class SendCommandRequest:
    document_name: str
    document_version: str | None
    document_hash: str | None
    document_hash_type: str | None
    instance_ids: list[str] | None
    targets: list[dict[str, Any]] | None
    parameters: dict[str, list[str]]
    timeout_seconds: int
    comment: str
    output_s3_region: str
    output_s3_bucket_name: str
    output_s3_key_prefix: str
    max_concurrency: str
    max_errors: str
    service_role_arn: str
    notification_config: dict[str, Any]
    cloudwatch_output_config: dict[str, Any]
    alarm_configuration: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PluginResult:
    """One step's result as a node reported it."""

    name: str
    status: str
    status_details: str
    response_code: int
    output: str
    standard_output: str
    standard_error: str
    response_start: datetime | None
    response_finish: datetime | None
    output_s3_bucket_name: str = ""
    output_s3_key_prefix: str = ""
