"""Alarms and metrics as the domain sees them: dataclasses and StrEnums.

The enums mirror the `cloudwatch` model's enums (`tests/unit/alarms/test_alarm_models.py` checks
that they stay equal); `TreatMissingData` and `EvaluateLowSampleCountPercentile` are plain strings
in the model, their values come from the API reference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson


class StateValue(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class ComparisonOperator(StrEnum):
    GREATER_THAN_OR_EQUAL_TO_THRESHOLD = "GreaterThanOrEqualToThreshold"
    GREATER_THAN_THRESHOLD = "GreaterThanThreshold"
    LESS_THAN_THRESHOLD = "LessThanThreshold"
    LESS_THAN_OR_EQUAL_TO_THRESHOLD = "LessThanOrEqualToThreshold"
    LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD = "LessThanLowerOrGreaterThanUpperThreshold"
    LESS_THAN_LOWER_THRESHOLD = "LessThanLowerThreshold"
    GREATER_THAN_UPPER_THRESHOLD = "GreaterThanUpperThreshold"


BAND_OPERATORS = frozenset(
    {
        ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
        ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
        ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
    }
)
"""Operators that compare with an anomaly detection band (ThresholdMetricId), not a Threshold."""


class Statistic(StrEnum):
    SAMPLE_COUNT = "SampleCount"
    AVERAGE = "Average"
    SUM = "Sum"
    MINIMUM = "Minimum"
    MAXIMUM = "Maximum"


class TreatMissingData(StrEnum):
    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"
    IGNORE = "ignore"
    MISSING = "missing"


class LowSampleCountPercentile(StrEnum):
    EVALUATE = "evaluate"
    IGNORE = "ignore"


class HistoryItemType(StrEnum):
    CONFIGURATION_UPDATE = "ConfigurationUpdate"
    STATE_UPDATE = "StateUpdate"
    ACTION = "Action"


class AlarmType(StrEnum):
    METRIC_ALARM = "MetricAlarm"
    COMPOSITE_ALARM = "CompositeAlarm"


class EvaluationState(StrEnum):
    PARTIAL_DATA = "PARTIAL_DATA"
    EVALUATION_FAILURE = "EVALUATION_FAILURE"
    EVALUATION_ERROR = "EVALUATION_ERROR"


Dimensions = tuple[tuple[str, str], ...]
"""(name, value) pairs, in the order the caller gave them."""


@dataclass(frozen=True, slots=True)
class MetricIdentity:
    """A metric is its namespace, name and full set of dimensions (order does not matter)."""

    namespace: str
    metric_name: str
    dimensions: Dimensions = ()

    @property
    def sorted_dimensions(self) -> Dimensions:
        return tuple(sorted(self.dimensions))

    @property
    def dimensions_hash(self) -> str:
        return hashlib.sha256(orjson.dumps(self.sorted_dimensions)).hexdigest()


@dataclass(frozen=True, slots=True)
class MetricStat:
    metric: MetricIdentity
    period: int
    stat: str  # a Statistic or an extended statistic such as p99
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One entry of an alarm's `Metrics` (a MetricDataQuery)."""

    id: str
    metric_stat: MetricStat | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool | None = None
    period: int | None = None
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmDefinition:
    """Everything PutMetricAlarm sets; an update replaces all of it."""

    name: str
    description: str | None = None
    actions_enabled: bool = True
    ok_actions: tuple[str, ...] = ()
    alarm_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    metric_name: str | None = None
    namespace: str | None = None
    statistic: str | None = None
    extended_statistic: str | None = None
    dimensions: Dimensions = ()
    period: int | None = None
    unit: str | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    threshold: float | None = None
    comparison_operator: str | None = None
    treat_missing_data: str | None = None
    evaluate_low_sample_count_percentile: str | None = None
    metrics: tuple[MetricQuery, ...] | None = None
    threshold_metric_id: str | None = None
    evaluation_criteria: dict[str, Any] | None = None  # PromQL criteria: stored verbatim, not evaluated
    evaluation_interval: int | None = None

    @property
    def evaluation_period(self) -> int:
        """Seconds between evaluations: the alarm's Period, or that of its metrics (one period for
        all of them) for a `Metrics` alarm."""
        if self.period:
            return self.period
        queries = self.metrics or ()
        for period in (
            *(q.metric_stat.period for q in queries if q.metric_stat),
            *(q.period for q in queries),
        ):
            if period:
                return period
        return self.evaluation_interval or 60


@dataclass(frozen=True, slots=True)
class AlarmState:
    value: StateValue
    reason: str
    reason_data: str | None
    updated: datetime
    transitioned: datetime


@dataclass(frozen=True, slots=True)
class MetricAlarm:
    account_id: str
    definition: AlarmDefinition
    state: AlarmState
    configuration_updated: datetime
    evaluation_state: EvaluationState | None = None
    revision: int = 1

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True, slots=True)
class HistoryItem:
    alarm_name: str
    alarm_type: AlarmType
    timestamp: datetime
    item_type: HistoryItemType
    summary: str
    data: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class StatisticValues:
    sample_count: float
    sum: float
    minimum: float
    maximum: float


@dataclass(frozen=True, slots=True)
class MetricDatum:
    """One entry of PutMetricData, checked: exactly one of value / values / statistic_values."""

    metric_name: str
    dimensions: Dimensions = ()
    timestamp: datetime | None = None
    value: float | None = None
    values: tuple[float, ...] | None = None
    counts: tuple[float, ...] | None = None
    statistic_values: StatisticValues | None = None
    unit: str | None = None
    storage_resolution: int | None = None


@dataclass(frozen=True, slots=True)
class StatisticsRequest:
    """GetMetricStatistics."""

    metric: MetricIdentity
    start_time: datetime
    end_time: datetime
    period: int
    statistics: tuple[str, ...] = ()
    extended_statistics: tuple[str, ...] = ()
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class StatisticsDatapoint:
    timestamp: datetime
    unit: str
    values: dict[str, float] = field(default_factory=dict)  # Statistic name -> value
    extended: dict[str, float] = field(default_factory=dict)  # pNN -> value
