"""Alarm evaluation rules, table-tested against the CloudWatch User Guide's examples
("How alarm state is evaluated when data is missing"): `0` is a non-breaching data point, `X` a
breaching one, `-` a missing one, newest on the right; None means "retain current state"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from openssm.domain.alarms.evaluation import Datapoint, Rule, breaches, evaluate
from openssm.domain.alarms.models import ComparisonOperator, StateValue, TreatMissingData

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
QUERY_DATE = START + timedelta(minutes=30)
MISSING, IGNORE, BREACHING, NOT_BREACHING = (
    TreatMissingData.MISSING,
    TreatMissingData.IGNORE,
    TreatMissingData.BREACHING,
    TreatMissingData.NOT_BREACHING,
)
ALARM, OK, INSUFFICIENT = StateValue.ALARM, StateValue.OK, StateValue.INSUFFICIENT_DATA


def points(pattern: str, period: int = 300) -> list[Datapoint]:
    values = {"0": 1.0, "X": 10.0, "-": None}
    return [
        Datapoint(START + timedelta(seconds=i * period), values[c], 1.0 if values[c] is not None else 0.0)
        for i, c in enumerate(pattern.split())
    ]


def rule(n: int = 3, m: int = 3, treat: TreatMissingData = MISSING, **extra: object) -> Rule:
    return Rule(
        comparison=ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold=5.0,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treat,
        period=300,
        statistic="Average",
        **extra,  # type: ignore[arg-type]
    )


FIRST_TABLE = [  # Datapoints to Alarm 3, Evaluation Periods 3
    ("0 - X - X", OK, OK, OK, OK),
    ("0 - - - -", OK, OK, OK, OK),
    ("- - - - -", INSUFFICIENT, None, ALARM, OK),
    ("0 X X - X", ALARM, ALARM, ALARM, ALARM),
    ("- - X - -", ALARM, None, ALARM, OK),
]
SECOND_TABLE = [  # Datapoints to Alarm 2, Evaluation Periods 3
    ("0 - X - X", ALARM, ALARM, ALARM, ALARM),
    ("0 0 X 0 X", ALARM, ALARM, ALARM, ALARM),
    ("0 - X - -", OK, OK, ALARM, OK),
    ("- - - - 0", OK, OK, ALARM, OK),
    ("- - - X -", ALARM, None, ALARM, OK),
]


@pytest.mark.parametrize("row", FIRST_TABLE, ids=[r[0] for r in FIRST_TABLE])
def test_three_of_three_follows_the_user_guide_table(row: tuple) -> None:  # type: ignore[type-arg]
    pattern, *expected = row
    got = [
        evaluate(rule(3, 3, t), points(pattern), QUERY_DATE).state
        for t in (MISSING, IGNORE, BREACHING, NOT_BREACHING)
    ]
    assert got == expected


@pytest.mark.parametrize("row", SECOND_TABLE, ids=[r[0] for r in SECOND_TABLE])
def test_two_of_three_follows_the_user_guide_table(row: tuple) -> None:  # type: ignore[type-arg]
    pattern, *expected = row
    got = [
        evaluate(rule(3, 2, t), points(pattern), QUERY_DATE).state
        for t in (MISSING, IGNORE, BREACHING, NOT_BREACHING)
    ]
    assert got == expected


def test_a_breaching_point_too_recent_does_not_alarm_prematurely() -> None:
    assert evaluate(rule(3, 3), points("- - - - X"), QUERY_DATE).state == OK
    assert evaluate(rule(3, 3), points("- - - X -"), QUERY_DATE).state == OK


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        (ComparisonOperator.GREATER_THAN_THRESHOLD, 5.0, False),
        (ComparisonOperator.GREATER_THAN_THRESHOLD, 5.1, True),
        (ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 5.0, True),
        (ComparisonOperator.LESS_THAN_THRESHOLD, 5.0, False),
        (ComparisonOperator.LESS_THAN_THRESHOLD, 4.9, True),
        (ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD, 5.0, True),
    ],
)
def test_each_comparison_operator_compares_with_the_threshold(
    operator: ComparisonOperator, value: float, expected: bool
) -> None:
    assert breaches(operator, value, 5.0) is expected


def test_band_operators_are_not_threshold_comparisons() -> None:
    with pytest.raises(ValueError):
        breaches(ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD, 1.0, 5.0)


def test_m_of_n_counts_breaching_points_among_the_last_n() -> None:
    assert evaluate(rule(5, 2), points("0 0 X 0 X 0 0"), QUERY_DATE).state == ALARM
    assert evaluate(rule(5, 3), points("0 0 X 0 X 0 0"), QUERY_DATE).state == OK
    assert evaluate(rule(3, 2), points("X X 0 0 X"), QUERY_DATE).state == OK  # older X are outside N


def test_the_alarm_reason_reads_like_cloudwatch() -> None:
    outcome = evaluate(rule(1, 1), points("- - X"), QUERY_DATE)

    assert outcome.state == ALARM
    assert (
        outcome.reason
        == "Threshold Crossed: 1 datapoint [10.0 (01/03/26 12:10:00)] was greater than the threshold (5.0)."
    )
    data = orjson.loads(outcome.reason_data or "")
    assert data["version"] == "1.0"
    assert data["statistic"] == "Average" and data["period"] == 300 and data["threshold"] == 5.0
    assert data["recentDatapoints"] == [10.0]
    assert data["evaluatedDatapoints"] == [
        {"timestamp": "2026-03-01T12:10:00.000+0000", "sampleCount": 1.0, "value": 10.0}
    ]
    assert data["queryDate"] == "2026-03-01T12:30:00.000+0000"


def test_m_of_n_reasons_name_the_minimum_for_the_transition() -> None:
    alarm = evaluate(rule(3, 2), points("0 0 X 0 X"), QUERY_DATE)
    ok = evaluate(rule(3, 2), points("0 0 X 0 0"), QUERY_DATE)

    assert alarm.reason.startswith(
        "Threshold Crossed: 2 out of the last 3 datapoints [10.0 (01/03/26 12:20:00), 10.0"
    )
    assert alarm.reason.endswith("(minimum 2 datapoints for OK -> ALARM transition).")
    assert ok.reason.startswith("Threshold Crossed: 2 out of the last 3 datapoints")
    assert (
        "were not greater than the threshold (5.0) (minimum 2 datapoints for ALARM -> OK transition)"
        in ok.reason
    )


def test_reasons_for_missing_data() -> None:
    assert (
        evaluate(rule(3, 3), points("- - - - -"), QUERY_DATE).reason
        == "Insufficient Data: 3 datapoints were unknown."
    )
    assert evaluate(rule(1, 1, BREACHING), points("- - -"), QUERY_DATE).reason == (
        "Threshold Crossed: no datapoints were received for 1 period and "
        "1 missing datapoint was treated as [Breaching]."
    )
    filled = evaluate(rule(3, 2, BREACHING), points("- - - - 0"), QUERY_DATE)
    assert filled.state == ALARM and filled.reason.endswith(
        "2 missing datapoints were treated as [Breaching]."
    )


def test_low_sample_percentiles_keep_the_state_when_told_to_ignore_them() -> None:
    low = [Datapoint(START, 10.0, 3.0, low_sample=True)]

    assert evaluate(rule(1, 1, ignore_low_samples=True), low, QUERY_DATE).state is None
    assert evaluate(rule(1, 1, ignore_low_samples=False), low, QUERY_DATE).state == ALARM


def test_reason_data_stays_within_the_model_limit() -> None:
    many = [Datapoint(START + timedelta(minutes=i), 10.0 + i / 7, 1.0) for i in range(1440)]
    outcome = evaluate(rule(1438, 1438), many, QUERY_DATE)

    assert outcome.state == ALARM
    assert len(outcome.reason) <= 1023
    assert len(outcome.reason_data or "") <= 4000
