"""Run Command rows -> the wire shapes `Command`, `CommandInvocation`, `CommandPlugin` and the
GetCommandInvocation result (with AWS's output limits and empty-value conventions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from openssm.domain.commands.status import is_terminal

STANDARD_OUTPUT_LIMIT = 24_000
STANDARD_ERROR_LIMIT = 8_000
PLUGIN_OUTPUT_LIMIT = 2_500
STREAM_TRUNCATED_SUFFIX = "--output truncated--"
EMPTY_NOTIFICATION = {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""}
EMPTY_CLOUDWATCH = {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False}
EMPTY_ALARMS = {"IgnorePollAlarmFailure": False, "Alarms": []}


def java_duration(seconds: float) -> str:
    """ISO-8601 duration as Java's Duration prints it: PT0.056S, PT1M5.5S, PT2H."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if millis or text == "PT":
        whole, fraction = divmod(millis, 1000)
        text += f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") + "S"
    return text


def stream_prefix(text: str, limit: int) -> str:
    """What AWS shows of a stream: the whole of it below `limit` characters, else its start and
    the agent's `--output truncated--` marker, `limit` characters in all (as the official agent
    cuts `standardOutput`; applying it to an already cut copy changes nothing)."""
    if len(text) < limit:
        return text
    return text[: limit - len(STREAM_TRUNCATED_SUFFIX)] + STREAM_TRUNCATED_SUFFIX


def plugin_names(content: dict[str, Any]) -> list[str]:
    """Step names (schema 2.x) or plugin names (1.2), in document order."""
    if str(content.get("schemaVersion", "")).startswith("2"):
        return [str(step.get("name")) for step in content.get("mainSteps") or [] if isinstance(step, dict)]
    return list((content.get("runtimeConfig") or {}).keys())


def command(row: RowMapping) -> dict[str, Any]:
    return {
        "CommandId": row["command_id"],
        "DocumentName": row["document_name"],
        "DocumentVersion": row["document_version"],
        "Comment": row["comment"],
        "ExpiresAfter": row["expires_after"],
        "Parameters": row["parameters"],
        "InstanceIds": row["instance_ids"],
        "Targets": row["targets"],
        "RequestedDateTime": row["requested_date"],
        "Status": row["status"],
        "StatusDetails": row["status_details"],
        "OutputS3Region": row["output_s3_region"],
        "OutputS3BucketName": row["output_s3_bucket_name"],
        "OutputS3KeyPrefix": row["output_s3_key_prefix"],
        "MaxConcurrency": row["max_concurrency"],
        "MaxErrors": row["max_errors"],
        "TargetCount": row["target_count"],
        "CompletedCount": row["completed_count"],
        "ErrorCount": row["error_count"],
        "DeliveryTimedOutCount": row["delivery_timed_out_count"],
        "ServiceRole": row["service_role"],
        "NotificationConfig": row["notification_config"] or EMPTY_NOTIFICATION,
        "CloudWatchOutputConfig": row["cloudwatch_output_config"] or EMPTY_CLOUDWATCH,
        "TimeoutSeconds": row["timeout_seconds"],
        "AlarmConfiguration": row["alarm_configuration"] or EMPTY_ALARMS,
        "TriggeredAlarms": row["triggered_alarms"],
    }


def _plugin(row: RowMapping | None, name: str, region: str) -> dict[str, Any]:
    if row is None:
        return {
            "Name": name,
            "Status": "Pending",
            "StatusDetails": "Pending",
            "ResponseCode": -1,
            "Output": "",
            "StandardOutputUrl": "",
            "StandardErrorUrl": "",
            "OutputS3Region": region,
            "OutputS3BucketName": "",
            "OutputS3KeyPrefix": "",
        }
    output = row["output"]
    if len(output) > PLUGIN_OUTPUT_LIMIT:
        marker = "\n---Output truncated---"
        output = output[: PLUGIN_OUTPUT_LIMIT - len(marker)] + marker
    return {
        "Name": row["name"],
        "Status": row["status"],
        "StatusDetails": row["status_details"],
        "ResponseCode": row["response_code"],
        "ResponseStartDateTime": row["response_start"],
        "ResponseFinishDateTime": row["response_finish"],
        "Output": output,
        "StandardOutputUrl": "",
        "StandardErrorUrl": "",
        "OutputS3Region": region,
        "OutputS3BucketName": row["output_s3_bucket_name"],
        "OutputS3KeyPrefix": row["output_s3_key_prefix"],
    }


def invocation(
    row: RowMapping, cmd: RowMapping, plugins: list[RowMapping] | None, region: str
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "CommandId": row["command_id"],
        "InstanceId": row["instance_id"],
        "InstanceName": row["instance_name"],
        "Comment": cmd["comment"],
        "DocumentName": cmd["document_name"],
        "DocumentVersion": cmd["document_version"],
        "RequestedDateTime": row["requested_date"],
        "Status": row["status"],
        "StatusDetails": row["status_details"],
        "TraceOutput": row["trace_output"],
        "StandardOutputUrl": "",
        "StandardErrorUrl": "",
        "CommandPlugins": [],
        "ServiceRole": cmd["service_role"],
        "NotificationConfig": cmd["notification_config"] or EMPTY_NOTIFICATION,
        "CloudWatchOutputConfig": cmd["cloudwatch_output_config"] or EMPTY_CLOUDWATCH,
    }
    if plugins is not None:
        stored = {p["name"]: p for p in plugins}
        names = plugin_names(cmd["document_content"])
        names += [name for name in stored if name not in names]
        result["CommandPlugins"] = [_plugin(stored.get(name), name, region) for name in names]
    return result


def _iso_or_empty(value: datetime | None) -> datetime | str:
    return value if value is not None else ""


def command_invocation_result(
    row: RowMapping, cmd: RowMapping, plugin_name: str, plugin: RowMapping | None
) -> dict[str, Any]:
    """GetCommandInvocation for one plugin (step) of one node."""
    use_plugin = (
        plugin is not None and is_terminal(plugin["status_details"]) and plugin["status"] != "InProgress"
    )
    status = plugin["status"] if use_plugin and plugin else row["status"]
    details = plugin["status_details"] if use_plugin and plugin else row["status_details"]
    finished = is_terminal(row["status_details"]) or use_plugin
    start = plugin["response_start"] if plugin else None
    end = plugin["response_finish"] if plugin else None
    elapsed = java_duration((end - start).total_seconds()) if start and end else ""
    return {
        "CommandId": row["command_id"],
        "InstanceId": row["instance_id"],
        "Comment": cmd["comment"],
        "DocumentName": cmd["document_name"],
        "DocumentVersion": cmd["document_version"],
        "PluginName": plugin_name,
        "ResponseCode": plugin["response_code"] if plugin else -1,
        "ExecutionStartDateTime": _iso_or_empty(start),
        "ExecutionElapsedTime": elapsed,
        "ExecutionEndDateTime": _iso_or_empty(end),
        "Status": status,
        "StatusDetails": details,
        "StandardOutputContent": (
            stream_prefix(plugin["standard_output"], STANDARD_OUTPUT_LIMIT) if plugin and finished else ""
        ),
        "StandardOutputUrl": "",
        "StandardErrorContent": (
            stream_prefix(plugin["standard_error"], STANDARD_ERROR_LIMIT) if plugin and finished else ""
        ),
        "StandardErrorUrl": "",
        "CloudWatchOutputConfig": cmd["cloudwatch_output_config"] or EMPTY_CLOUDWATCH,
    }
