"""PutMetricData validated as CloudWatch does, GetMetricStatistics and ListMetrics, on a real
database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from openssm.core.errors import ApiError
from openssm.domain.alarms.models import MetricDatum, MetricIdentity, StatisticsRequest, StatisticValues
from tests.unit.alarms.conftest import ACCOUNT, World


def put(world: World, namespace: str = "App", **fields: Any) -> None:
    world.metrics.put_metric_data(
        ACCOUNT, namespace, [MetricDatum(metric_name=fields.pop("name", "m"), **fields)]
    )


def refused(world: World, **fields: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        put(world, **fields)
    return caught.value


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        (
            {"value": 1.0, "values": (1.0,)},
            "InvalidParameterCombinationException",
            "MetricData.member.1.Value and",
        ),
        (
            {"value": 1.0, "statistic_values": StatisticValues(1, 1, 1, 1)},
            "InvalidParameterCombinationException",
            "mutually exclusive",
        ),
        ({}, "InvalidParameterCombinationException", "At least one of the parameters"),
        (
            {"values": (1.0, 2.0), "counts": (1.0,)},
            "InvalidParameterValueException",
            "must be of the same size",
        ),
        (
            {"values": tuple(float(i) for i in range(151))},
            "InvalidParameterValueException",
            "greater than 150",
        ),
        (
            {"value": float("nan")},
            "InvalidParameterValueException",
            "The value NaN for parameter MetricData.member.1.Value",
        ),
        ({"value": float("inf")}, "InvalidParameterValueException", "is invalid"),
        ({"value": 2.0**361}, "InvalidParameterValueException", "is invalid"),
        ({"value": 1.0, "storage_resolution": 5}, "InvalidParameterValueException", "StorageResolution"),
        ({"statistic_values": StatisticValues(0, 1, 1, 1)}, "InvalidParameterValueException", "SampleCount"),
        ({"statistic_values": StatisticValues(2, 1, 3, 1)}, "InvalidParameterValueException", "Minimum"),
        (
            {"value": 1.0, "dimensions": (("A", "1"), ("A", "2"))},
            "InvalidParameterValueException",
            "duplicate",
        ),
    ],
)
def test_invalid_data_is_refused(world: World, fields: dict[str, Any], code: str, words: str) -> None:
    error = refused(world, **fields)

    assert error.code == code
    assert words in error.message


def test_timestamps_must_be_within_two_weeks_back_and_two_hours_ahead(world: World) -> None:
    now = world.clock.now()
    past = refused(world, value=1.0, timestamp=now - timedelta(days=15))
    future = refused(world, value=1.0, timestamp=now + timedelta(hours=3))

    assert "two weeks in the past" in past.message
    assert "two hours in the future" in future.message


def test_aws_namespaces_are_reserved(world: World) -> None:
    with pytest.raises(ApiError) as caught:
        put(world, namespace="AWS/EC2", value=1.0)
    assert caught.value.code == "InvalidParameterValueException"


def stats(world: World, metric: MetricIdentity | None = None, **fields: Any) -> list[Any]:
    now = world.clock.now()
    request = StatisticsRequest(
        **{
            "metric": metric or MetricIdentity("App", "m"),
            "start_time": now - timedelta(minutes=10),
            "end_time": now + timedelta(minutes=1),
            "period": 60,
            "statistics": ("SampleCount", "Sum", "Average", "Minimum", "Maximum"),
            **fields,
        }
    )
    return world.metrics.get_metric_statistics(ACCOUNT, request)


def test_statistics_aggregate_values_value_lists_and_statistic_sets(world: World) -> None:
    put(world, value=10.0)
    put(world, values=(1.0, 2.0), counts=(3.0, 1.0))
    put(world, statistic_values=StatisticValues(2, 30, 10, 20))

    (point,) = stats(world)

    assert point.values == {
        "SampleCount": 7.0,
        "Sum": 45.0,
        "Average": 45.0 / 7,
        "Minimum": 1.0,
        "Maximum": 20.0,
    }
    assert point.unit == "None"
    assert point.timestamp == world.clock.now()


def test_each_period_and_unit_is_its_own_datapoint(world: World) -> None:
    put(world, value=1.0, unit="Count")
    world.clock.advance(60)
    put(world, value=2.0, unit="Count")
    put(world, value=3.0, unit="Seconds")

    points = stats(world, statistics=("Sum",))
    only_count = stats(world, statistics=("Sum",), unit="Count")

    assert [(p.unit, p.values["Sum"]) for p in points] == [("Count", 1.0), ("Count", 2.0), ("Seconds", 3.0)]
    assert [p.values["Sum"] for p in only_count] == [1.0, 2.0]


def test_percentiles_and_dimensions_match_exactly(world: World) -> None:
    put(world, values=tuple(float(v) for v in range(1, 101)), dimensions=(("Host", "a"),))
    put(world, value=1000.0, dimensions=(("Host", "a"), ("Az", "1")))

    (point,) = stats(
        world, MetricIdentity("App", "m", (("Host", "a"),)), statistics=(), extended_statistics=("p90", "p50")
    )

    assert point.extended == {"p90": 90.0, "p50": 50.0}
    assert stats(world) == []


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"statistics": ()}, "InvalidParameterCombinationException", "Must specify either"),
        ({"extended_statistics": ("p99",)}, "InvalidParameterCombinationException", "mutually exclusive"),
        (
            {"statistics": (), "extended_statistics": ("tm90",)},
            "InvalidParameterValueException",
            "not supported",
        ),
        ({"period": 7}, "InvalidParameterValueException", "multiple of 60"),
        (
            {"period": 1},
            "InvalidParameterCombinationException",
            "up to 3,660 datapoints, which exceeds the limit",
        ),
    ],
)
def test_invalid_statistics_requests_are_refused(
    world: World, fields: dict[str, Any], code: str, words: str
) -> None:
    if fields.get("period") == 1:
        fields["start_time"] = world.clock.now() - timedelta(hours=1)
    with pytest.raises(ApiError) as caught:
        stats(world, **fields)

    assert caught.value.code == code
    assert words in caught.value.message


def test_start_must_be_before_end(world: World) -> None:
    with pytest.raises(ApiError) as caught:
        stats(world, end_time=world.clock.now() - timedelta(hours=1))
    assert "StartTime must be less than" in caught.value.message


def test_list_metrics_filters_by_name_namespace_and_dimensions(world: World) -> None:
    put(world, name="cpu", value=1.0, dimensions=(("Host", "a"), ("Az", "1")))
    put(world, name="cpu", value=1.0, dimensions=(("Host", "b"),))
    put(world, name="mem", value=1.0)
    put(world, namespace="Other", name="cpu", value=1.0)

    def listed(**query: Any) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
        args: dict[str, Any] = {
            "namespace": None,
            "metric_name": None,
            "dimension_filters": (),
            "recently_active": False,
            "after_id": None,
            **query,
        }
        listing = world.metrics.list_metrics(ACCOUNT, **args)
        return sorted((m.namespace, m.metric_name, m.dimensions) for m in listing.metrics)

    assert len(listed()) == 4
    assert listed(namespace="App", metric_name="cpu", dimension_filters=(("Host", "a"),)) == [
        ("App", "cpu", (("Az", "1"), ("Host", "a")))
    ]
    assert len(listed(dimension_filters=(("Host", None),))) == 2
    world.clock.advance(4 * 3600)
    assert listed(recently_active=True) == []
    assert len(listed()) == 4
