"""Alarms evaluated for real against stored metric data, on a real database, with a fake clock."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from openssm.domain.alarms import repository as repo
from openssm.domain.alarms.models import (
    EvaluationState,
    HistoryItemType,
    MetricIdentity,
    MetricQuery,
    MetricStat,
    StateValue,
)
from tests.unit.alarms.conftest import ACCOUNT, World


@pytest.mark.parametrize(
    ("stat", "value"),
    [("SampleCount", 4.0), ("Sum", 10.0), ("Average", 2.5), ("Minimum", 1.0), ("Maximum", 4.0), ("p50", 2.0)],
)
def test_each_statistic_is_compared_over_the_period(world: World, stat: str, value: float) -> None:
    kind = (
        {"statistic": stat} if not stat.startswith("p") else {"statistic": None, "extended_statistic": stat}
    )
    world.put_alarm("above", threshold=value - 0.1, **kind)
    world.put_alarm("below", threshold=value + 0.1, **kind)
    for v in (1.0, 2.0, 3.0, 4.0):
        world.put(v, seconds_ago=30)

    world.evaluate()

    assert world.state("above") == "ALARM"
    assert world.state("below") == "OK"


def test_new_data_is_evaluated_at_once(world: World) -> None:
    world.put_alarm()
    world.evaluate()
    world.clock.advance(20)  # the next scheduled evaluation is at 12:01

    world.put(50)

    assert world.wakes[-1] == "evaluator"
    assert world.evaluate() == 1
    assert world.state() == "ALARM"
    assert (ACCOUNT, "web-5xx") in world.published


def test_the_window_slides_and_always_spans_a_whole_period(world: World) -> None:
    world.put_alarm(period=10, comparison_operator="LessThanThreshold", threshold=10.0)
    world.evaluate()
    world.clock.advance(2)
    world.put(6)  # 12:00:02
    world.clock.advance(6)
    world.put(6)  # 12:00:08
    world.evaluate()
    assert world.state() == "OK"  # (11:59:58, 12:00:08] holds 12

    world.clock.advance(5)
    world.put(0.5, seconds_ago=600)  # 12:00:13: data (for a long-gone window) makes the alarm due
    world.evaluate()

    assert world.state() == "ALARM"  # (12:00:03, 12:00:13] holds only the second 6
    assert world.alarm().state.reason.startswith("Threshold Crossed: 1 datapoint [6.0 (01/03/26 12:00:03)]")


def test_m_of_n_needs_m_breaching_periods_among_the_last_n(world: World) -> None:
    world.put_alarm("two-of-three", evaluation_periods=3, datapoints_to_alarm=2)
    world.put_alarm("three-of-three", evaluation_periods=3, datapoints_to_alarm=3)
    world.evaluate()
    world.clock.advance(160)  # 12:02:40
    for value, seconds_ago in ((50, 130), (1, 70), (50, 10)):  # 12:00:30, 12:01:30, 12:02:30
        world.put(value, seconds_ago=seconds_ago)

    world.advance(20)  # 12:03:00: windows (12:00, 12:01], (12:01, 12:02], (12:02, 12:03]

    assert world.state("two-of-three") == "ALARM"
    assert world.state("three-of-three") == "OK"


@pytest.mark.parametrize(
    ("treat", "expected"),
    [
        ("missing", "INSUFFICIENT_DATA"),
        ("ignore", "INSUFFICIENT_DATA"),
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
    ],
)
def test_treat_missing_data_decides_an_alarm_without_data(world: World, treat: str, expected: str) -> None:
    world.put_alarm(treat_missing_data=treat)

    world.evaluate()

    assert world.state() == expected


@pytest.mark.parametrize(("treat", "expected"), [("missing", "INSUFFICIENT_DATA"), ("ignore", "OK")])
def test_when_data_stops_missing_goes_insufficient_and_ignore_keeps_the_state(
    world: World, treat: str, expected: str
) -> None:
    world.put_alarm(treat_missing_data=treat)
    world.put(1)
    world.advance(60)
    assert world.state() == "OK"

    for _ in range(4):
        world.advance(60)

    assert world.state() == expected


def test_transitions_are_recorded_in_the_history_with_reasons(world: World) -> None:
    world.put_alarm()
    world.evaluate()
    world.clock.advance(10)
    world.put(50)
    world.evaluate()
    world.clock.advance(60)
    world.put(1)
    world.evaluate()

    items = world.history(item_type="StateUpdate")
    assert [i.summary for i in items] == [
        "Alarm updated from ALARM to OK",
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
    ]
    data = orjson.loads(items[1].data)
    assert data["oldState"]["stateValue"] == "INSUFFICIENT_DATA"
    assert data["newState"]["stateValue"] == "ALARM"
    assert data["newState"]["stateReason"] == (
        "Threshold Crossed: 1 datapoint [50.0 (01/03/26 11:59:10)] was greater than the threshold (5.0)."
    )
    assert data["newState"]["stateReasonData"]["recentDatapoints"] == [50.0]
    alarm = world.alarm()
    assert alarm.state.value == StateValue.OK
    assert alarm.state.transitioned == world.clock.now()
    assert orjson.loads(alarm.state.reason_data or "")["evaluatedDatapoints"][0]["value"] == 1.0


def test_actions_are_recorded_as_not_run(world: World) -> None:
    world.put_alarm(alarm_actions=("arn:aws:sns:us-east-1:123456789012:pager",))
    world.put(50)
    world.advance(60)

    (item,) = world.history(item_type="Action")
    assert item.item_type == HistoryItemType.ACTION
    assert item.summary == "Failed to execute action arn:aws:sns:us-east-1:123456789012:pager"
    assert "openssm does not run alarm actions" in item.data


def test_set_alarm_state_lasts_until_the_next_evaluation(world: World) -> None:
    world.put_alarm()
    world.evaluate()
    world.clock.advance(5)
    world.alarms.set_alarm_state(ACCOUNT, "web-5xx", StateValue.ALARM, "testing the gate", None)
    assert world.state() == "ALARM"
    assert world.published[-1] == (ACCOUNT, "web-5xx")

    world.advance(55)

    assert world.state() == "INSUFFICIENT_DATA"
    summaries = [i.summary for i in world.history(item_type="StateUpdate")]
    assert summaries == [
        "Alarm updated from ALARM to INSUFFICIENT_DATA",
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
    ]


def test_a_math_alarm_evaluates_an_arithmetic_expression(world: World) -> None:
    def stat(metric: str) -> MetricStat:
        return MetricStat(MetricIdentity("App", metric), 60, "Sum")

    queries = (
        MetricQuery("errors", metric_stat=stat("5xx"), return_data=False),
        MetricQuery("requests", metric_stat=stat("requests"), return_data=False),
        MetricQuery("rate", expression="errors / requests * 100", return_data=True),
    )
    world.put_alarm(
        "error-rate",
        metric_name=None,
        namespace=None,
        statistic=None,
        period=None,
        metrics=queries,
        threshold=10.0,
    )
    world.put(5)
    world.put(20, metric="requests")

    world.advance(60)

    alarm = world.alarm("error-rate")
    assert alarm.state.value == StateValue.ALARM
    assert "[25.0 (" in alarm.state.reason


def test_an_alarm_openssm_cannot_evaluate_stays_insufficient_data_and_says_why(world: World) -> None:
    world.put_alarm(
        "band",
        comparison_operator="LessThanLowerOrGreaterThanUpperThreshold",
        threshold=None,
        threshold_metric_id="ad1",
    )
    world.put(50)
    world.advance(60)

    alarm = world.alarm("band")
    assert alarm.state.value == StateValue.INSUFFICIENT_DATA
    assert alarm.evaluation_state == EvaluationState.EVALUATION_ERROR
    assert "anomaly detection" in alarm.state.reason


def test_low_sample_percentiles_can_be_ignored(world: World) -> None:
    world.put_alarm(
        "ignored", statistic=None, extended_statistic="p99", evaluate_low_sample_count_percentile="ignore"
    )
    world.put_alarm("evaluated", statistic=None, extended_statistic="p99")
    world.put(50)

    world.advance(60)

    assert world.state("ignored") == "INSUFFICIENT_DATA"
    assert world.state("evaluated") == "ALARM"


def test_the_unit_of_an_alarm_selects_the_data(world: World) -> None:
    world.put_alarm("seconds", unit="Seconds")
    world.put_alarm("any-unit")
    world.put(50, unit="Milliseconds")

    world.advance(60)

    assert world.state("seconds") == "INSUFFICIENT_DATA"
    assert world.state("any-unit") == "ALARM"


def test_alarms_are_evaluated_every_period_up_to_a_minute(world: World) -> None:
    world.put_alarm(period=10, treat_missing_data="breaching")
    world.evaluate()
    assert world.state() == "ALARM"
    world.alarms.set_alarm_state(ACCOUNT, "web-5xx", StateValue.OK, "reset", None)

    assert world.advance(9) == 0
    assert world.advance(1) == 1
    assert world.state() == "ALARM"


def test_an_alarm_is_evaluated_once_when_evaluators_race(world: World) -> None:
    world.put_alarm()
    with world.db.begin() as conn:
        ((account, name, due_at, revision),) = repo.due(conn, world.clock.now(), 10)
    later = world.clock.now() + timedelta(minutes=1)

    with world.db.begin() as conn:
        first = repo.claim(conn, account, name, due_at, revision, later)
    with world.db.begin() as conn:
        second = repo.claim(conn, account, name, due_at, revision, later)

    assert (first, second) == (True, False)


def test_updating_an_alarm_keeps_its_state_and_reevaluates_it(world: World) -> None:
    world.put_alarm()
    world.put(50)
    world.advance(60)
    assert world.state() == "ALARM"

    world.put_alarm(threshold=100.0)
    assert world.state() == "ALARM"
    world.evaluate()

    assert world.state() == "OK"
    summaries = [i.summary for i in world.history(item_type="ConfigurationUpdate")]
    assert summaries == ['Alarm "web-5xx" updated', 'Alarm "web-5xx" created']


def test_long_period_alarms_are_evaluated_every_minute(world: World) -> None:
    world.put_alarm(period=3600, treat_missing_data="breaching")
    world.evaluate()
    world.alarms.set_alarm_state(ACCOUNT, "web-5xx", StateValue.OK, "reset", None)

    assert world.advance(59) == 0
    assert world.advance(1) == 1
    assert world.state() == "ALARM"
