"""CloudWatch API handlers (JSON 1.0 and Query protocol alike): alarms, metric data, alarm tags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openssm.core.context import RequestContext
from openssm.core.paging import PageTokens, query_scope
from openssm.domain.alarms import wire
from openssm.domain.alarms.metric_service import MetricService
from openssm.domain.alarms.models import MetricIdentity, StateValue, StatisticsRequest
from openssm.domain.alarms.service import AlarmFilter, AlarmService, HistoryFilter
from openssm.protocol.registry import operation

CLOUDWATCH = "cloudwatch"
DEFAULT_MAX_RECORDS = 50
DEFAULT_HISTORY_RECORDS = 100


def _tuple(value: list[str] | None) -> tuple[str, ...] | None:
    """A list filter; an empty list filters nothing (the Query protocol cannot tell them apart)."""
    return tuple(value) if value else None


class CloudWatchHandlers:
    def __init__(self, alarms: AlarmService, metrics: MetricService, tokens: PageTokens) -> None:
        self._alarms = alarms
        self._metrics = metrics
        self._tokens = tokens

    @operation("PutMetricAlarm", service=CLOUDWATCH)
    def put_metric_alarm(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags") or ()}
        self._alarms.put_metric_alarm(ctx.account_id, wire.definition_from_wire(params), tags)
        return {}

    @operation("DescribeAlarms", service=CLOUDWATCH)
    def describe_alarms(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        query = AlarmFilter(
            names=_tuple(params.get("AlarmNames")),
            prefix=params.get("AlarmNamePrefix"),
            state=params.get("StateValue"),
            action_prefix=params.get("ActionPrefix"),
            alarm_types=_tuple(params.get("AlarmTypes")),
            related_to=params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName"),
        )
        scope = query_scope(
            "DescribeAlarms",
            ctx.account_id,
            query.names,
            query.prefix,
            query.state,
            query.action_prefix,
            query.alarm_types,
        )
        after = self._tokens.decode(scope, params["NextToken"]) if "NextToken" in params else None
        limit = params.get("MaxRecords", DEFAULT_MAX_RECORDS)
        alarms, position = self._alarms.describe_alarms(ctx.account_id, query, limit, after)
        result: dict[str, Any] = {
            "MetricAlarms": [wire.alarm_to_wire(a, self._alarms.arn(ctx.account_id, a.name)) for a in alarms],
            "CompositeAlarms": [],
        }
        if position is not None:
            result["NextToken"] = self._tokens.encode(scope, position)
        return result

    @operation("DescribeAlarmsForMetric", service=CLOUDWATCH)
    def describe_alarms_for_metric(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        alarms = self._alarms.describe_alarms_for_metric(
            ctx.account_id,
            params["Namespace"],
            params["MetricName"],
            statistic=params.get("Statistic"),
            extended_statistic=params.get("ExtendedStatistic"),
            dimensions=wire.dimensions_from_wire(params.get("Dimensions")),
            period=params.get("Period"),
            unit=params.get("Unit"),
        )
        return {
            "MetricAlarms": [wire.alarm_to_wire(a, self._alarms.arn(ctx.account_id, a.name)) for a in alarms]
        }

    @operation("DeleteAlarms", service=CLOUDWATCH)
    def delete_alarms(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._alarms.delete_alarms(ctx.account_id, params["AlarmNames"])
        return {}

    @operation("SetAlarmState", service=CLOUDWATCH)
    def set_alarm_state(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._alarms.set_alarm_state(
            ctx.account_id,
            params["AlarmName"],
            StateValue(params["StateValue"]),
            params["StateReason"],
            params.get("StateReasonData"),
        )
        return {}

    @operation("DescribeAlarmHistory", service=CLOUDWATCH)
    def describe_alarm_history(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        query = HistoryFilter(
            alarm_name=params.get("AlarmName"),
            alarm_types=_tuple(params.get("AlarmTypes")),
            item_type=params.get("HistoryItemType"),
            start=params.get("StartDate"),
            end=params.get("EndDate"),
            ascending=params.get("ScanBy") == "TimestampAscending",
        )
        scope = query_scope(
            "DescribeAlarmHistory",
            ctx.account_id,
            query.alarm_name,
            query.alarm_types,
            query.item_type,
            query.start.isoformat() if query.start else None,
            query.end.isoformat() if query.end else None,
            query.ascending,
        )
        after = None
        if "NextToken" in params:
            stamp, item_id = self._tokens.decode(scope, params["NextToken"])
            after = (datetime.fromisoformat(stamp), int(item_id))
        limit = params.get("MaxRecords", DEFAULT_HISTORY_RECORDS)
        items, position = self._alarms.history(ctx.account_id, query, limit, after)
        result: dict[str, Any] = {"AlarmHistoryItems": [wire.history_to_wire(item) for item in items]}
        if position is not None:
            result["NextToken"] = self._tokens.encode(scope, [position[0].isoformat(), position[1]])
        return result

    @operation("EnableAlarmActions", service=CLOUDWATCH)
    def enable_alarm_actions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._alarms.set_actions_enabled(ctx.account_id, params["AlarmNames"], True)
        return {}

    @operation("DisableAlarmActions", service=CLOUDWATCH)
    def disable_alarm_actions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._alarms.set_actions_enabled(ctx.account_id, params["AlarmNames"], False)
        return {}

    @operation("PutMetricData", service=CLOUDWATCH)
    def put_metric_data(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        data = list(params.get("MetricData") or ())
        for entity in params.get("EntityMetricData") or ():
            data.extend(entity.get("MetricData") or ())  # the entity itself is not kept
        self._metrics.put_metric_data(
            ctx.account_id, params["Namespace"], [wire.datum_from_wire(d) for d in data]
        )
        return {}

    @operation("GetMetricStatistics", service=CLOUDWATCH)
    def get_metric_statistics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        metric = MetricIdentity(
            params["Namespace"], params["MetricName"], wire.dimensions_from_wire(params.get("Dimensions"))
        )
        request = StatisticsRequest(
            metric=metric,
            start_time=params["StartTime"],
            end_time=params["EndTime"],
            period=params["Period"],
            statistics=tuple(params.get("Statistics") or ()),
            extended_statistics=tuple(params.get("ExtendedStatistics") or ()),
            unit=params.get("Unit"),
        )
        points = self._metrics.get_metric_statistics(ctx.account_id, request)
        return {
            "Label": metric.metric_name,
            "Datapoints": [wire.statistics_datapoint_to_wire(p) for p in points],
        }

    @operation("ListMetrics", service=CLOUDWATCH)
    def list_metrics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        filters = tuple((f["Name"], f.get("Value")) for f in params.get("Dimensions") or ())
        recently_active = params.get("RecentlyActive") == "PT3H"
        scope = query_scope(
            "ListMetrics",
            ctx.account_id,
            params.get("Namespace"),
            params.get("MetricName"),
            filters,
            recently_active,
        )
        after = self._tokens.decode(scope, params["NextToken"]) if "NextToken" in params else None
        listing = self._metrics.list_metrics(
            ctx.account_id,
            namespace=params.get("Namespace"),
            metric_name=params.get("MetricName"),
            dimension_filters=filters,
            recently_active=recently_active,
            after_id=after,
        )
        result: dict[str, Any] = {"Metrics": [wire.metric_to_wire(m) for m in listing.metrics]}
        if listing.next_position is not None:
            result["NextToken"] = self._tokens.encode(scope, listing.next_position)
        return result

    @operation("TagResource", service=CLOUDWATCH)
    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = {tag["Key"]: tag["Value"] for tag in params["Tags"]}
        self._alarms.tag_resource(ctx.account_id, params["ResourceARN"], tags)
        return {}

    @operation("UntagResource", service=CLOUDWATCH)
    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._alarms.untag_resource(ctx.account_id, params["ResourceARN"], params["TagKeys"])
        return {}

    @operation("ListTagsForResource", service=CLOUDWATCH)
    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = self._alarms.list_tags(ctx.account_id, params["ResourceARN"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
