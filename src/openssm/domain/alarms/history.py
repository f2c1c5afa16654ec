"""Alarm history items as CloudWatch writes them: summaries and HistoryData JSON documents.

ConfigurationUpdate: `Alarm "x" created|updated|deleted` with `{"type": "Create", "version": "1.0",
"createdAlarm": {...}}` (`originalAlarm`/`updatedAlarm`, `deletedAlarm`). StateUpdate: `Alarm
updated from OK to ALARM` with `{"version": "1.0", "oldState": {...}, "newState": {...}}`. Action:
openssm runs no alarm actions (SNS, Auto Scaling, EC2...); each action due on a transition is
recorded as not executed, so nobody mistakes a configured action for one that ran.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from openssm.domain.alarms.evaluation import data_date
from openssm.domain.alarms.models import (
    AlarmDefinition,
    AlarmState,
    AlarmType,
    HistoryItem,
    HistoryItemType,
    MetricAlarm,
    StateValue,
)

MAX_HISTORY_DATA = 4095


def alarm_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{name}"


def _bounded(data: dict[str, Any], *droppable: tuple[str, ...]) -> str:
    """JSON within HistoryData's 4,095 characters: drop the given nested keys until it fits."""
    text = orjson.dumps(data).decode()
    for path in droppable:
        if len(text) <= MAX_HISTORY_DATA:
            break
        node: Any = data
        for key in path[:-1]:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(path[-1], None)
        text = orjson.dumps(data).decode()
    return text[:MAX_HISTORY_DATA]


def alarm_document(alarm: MetricAlarm, region: str) -> dict[str, Any]:
    d = alarm.definition
    document: dict[str, Any] = {
        "alarmName": d.name,
        "alarmArn": alarm_arn(region, alarm.account_id, d.name),
        "actionsEnabled": d.actions_enabled,
        "okactions": list(d.ok_actions),
        "alarmActions": list(d.alarm_actions),
        "insufficientDataActions": list(d.insufficient_data_actions),
        "timestamp": data_date(alarm.configuration_updated),
    }
    optional = {
        "alarmDescription": d.description,
        "namespace": d.namespace,
        "metricName": d.metric_name,
        "dimensions": [{"name": n, "value": v} for n, v in d.dimensions] if d.dimensions else None,
        "statistic": d.statistic,
        "extendedStatistic": d.extended_statistic,
        "period": d.period,
        "unit": d.unit,
        "evaluationPeriods": d.evaluation_periods,
        "datapointsToAlarm": d.datapoints_to_alarm,
        "threshold": d.threshold,
        "comparisonOperator": d.comparison_operator,
        "treatMissingData": d.treat_missing_data,
        "evaluateLowSampleCountPercentile": d.evaluate_low_sample_count_percentile,
        "thresholdMetricId": d.threshold_metric_id,
        "metrics": [{"id": q.id, "expression": q.expression, "returnData": q.return_data} for q in d.metrics]
        if d.metrics
        else None,
    }
    document.update({k: v for k, v in optional.items() if v is not None})
    return document


def configuration_update(
    kind: str, alarm: MetricAlarm, region: str, now: datetime, previous: MetricAlarm | None = None
) -> HistoryItem:
    """kind: Create, Update or Delete."""
    past = {"Create": "created", "Update": "updated", "Delete": "deleted"}[kind]
    data: dict[str, Any] = {"type": kind, "version": "1.0"}
    if kind == "Create":
        data["createdAlarm"] = alarm_document(alarm, region)
    elif kind == "Delete":
        data["deletedAlarm"] = alarm_document(alarm, region)
    else:
        assert previous is not None
        data["originalAlarm"] = alarm_document(previous, region)
        data["updatedAlarm"] = alarm_document(alarm, region)
    text = _bounded(data, ("originalAlarm", "metrics"), ("originalAlarm",), ("updatedAlarm", "metrics"))
    return HistoryItem(
        alarm.name,
        AlarmType.METRIC_ALARM,
        now,
        HistoryItemType.CONFIGURATION_UPDATE,
        f'Alarm "{alarm.name}" {past}',
        text,
    )


def _state_document(state: AlarmState) -> dict[str, Any]:
    document: dict[str, Any] = {"stateValue": state.value.value, "stateReason": state.reason}
    if state.reason_data:
        try:
            document["stateReasonData"] = orjson.loads(state.reason_data)
        except orjson.JSONDecodeError:
            document["stateReasonData"] = state.reason_data
    return document


def state_update(name: str, old: AlarmState, new: AlarmState, now: datetime) -> HistoryItem:
    data = {"version": "1.0", "oldState": _state_document(old), "newState": _state_document(new)}
    text = _bounded(data, ("oldState", "stateReasonData"), ("newState", "stateReasonData"))
    summary = f"Alarm updated from {old.value.value} to {new.value.value}"
    return HistoryItem(name, AlarmType.METRIC_ALARM, now, HistoryItemType.STATE_UPDATE, summary, text)


def actions_not_run(definition: AlarmDefinition, new: StateValue, now: datetime) -> list[HistoryItem]:
    """One Action item per action configured for the new state, when actions are enabled."""
    if not definition.actions_enabled:
        return []
    configured = {
        StateValue.OK: definition.ok_actions,
        StateValue.ALARM: definition.alarm_actions,
        StateValue.INSUFFICIENT_DATA: definition.insufficient_data_actions,
    }[new]
    items = []
    for action in configured:
        data = {
            "actionState": "Failed",
            "stateUpdateTimestamp": int(now.timestamp() * 1000),
            "notificationResource": action,
            "error": "openssm does not run alarm actions",
        }
        items.append(
            HistoryItem(
                definition.name,
                AlarmType.METRIC_ALARM,
                now,
                HistoryItemType.ACTION,
                f"Failed to execute action {action}"[:255],
                _bounded(data),
            )
        )
    return items
