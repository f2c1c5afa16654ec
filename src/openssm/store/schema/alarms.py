"""The built-in CloudWatch: metric alarms, their history, metrics and their data points."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from openssm.store.schema.base import Json, UtcDateTime, metadata

metric_alarms = Table(
    "metric_alarms",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("alarm_name", String(255), primary_key=True),
    Column("alarm_description", String(1024)),
    Column("actions_enabled", Boolean, nullable=False, default=True),
    Column("ok_actions", Json, nullable=False),
    Column("alarm_actions", Json, nullable=False),
    Column("insufficient_data_actions", Json, nullable=False),
    Column("metric_name", String(255)),
    Column("namespace", String(255)),
    Column("statistic", String(16)),
    Column("extended_statistic", String(64)),
    Column("dimensions", Json, nullable=False),  # [[name, value], ...] as given
    Column("period", Integer),
    Column("unit", String(32)),
    Column("evaluation_periods", Integer),
    Column("datapoints_to_alarm", Integer),
    Column("threshold", Float),
    Column("comparison_operator", String(64)),
    Column("treat_missing_data", String(16)),
    Column("evaluate_low_sample_count_percentile", String(16)),
    Column("metrics", Json),  # MetricDataQuery list, wire form, as given
    Column("threshold_metric_id", String(255)),
    Column("evaluation_criteria", Json),  # stored, not evaluated
    Column("evaluation_interval", Integer),
    Column("state_value", String(17), nullable=False),
    Column("state_reason", String(1023), nullable=False),
    Column("state_reason_data", Text),
    Column("state_updated", UtcDateTime, nullable=False),
    Column("state_transitioned", UtcDateTime, nullable=False),
    Column("evaluation_state", String(32)),
    Column("configuration_updated", UtcDateTime, nullable=False),
    Column("revision", Integer, nullable=False, default=1),  # bumped by every write (optimistic claims)
    Column("next_evaluation_at", UtcDateTime, nullable=False),  # due column of the evaluator
    Index("ix_metric_alarms_due", "next_evaluation_at"),
    Index("ix_metric_alarms_metric", "account_id", "namespace", "metric_name"),
)

alarm_history = Table(
    "alarm_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),
    Column("alarm_name", String(255), nullable=False),
    Column("alarm_type", String(16), nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("history_item_type", String(32), nullable=False),
    Column("history_summary", String(255), nullable=False),
    Column("history_data", Text, nullable=False),
    Index("ix_alarm_history_alarm", "account_id", "alarm_name", "timestamp"),
    Index("ix_alarm_history_time", "account_id", "timestamp"),
)

metrics = Table(
    "metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),
    Column("namespace", String(255), nullable=False),
    Column("metric_name", String(255), nullable=False),
    Column("dimensions_hash", String(64), nullable=False),  # SHA-256 of the sorted dimensions
    Column("dimensions", Json, nullable=False),  # [[name, value], ...] sorted by name
    Column("last_put", UtcDateTime, nullable=False),
    UniqueConstraint("account_id", "namespace", "metric_name", "dimensions_hash"),
)

metric_data = Table(
    "metric_data",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("metric_id", Integer, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("storage_resolution", Integer, nullable=False),
    Column("sample_count", Float, nullable=False),
    Column("sum", Float, nullable=False),
    Column("minimum", Float, nullable=False),
    Column("maximum", Float, nullable=False),
    Column("values", Json),  # [[value, count], ...] raw values for percentiles; NULL for a statistic set
    Index("ix_metric_data_metric_time", "metric_id", "timestamp"),
    Index("ix_metric_data_time", "timestamp"),
)
