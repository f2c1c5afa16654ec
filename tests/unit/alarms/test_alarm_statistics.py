"""Statistics of one period: the five basic ones, nearest-rank percentiles, statistic sets."""

from __future__ import annotations

import pytest

from openssm.domain.alarms.statistics import (
    Bucket,
    low_sample_limit,
    nearest_rank,
    percentile_of,
    raw_values_of_statistic_set,
)


def bucket(*values: float) -> Bucket:
    b = Bucket()
    for v in values:
        b.add(1, v, v, v, [(v, 1)], "Count")
    return b


@pytest.mark.parametrize(
    ("stat", "expected"),
    [("SampleCount", 4.0), ("Sum", 10.0), ("Average", 2.5), ("Minimum", 1.0), ("Maximum", 4.0)],
)
def test_basic_statistics(stat: str, expected: float) -> None:
    assert bucket(1, 2, 3, 4).statistic(stat) == expected


def test_an_empty_period_has_no_statistics() -> None:
    assert Bucket().statistic("Sum") is None
    assert Bucket().statistic("p50") is None


@pytest.mark.parametrize(
    ("stat", "expected"),
    [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p100", 100.0), ("p0", 1.0), ("p99.5", 100.0)],
)
def test_percentiles_use_the_nearest_rank(stat: str, expected: float) -> None:
    assert bucket(*range(1, 101)).statistic(stat) == expected


def test_percentiles_weigh_values_by_their_counts() -> None:
    assert nearest_rank([(1.0, 9.0), (100.0, 1.0)], 90) == 1.0
    assert nearest_rank([(1.0, 9.0), (100.0, 1.0)], 91) == 100.0


@pytest.mark.parametrize(("stat", "value"), [("p99", 99.0), ("p99.9", 99.9), ("p0", 0.0), ("p100", 100.0)])
def test_percentile_names(stat: str, value: float) -> None:
    assert percentile_of(stat) == value


@pytest.mark.parametrize("stat", ["p101", "p", "tm99", "Sum", "P99", "p99.", "p1000"])
def test_other_names_are_not_percentiles(stat: str) -> None:
    assert percentile_of(stat) is None


def test_statistic_sets_give_percentiles_only_when_aws_can() -> None:
    assert raw_values_of_statistic_set(5, 10, 2, 2) == [(2, 5)]
    assert raw_values_of_statistic_set(1, 7, 7, 7) == [(7, 1)]
    assert raw_values_of_statistic_set(3, 10, 1, 6) is None


def test_a_period_with_a_statistic_set_without_raw_values_has_no_percentile() -> None:
    b = bucket(1, 2, 3)
    b.add(3, 10, 1, 6, None, "Count")

    assert b.statistic("p50") is None
    assert b.statistic("Sum") == 16
    assert b.statistic("SampleCount") == 6


def test_low_sample_limits_follow_the_user_guide() -> None:
    assert low_sample_limit(99) == pytest.approx(1000)
    assert low_sample_limit(50) == pytest.approx(20)
    assert low_sample_limit(10) == pytest.approx(100)
