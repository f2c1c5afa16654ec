"""Run Command: commands, one invocation per node, one plugin result per document step."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from openssm.store.schema.base import Json, UtcDateTime, metadata

commands = Table(
    "commands",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("document_name", String(256), nullable=False),
    Column("document_version", String(16), nullable=False),  # as requested ($DEFAULT, $LATEST, n)
    Column("resolved_document_version", String(16), nullable=False),
    Column("document_content", Json, nullable=False),  # the document sent to nodes (JSON object)
    Column("platform_types", Json, nullable=False),  # the document's platform types
    Column("document_schema_version", String(8), nullable=False),
    Column("comment", String(100), nullable=False, default=""),
    Column("parameters", Json, nullable=False),  # name -> list of strings, as given (echoed)
    Column("resolved_parameters", Json, nullable=False),  # validated, defaults filled (sent to nodes)
    Column("instance_ids", Json, nullable=False),  # as given (empty with Targets)
    Column("targets", Json, nullable=False),  # as given, caller's key spelling kept
    Column("requested_date", UtcDateTime, nullable=False),
    Column("expires_after", UtcDateTime, nullable=False),
    Column("delivery_deadline", UtcDateTime, nullable=False),  # requested + TimeoutSeconds
    Column("timeout_seconds", Integer, nullable=False),
    Column("execution_timeout", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_details", String(32), nullable=False),
    Column("target_count", Integer, nullable=False, default=0),
    Column("completed_count", Integer, nullable=False, default=0),
    Column("error_count", Integer, nullable=False, default=0),
    Column("delivery_timed_out_count", Integer, nullable=False, default=0),
    Column("max_concurrency", String(7), nullable=False),
    Column("max_errors", String(7), nullable=False),
    Column("targets_resolved", Boolean, nullable=False, default=False),
    Column("stop_reason", String(16)),  # cancel | alarm | max_errors
    Column("output_s3_region", String(20), nullable=False, default=""),
    Column("output_s3_bucket_name", String(63), nullable=False, default=""),
    Column("output_s3_key_prefix", String(500), nullable=False, default=""),
    Column("service_role", String(256), nullable=False, default=""),
    Column("notification_config", Json, nullable=False),
    Column("cloudwatch_output_config", Json, nullable=False),
    Column("alarm_configuration", Json),
    Column("triggered_alarms", Json, nullable=False),
    Column("next_check_at", UtcDateTime),  # due column for the run-command worker; NULL when done
    Column("claimed_until", UtcDateTime),
    Column("claim_token", String(36)),
    Index("ix_commands_account_requested", "account_id", "requested_date"),
    Index("ix_commands_due", "next_check_at"),
)

command_invocations = Table(
    "command_invocations",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("instance_id", String(20), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("seq", Integer, nullable=False),  # dispatch order
    Column("instance_name", String(256), nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("status_details", String(32), nullable=False),
    Column("requested_date", UtcDateTime, nullable=False),
    Column("dispatched_date", UtcDateTime),
    Column("execution_start", UtcDateTime),
    Column("execution_end", UtcDateTime),
    Column("response_code", Integer, nullable=False, default=-1),
    Column("trace_output", Text, nullable=False, default=""),
    Index("ix_command_invocations_instance", "instance_id", "requested_date"),
    Index("ix_command_invocations_status", "command_id", "status"),
)

command_plugins = Table(
    "command_plugins",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("instance_id", String(20), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_details", String(32), nullable=False),
    Column("response_code", Integer, nullable=False, default=-1),
    Column("response_start", UtcDateTime),
    Column("response_finish", UtcDateTime),
    Column("output", Text, nullable=False, default=""),  # the agent's <= 2,500-char summary
    Column("standard_output", Text, nullable=False, default=""),  # full, as received
    Column("standard_error", Text, nullable=False, default=""),  # full, as received
    Column("output_s3_region", String(20), nullable=False, default=""),
    Column("output_s3_bucket_name", String(63), nullable=False, default=""),
    Column("output_s3_key_prefix", String(500), nullable=False, default=""),
)
