"""CloudWatch wire dicts <-> alarm and metric domain values (used by handlers.py only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openssm.domain.alarms.models import (
    AlarmDefinition,
    Dimensions,
    HistoryItem,
    MetricAlarm,
    MetricDatum,
    MetricIdentity,
    MetricQuery,
    MetricStat,
    StatisticsDatapoint,
    StatisticValues,
)


def dimensions_from_wire(value: Sequence[Mapping[str, str]] | None) -> Dimensions:
    return tuple((d["Name"], d["Value"]) for d in value or ())


def dimensions_to_wire(dimensions: Dimensions) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in dimensions]


def metric_to_wire(metric: MetricIdentity) -> dict[str, Any]:
    return {
        "Namespace": metric.namespace,
        "MetricName": metric.metric_name,
        "Dimensions": dimensions_to_wire(metric.dimensions),
    }


def _query_from_wire(q: Mapping[str, Any]) -> MetricQuery:
    stat = q.get("MetricStat")
    metric_stat = None
    if stat is not None:
        metric = stat.get("Metric", {})
        identity = MetricIdentity(
            metric.get("Namespace", ""),
            metric.get("MetricName", ""),
            dimensions_from_wire(metric.get("Dimensions")),
        )
        metric_stat = MetricStat(identity, stat["Period"], stat["Stat"], stat.get("Unit"))
    return MetricQuery(
        id=q["Id"],
        metric_stat=metric_stat,
        expression=q.get("Expression"),
        label=q.get("Label"),
        return_data=q.get("ReturnData"),
        period=q.get("Period"),
        account_id=q.get("AccountId"),
    )


def _query_to_wire(q: MetricQuery) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": q.id}
    if q.metric_stat is not None:
        s = q.metric_stat
        out["MetricStat"] = {
            "Metric": metric_to_wire(s.metric),
            "Period": s.period,
            "Stat": s.stat,
            "Unit": s.unit,
        }
    out.update(
        Expression=q.expression,
        Label=q.label,
        ReturnData=q.return_data,
        Period=q.period,
        AccountId=q.account_id,
    )
    return out


def definition_from_wire(p: Mapping[str, Any]) -> AlarmDefinition:
    metrics = p.get("Metrics")
    return AlarmDefinition(
        name=p["AlarmName"],
        description=p.get("AlarmDescription"),
        actions_enabled=p.get("ActionsEnabled", True),
        ok_actions=tuple(p.get("OKActions") or ()),
        alarm_actions=tuple(p.get("AlarmActions") or ()),
        insufficient_data_actions=tuple(p.get("InsufficientDataActions") or ()),
        metric_name=p.get("MetricName"),
        namespace=p.get("Namespace"),
        statistic=p.get("Statistic"),
        extended_statistic=p.get("ExtendedStatistic"),
        dimensions=dimensions_from_wire(p.get("Dimensions")),
        period=p.get("Period"),
        unit=p.get("Unit"),
        evaluation_periods=p.get("EvaluationPeriods"),
        datapoints_to_alarm=p.get("DatapointsToAlarm"),
        threshold=p.get("Threshold"),
        comparison_operator=p.get("ComparisonOperator"),
        treat_missing_data=p.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
        metrics=tuple(_query_from_wire(q) for q in metrics) if metrics is not None else None,
        threshold_metric_id=p.get("ThresholdMetricId"),
        evaluation_criteria=p.get("EvaluationCriteria"),
        evaluation_interval=p.get("EvaluationInterval"),
    )


def alarm_to_wire(alarm: MetricAlarm, arn: str) -> dict[str, Any]:
    d, s = alarm.definition, alarm.state
    return {
        "AlarmName": d.name,
        "AlarmArn": arn,
        "AlarmDescription": d.description,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated,
        "ActionsEnabled": d.actions_enabled,
        "OKActions": list(d.ok_actions),
        "AlarmActions": list(d.alarm_actions),
        "InsufficientDataActions": list(d.insufficient_data_actions),
        "StateValue": s.value.value,
        "StateReason": s.reason,
        "StateReasonData": s.reason_data,
        "StateUpdatedTimestamp": s.updated,
        "MetricName": d.metric_name,
        "Namespace": d.namespace,
        "Statistic": d.statistic,
        "ExtendedStatistic": d.extended_statistic,
        "Dimensions": dimensions_to_wire(d.dimensions),
        "Period": d.period,
        "Unit": d.unit,
        "EvaluationPeriods": d.evaluation_periods,
        "DatapointsToAlarm": d.datapoints_to_alarm,
        "Threshold": d.threshold,
        "ComparisonOperator": d.comparison_operator,
        "TreatMissingData": d.treat_missing_data,
        "EvaluateLowSampleCountPercentile": d.evaluate_low_sample_count_percentile,
        "Metrics": [_query_to_wire(q) for q in d.metrics] if d.metrics is not None else None,
        "ThresholdMetricId": d.threshold_metric_id,
        "EvaluationState": alarm.evaluation_state.value if alarm.evaluation_state else None,
        "StateTransitionedTimestamp": s.transitioned,
        "EvaluationCriteria": d.evaluation_criteria,
        "EvaluationInterval": d.evaluation_interval,
    }


def history_to_wire(item: HistoryItem) -> dict[str, Any]:
    return {
        "AlarmName": item.alarm_name,
        "AlarmType": item.alarm_type.value,
        "Timestamp": item.timestamp,
        "HistoryItemType": item.item_type.value,
        "HistorySummary": item.summary,
        "HistoryData": item.data,
    }


def datum_from_wire(d: Mapping[str, Any]) -> MetricDatum:
    stats = d.get("StatisticValues")
    return MetricDatum(
        metric_name=d["MetricName"],
        dimensions=dimensions_from_wire(d.get("Dimensions")),
        timestamp=d.get("Timestamp"),
        value=d.get("Value"),
        values=tuple(d["Values"]) if d.get("Values") is not None else None,
        counts=tuple(d["Counts"]) if d.get("Counts") is not None else None,
        statistic_values=StatisticValues(
            stats["SampleCount"], stats["Sum"], stats["Minimum"], stats["Maximum"]
        )
        if stats is not None
        else None,
        unit=d.get("Unit"),
        storage_resolution=d.get("StorageResolution"),
    )


def statistics_datapoint_to_wire(point: StatisticsDatapoint) -> dict[str, Any]:
    out: dict[str, Any] = {"Timestamp": point.timestamp, **point.values, "Unit": point.unit}
    if point.extended:
        out["ExtendedStatistics"] = dict(point.extended)
    return out
