"""Metric data through boto3: PutMetricData, GetMetricStatistics, ListMetrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import unique
from tests.support.server import ServerProcess


@pytest.fixture
def cloudwatch(server: ServerProcess) -> Any:
    return server.client("cloudwatch")


def test_put_and_get_statistics(cloudwatch: Any) -> None:
    namespace, now = unique("Ns"), datetime.now(UTC).replace(second=30, microsecond=0)
    dims = [{"Name": "Host", "Value": "web-1"}]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "latency",
                "Dimensions": dims,
                "Value": 10,
                "Unit": "Milliseconds",
                "Timestamp": now,
            },
            {
                "MetricName": "latency",
                "Dimensions": dims,
                "Values": [20, 30],
                "Counts": [1, 2],
                "Unit": "Milliseconds",
                "Timestamp": now,
                "StorageResolution": 1,
            },
            {
                "MetricName": "latency",
                "Dimensions": dims,
                "StatisticValues": {"SampleCount": 2, "Sum": 100, "Minimum": 50, "Maximum": 50},
                "Unit": "Milliseconds",
                "Timestamp": now,
            },
        ],
    )

    result = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="latency",
        Dimensions=dims,
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
    )
    percentiles = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="latency",
        Dimensions=dims,
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        ExtendedStatistics=["p50", "p100"],
    )

    assert result["Label"] == "latency"
    (point,) = result["Datapoints"]
    assert point["Timestamp"] == now.replace(second=0)
    assert (point["SampleCount"], point["Sum"], point["Minimum"], point["Maximum"]) == (
        6.0,
        190.0,
        10.0,
        50.0,
    )
    assert point["Average"] == pytest.approx(190 / 6)
    assert point["Unit"] == "Milliseconds"
    assert percentiles["Datapoints"][0]["ExtendedStatistics"] == {"p50": 30.0, "p100": 50.0}


def test_statistics_need_the_exact_dimensions(cloudwatch: Any) -> None:
    namespace, now = unique("Ns"), datetime.now(UTC)
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "m",
                "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}],
                "Value": 1,
            }
        ],
    )

    def count(dimensions: list[dict[str, str]]) -> int:
        return len(
            cloudwatch.get_metric_statistics(
                Namespace=namespace,
                MetricName="m",
                Dimensions=dimensions,
                StartTime=now - timedelta(minutes=5),
                EndTime=now + timedelta(minutes=5),
                Period=300,
                Statistics=["Sum"],
            )["Datapoints"]
        )

    assert count([{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}]) == 1
    assert count([{"Name": "A", "Value": "1"}]) == 0


def test_list_metrics(cloudwatch: Any) -> None:
    namespace = unique("Ns")
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "cpu", "Dimensions": [{"Name": "Host", "Value": "a"}], "Value": 1},
            {"MetricName": "cpu", "Dimensions": [{"Name": "Host", "Value": "b"}], "Value": 1},
            {"MetricName": "mem", "Value": 1},
        ],
    )

    everything = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    host_a = cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Host", "Value": "a"}])[
        "Metrics"
    ]
    recent = cloudwatch.list_metrics(Namespace=namespace, MetricName="mem", RecentlyActive="PT3H")["Metrics"]

    assert len(everything) == 3
    assert host_a == [
        {"Namespace": namespace, "MetricName": "cpu", "Dimensions": [{"Name": "Host", "Value": "a"}]}
    ]
    assert recent == [{"Namespace": namespace, "MetricName": "mem", "Dimensions": []}]


def test_invalid_metric_data_is_refused_with_cloudwatch_errors(cloudwatch: Any) -> None:
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException) as size:
        cloudwatch.put_metric_data(
            Namespace="App", MetricData=[{"MetricName": "m", "Values": [1, 2], "Counts": [1]}]
        )
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException) as old:
        cloudwatch.put_metric_data(
            Namespace="App",
            MetricData=[{"MetricName": "m", "Value": 1, "Timestamp": datetime.now(UTC) - timedelta(days=20)}],
        )
    with pytest.raises(cloudwatch.exceptions.InvalidParameterCombinationException):
        cloudwatch.get_metric_statistics(
            Namespace="App",
            MetricName="m",
            StartTime=datetime.now(UTC) - timedelta(days=2),
            EndTime=datetime.now(UTC),
            Period=60,
            Statistics=["Sum"],
        )

    assert "must be of the same size" in str(size.value)
    assert "two weeks in the past" in str(old.value)
