"""The CloudWatch Query protocol (what older SDKs send) against the live server: a boto3 client
forced to `query` by a copy of the installed model, and raw signed form requests."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.loaders import create_loader

from tests.conftest import unique
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def query_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed cloudwatch model, saying `query` is its only protocol."""
    root = tmp_path_factory.mktemp("models")
    model = create_loader().load_service_model("cloudwatch", "service-2")
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    target = root / "cloudwatch" / "2010-08-01"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    return root


@pytest.fixture
def sent(server: ServerProcess) -> list[Any]:
    return []


@pytest.fixture
def cloudwatch(server: ServerProcess, query_models: Path, sent: list[Any]) -> Any:
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(query_models))
    creds = server.credentials
    client = boto3.Session(botocore_session=session).client(
        "cloudwatch",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["access_key_id"],
        aws_secret_access_key=creds["secret_access_key"],
        config=Config(retries={"max_attempts": 1}),
    )
    client.meta.events.register("before-send", lambda request, **kw: sent.append(request))
    return client


def test_the_client_really_speaks_the_query_protocol(cloudwatch: Any, sent: list[Any]) -> None:
    cloudwatch.describe_alarms(MaxRecords=1)

    request = sent[-1]
    assert "X-Amz-Target" not in request.headers
    assert request.headers["Content-Type"].startswith(b"application/x-www-form-urlencoded")
    assert "Action=DescribeAlarms" in request.body


def test_alarm_lifecycle_over_the_query_protocol(cloudwatch: Any) -> None:
    name, metric = unique("q"), unique("m")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName=metric,
        Namespace="App",
        Statistic="Maximum",
        Dimensions=[{"Name": "Host", "Value": "a"}],
        Period=10,
        EvaluationPeriods=1,
        Threshold=5.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[],
    )
    cloudwatch.put_metric_data(
        Namespace="App",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "Host", "Value": "a"}],
                "Values": [1.5, 7.25],
                "Timestamp": datetime.now(UTC) - timedelta(seconds=15),
            }
        ],
    )
    deadline = time.monotonic() + 10
    while (found := cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0])[
        "StateValue"
    ] != "ALARM":
        assert time.monotonic() < deadline, found
        time.sleep(0.1)

    assert found["Dimensions"] == [{"Name": "Host", "Value": "a"}]
    assert found["Threshold"] == 5.0 and found["ActionsEnabled"] is True
    assert found["StateReason"].startswith("Threshold Crossed: 1 datapoint [7.25 (")
    history = cloudwatch.describe_alarm_history(AlarmName=name, ScanBy="TimestampAscending")[
        "AlarmHistoryItems"
    ]
    assert [h["HistoryItemType"] for h in history] == ["ConfigurationUpdate", "StateUpdate"]
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="query says so")
    cloudwatch.disable_alarm_actions(AlarmNames=[name])
    after = cloudwatch.describe_alarms(AlarmNamePrefix=name)["MetricAlarms"][0]
    assert (after["StateValue"], after["ActionsEnabled"]) == ("OK", False)
    cloudwatch.delete_alarms(AlarmNames=[name])
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []


def test_paging_and_statistics_over_the_query_protocol(cloudwatch: Any) -> None:
    prefix = unique("qp") + "-"
    for i in range(3):
        cloudwatch.put_metric_alarm(
            AlarmName=f"{prefix}{i}", MetricName="m", Namespace="App", Statistic="Sum", Period=60,
            EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
        )  # fmt: skip
    first = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, MaxRecords=2)
    second = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, MaxRecords=2, NextToken=first["NextToken"])
    namespace, now = unique("Q"), datetime.now(UTC)
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "m", "Values": [1, 2, 3, 4]}])
    stats = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="m",
        StartTime=now - timedelta(minutes=2),
        EndTime=now + timedelta(minutes=2),
        Period=300,
        ExtendedStatistics=["p75"],
    )

    assert [a["AlarmName"] for a in first["MetricAlarms"] + second["MetricAlarms"]] == [
        f"{prefix}{i}" for i in range(3)
    ]
    assert "NextToken" not in second
    assert stats["Datapoints"][0]["ExtendedStatistics"] == {"p75": 3.0}


def test_errors_come_back_as_query_error_responses(cloudwatch: Any) -> None:
    with pytest.raises(cloudwatch.exceptions.ResourceNotFound) as unknown:
        cloudwatch.set_alarm_state(AlarmName=unique("none"), StateValue="ALARM", StateReason="x")
    with pytest.raises(ClientError) as invalid:
        cloudwatch.describe_alarms(MaxRecords=1000)

    assert unknown.value.response["Error"]["Type"] == "Sender"
    assert invalid.value.response["Error"]["Code"] == "ValidationError"


def test_unsigned_query_requests_are_refused(server: ServerProcess) -> None:
    request = urllib.request.Request(
        server.endpoint + "/",
        data=b"Action=DescribeAlarms&Version=2010-08-01",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)

    body = refused.value.read().decode()
    assert refused.value.code in (400, 403)
    assert "<ErrorResponse" in body and "<Code>MissingAuthenticationToken</Code>" in body
