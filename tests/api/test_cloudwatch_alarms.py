"""The built-in CloudWatch alarms API through boto3 (JSON 1.0, as the installed SDK sends it)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique
from tests.support.server import ServerProcess


def alarm(cloudwatch: Any, name: str, **extra: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": name,
        "MetricName": "5xx",
        "Namespace": "App",
        "Statistic": "Sum",
        "Period": 10,
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        **extra,
    }
    cloudwatch.put_metric_alarm(**params)


def described(cloudwatch: Any, name: str) -> dict[str, Any]:
    (found,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    result: dict[str, Any] = found
    return result


def wait_for_state(cloudwatch: Any, name: str, state: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = described(cloudwatch, name)
        if found["StateValue"] == state or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture
def cloudwatch(server: ServerProcess) -> Any:
    return server.client("cloudwatch")


def test_put_then_describe_returns_every_field(cloudwatch: Any, server: ServerProcess) -> None:
    name = unique("fields")
    alarm(
        cloudwatch,
        name,
        AlarmDescription="5xx on the web tier",
        ActionsEnabled=False,
        OKActions=["arn:aws:sns:us-east-1:123456789012:ok"],
        AlarmActions=["arn:aws:sns:us-east-1:123456789012:page"],
        InsufficientDataActions=["arn:aws:sns:us-east-1:123456789012:nodata"],
        Dimensions=[{"Name": "Tier", "Value": "web"}],
        Unit="Count",
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        TreatMissingData="notBreaching",
        Tags=[{"Key": "team", "Value": "web"}],
    )

    found = described(cloudwatch, name)

    account = server.credentials["account_id"]
    assert found["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{name}"
    expected = {
        "AlarmName": name,
        "AlarmDescription": "5xx on the web tier",
        "ActionsEnabled": False,
        "OKActions": ["arn:aws:sns:us-east-1:123456789012:ok"],
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:page"],
        "InsufficientDataActions": ["arn:aws:sns:us-east-1:123456789012:nodata"],
        "MetricName": "5xx",
        "Namespace": "App",
        "Statistic": "Sum",
        "Dimensions": [{"Name": "Tier", "Value": "web"}],
        "Period": 10,
        "Unit": "Count",
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }
    assert {k: found[k] for k in expected} == expected
    assert found["StateValue"] in ("INSUFFICIENT_DATA", "OK")
    for stamp in (
        "AlarmConfigurationUpdatedTimestamp",
        "StateUpdatedTimestamp",
        "StateTransitionedTimestamp",
    ):
        assert abs(found[stamp] - datetime.now(UTC)) < timedelta(minutes=1)
    tags = cloudwatch.list_tags_for_resource(ResourceARN=found["AlarmArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "web"}]


def test_metric_data_drives_an_alarm_into_alarm_by_evaluation(cloudwatch: Any) -> None:
    name, metric = unique("eval"), unique("errors")
    alarm(cloudwatch, name, MetricName=metric)

    cloudwatch.put_metric_data(Namespace="App", MetricData=[{"MetricName": metric, "Value": 50}])

    found = wait_for_state(cloudwatch, name, "ALARM", timeout=2)  # evaluated as soon as it arrives
    assert found["StateValue"] == "ALARM"
    assert found["StateReason"].startswith("Threshold Crossed: 1 datapoint [50.0 (")
    reason_data = json.loads(found["StateReasonData"])
    assert reason_data["recentDatapoints"] == [50.0] and reason_data["period"] == 10
    history = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")[
        "AlarmHistoryItems"
    ]
    assert history[0]["HistorySummary"].endswith("to ALARM")
    assert json.loads(history[0]["HistoryData"])["newState"]["stateValue"] == "ALARM"


def test_set_alarm_state_is_visible_and_recorded(cloudwatch: Any) -> None:
    name = unique("set")
    alarm(cloudwatch, name, Period=3600, TreatMissingData="ignore")

    cloudwatch.set_alarm_state(
        AlarmName=name, StateValue="ALARM", StateReason="testing the gate", StateReasonData='{"by": "test"}'
    )

    found = described(cloudwatch, name)
    assert (found["StateValue"], found["StateReason"], found["StateReasonData"]) == (
        "ALARM",
        "testing the gate",
        '{"by": "test"}',
    )
    items = cloudwatch.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in items] == ["StateUpdate", "ConfigurationUpdate"]
    assert items[0]["AlarmType"] == "MetricAlarm"


def test_describe_filters_and_pages(cloudwatch: Any) -> None:
    prefix = unique("page") + "-"
    names = [f"{prefix}{i}" for i in range(7)]
    for name in names:
        alarm(cloudwatch, name, Period=3600, TreatMissingData="ignore")
    cloudwatch.set_alarm_state(AlarmName=names[3], StateValue="ALARM", StateReason="x")

    pages, token = [], None
    while True:
        kwargs: dict[str, Any] = {"AlarmNamePrefix": prefix, "MaxRecords": 3}
        if token:
            kwargs["NextToken"] = token
        page = cloudwatch.describe_alarms(**kwargs)
        pages.append([a["AlarmName"] for a in page["MetricAlarms"]])
        assert page["CompositeAlarms"] == []
        token = page.get("NextToken")
        if not token:
            break

    assert pages == [names[0:3], names[3:6], names[6:7]]
    in_alarm = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, StateValue="ALARM")["MetricAlarms"]
    assert [a["AlarmName"] for a in in_alarm] == [names[3]]
    composite = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, AlarmTypes=["CompositeAlarm"])
    assert composite["MetricAlarms"] == [] and composite["CompositeAlarms"] == []
    paginator = cloudwatch.get_paginator("describe_alarms")
    listed = [
        a["AlarmName"]
        for p in paginator.paginate(AlarmNamePrefix=prefix, MaxRecords=2)
        for a in p["MetricAlarms"]
    ]
    assert listed == names


def test_a_foreign_or_altered_next_token_is_refused(cloudwatch: Any) -> None:
    prefix = unique("tok") + "-"
    for i in range(3):
        alarm(cloudwatch, f"{prefix}{i}", Period=3600)
    token = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, MaxRecords=1)["NextToken"]

    for bad in (token[:-2] + "xx", token):
        with pytest.raises(cloudwatch.exceptions.InvalidNextToken):
            cloudwatch.describe_alarms(AlarmNamePrefix=prefix + "other", NextToken=bad)


def test_delete_alarms(cloudwatch: Any) -> None:
    names = [unique("del"), unique("del")]
    for name in names:
        alarm(cloudwatch, name)

    cloudwatch.delete_alarms(AlarmNames=[names[0], unique("never-existed")])

    assert [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]] == [
        names[1]
    ]
    history = cloudwatch.describe_alarm_history(AlarmName=names[0])["AlarmHistoryItems"]
    assert history[0]["HistorySummary"] == f'Alarm "{names[0]}" deleted'


def test_history_filters_order_and_pages(cloudwatch: Any) -> None:
    name = unique("hist")
    alarm(cloudwatch, name, Period=3600, TreatMissingData="ignore")
    for state in ("OK", "ALARM", "OK", "ALARM"):
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"to {state}")

    newest_first = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")
    oldest_first = cloudwatch.describe_alarm_history(
        AlarmName=name, HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )
    paged: list[str] = []
    for page in cloudwatch.get_paginator("describe_alarm_history").paginate(AlarmName=name, MaxRecords=2):
        paged += [i["HistorySummary"] for i in page["AlarmHistoryItems"]]
    future = cloudwatch.describe_alarm_history(
        AlarmName=name, StartDate=datetime.now(UTC) + timedelta(hours=1)
    )
    past = cloudwatch.describe_alarm_history(
        AlarmName=name,
        StartDate=datetime.now(UTC) - timedelta(hours=1),
        EndDate=datetime.now(UTC) + timedelta(hours=1),
    )

    summaries = [i["HistorySummary"] for i in newest_first["AlarmHistoryItems"]]
    assert summaries == [
        "Alarm updated from OK to ALARM",
        "Alarm updated from ALARM to OK",
        "Alarm updated from OK to ALARM",
        "Alarm updated from INSUFFICIENT_DATA to OK",
    ]
    assert [i["HistorySummary"] for i in oldest_first["AlarmHistoryItems"]] == summaries[::-1]
    assert paged == [*summaries, f'Alarm "{name}" created']
    assert future["AlarmHistoryItems"] == []
    assert len(past["AlarmHistoryItems"]) == 5


def test_enable_and_disable_alarm_actions(cloudwatch: Any) -> None:
    name = unique("actions")
    alarm(cloudwatch, name)

    cloudwatch.disable_alarm_actions(AlarmNames=[name])
    assert described(cloudwatch, name)["ActionsEnabled"] is False
    cloudwatch.enable_alarm_actions(AlarmNames=[name])
    assert described(cloudwatch, name)["ActionsEnabled"] is True


def test_describe_alarms_for_metric(cloudwatch: Any) -> None:
    metric = unique("for-metric")
    name = unique("fm")
    alarm(cloudwatch, name, MetricName=metric, Dimensions=[{"Name": "Host", "Value": "a"}])

    found = cloudwatch.describe_alarms_for_metric(
        Namespace="App", MetricName=metric, Dimensions=[{"Name": "Host", "Value": "a"}]
    )["MetricAlarms"]

    assert [a["AlarmName"] for a in found] == [name]


def test_modeled_errors_reach_boto3_as_their_exceptions(cloudwatch: Any) -> None:
    with pytest.raises(cloudwatch.exceptions.ResourceNotFound) as unknown:
        cloudwatch.set_alarm_state(AlarmName=unique("nope"), StateValue="ALARM", StateReason="x")
    with pytest.raises(cloudwatch.exceptions.InvalidParameterCombinationException) as both:
        alarm(cloudwatch, unique("both"), ExtendedStatistic="p99")
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException):
        cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}])
    with pytest.raises(cloudwatch.exceptions.MissingRequiredParameterException):
        cloudwatch.put_metric_alarm(
            AlarmName=unique("noperiod"),
            MetricName="m",
            Namespace="App",
            Statistic="Sum",
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
    with pytest.raises(ClientError) as invalid:
        alarm(cloudwatch, unique("long"), EvaluationPeriods=10_000)
    with pytest.raises(cloudwatch.exceptions.InvalidFormatFault):
        name = unique("fmt")
        alarm(cloudwatch, name)
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="x", StateReasonData="{oops")

    assert unknown.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "Exactly one element of the Statistic and ExtendedStatistic" in str(both.value)
    assert invalid.value.response["Error"]["Code"] == "ValidationError"
    assert "EvaluationPeriods * Period must be <= 86400" in invalid.value.response["Error"]["Message"]


def test_constraint_violations_are_validation_errors(cloudwatch: Any) -> None:
    with pytest.raises(ClientError) as caught:
        cloudwatch.describe_alarms(AlarmNames=["x" * 256])

    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "Member must have length less than or equal to 255" in caught.value.response["Error"]["Message"]


def test_alarm_tags(cloudwatch: Any) -> None:
    name = unique("tags")
    alarm(cloudwatch, name)
    arn = described(cloudwatch, name)["AlarmArn"]

    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["a"])

    assert cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(cloudwatch.exceptions.ResourceNotFoundException):
        cloudwatch.list_tags_for_resource(ResourceARN=arn + "-gone")


def test_alarms_and_their_state_survive_a_restart(fresh_server: ServerProcess) -> None:
    cloudwatch = fresh_server.client("cloudwatch")
    alarm(cloudwatch, "durable", Period=3600, TreatMissingData="ignore")
    cloudwatch.set_alarm_state(AlarmName="durable", StateValue="ALARM", StateReason="before restart")

    fresh_server.restart()
    cloudwatch = fresh_server.client("cloudwatch")

    found = described(cloudwatch, "durable")
    assert (found["StateValue"], found["StateReason"]) == ("ALARM", "before restart")
    assert len(cloudwatch.describe_alarm_history(AlarmName="durable")["AlarmHistoryItems"]) == 2
