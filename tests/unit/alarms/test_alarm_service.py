"""PutMetricAlarm's rules and the alarm operations around it, on a real database."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from openssm.core.errors import ApiError
from openssm.domain.alarms.models import MetricIdentity, MetricQuery, MetricStat, StateValue
from openssm.domain.alarms.service import AlarmFilter
from tests.unit.alarms.conftest import ACCOUNT, World


def rejected(world: World, **fields: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        world.put_alarm("bad", **fields)
    return caught.value


def test_a_new_alarm_starts_unchecked_in_insufficient_data(world: World) -> None:
    world.put_alarm()

    alarm = world.alarm()
    assert alarm.state.value == StateValue.INSUFFICIENT_DATA
    assert alarm.state.reason == "Unchecked: Initial alarm creation"
    assert alarm.state.updated == alarm.configuration_updated == world.clock.now()
    (created,) = world.history()
    assert created.summary == 'Alarm "web-5xx" created'
    assert orjson.loads(created.data)["createdAlarm"]["metricName"] == "5xx"
    assert world.wakes  # the evaluator is woken to evaluate it at once


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        (
            {"extended_statistic": "p99"},
            "InvalidParameterCombinationException",
            "Exactly one element of the Statistic",
        ),
        ({"statistic": None}, "InvalidParameterCombinationException", "Exactly one element of the Statistic"),
        (
            {"statistic": None, "extended_statistic": "tm99"},
            "InvalidParameterValueException",
            "openssm evaluates",
        ),
        ({"period": 45}, "InvalidParameterValueException", "10, 20, 30 or a multiple of 60"),
        ({"period": None}, "MissingRequiredParameterException", "Period"),
        ({"namespace": None}, "MissingRequiredParameterException", "Namespace"),
        ({"evaluation_periods": None}, "MissingRequiredParameterException", "EvaluationPeriods"),
        ({"comparison_operator": None}, "MissingRequiredParameterException", "ComparisonOperator"),
        ({"threshold": None}, "MissingRequiredParameterException", "Threshold"),
        ({"evaluation_periods": 1441}, "ValidationException", "more than a day"),
        ({"period": 3600, "evaluation_periods": 169}, "ValidationException", "more than seven days"),
        ({"evaluation_periods": 2, "datapoints_to_alarm": 3}, "ValidationException", "DatapointsToAlarm"),
        ({"treat_missing_data": "sometimes"}, "ValidationException", "treatMissingData"),
        ({"evaluate_low_sample_count_percentile": "skip"}, "ValidationException", "evaluateLowSampleCount"),
        ({"alarm_actions": ("not-an-arn",)}, "ValidationException", "Invalid arn syntax"),
        (
            {"dimensions": (("Host", "a"), ("Host", "b"))},
            "InvalidParameterValueException",
            "duplicate dimension",
        ),
        ({"metric_name": None}, "ValidationException", "Either MetricName or Metrics"),
        ({"evaluation_interval": 60}, "InvalidParameterCombinationException", "EvaluationInterval"),
        (
            {"comparison_operator": "LessThanLowerOrGreaterThanUpperThreshold", "threshold": None},
            "ValidationException",
            "ThresholdMetricId",
        ),
    ],
)
def test_invalid_alarms_are_refused(world: World, fields: dict[str, Any], code: str, words: str) -> None:
    error = rejected(world, **fields)

    assert error.code == code
    assert words in error.message


def metric_stat(name: str = "5xx", period: int = 60) -> MetricStat:
    return MetricStat(MetricIdentity("App", name), period, "Sum")


@pytest.mark.parametrize(
    ("queries", "words"),
    [
        ((MetricQuery("a", metric_stat=metric_stat()), MetricQuery("a", expression="a * 2")), "unique"),
        (
            (MetricQuery("a", metric_stat=metric_stat()), MetricQuery("b", metric_stat=metric_stat())),
            "Exactly one element",
        ),
        ((MetricQuery("a", return_data=True),), "Exactly one of MetricStat and Expression"),
        (
            (
                MetricQuery("a", metric_stat=metric_stat(period=60), return_data=False),
                MetricQuery("b", metric_stat=metric_stat(period=120), return_data=True),
            ),
            "same period",
        ),
    ],
)
def test_invalid_metrics_lists_are_refused(
    world: World, queries: tuple[MetricQuery, ...], words: str
) -> None:
    error = rejected(world, metric_name=None, namespace=None, statistic=None, period=None, metrics=queries)

    assert error.code == "ValidationException"
    assert words in error.message


def test_metric_name_and_metrics_are_exclusive(world: World) -> None:
    error = rejected(world, metrics=(MetricQuery("a", metric_stat=metric_stat()),))

    assert error.code == "InvalidParameterCombinationException"


def test_tags_are_set_on_creation_only(world: World) -> None:
    definition = world.put_alarm()
    arn = world.alarms.arn(ACCOUNT, "web-5xx")
    world.alarms.tag_resource(ACCOUNT, arn, {"team": "web"})
    world.alarms.put_metric_alarm(ACCOUNT, definition, {"ignored": "on update"})

    assert world.alarms.list_tags(ACCOUNT, arn) == {"team": "web"}
    world.alarms.untag_resource(ACCOUNT, arn, ["team"])
    assert world.alarms.list_tags(ACCOUNT, arn) == {}


def test_tag_operations_need_an_existing_alarm_of_the_account(world: World) -> None:
    world.put_alarm()
    with pytest.raises(ApiError) as other_account:
        world.alarms.list_tags(ACCOUNT, "arn:aws:cloudwatch:us-east-1:999999999999:alarm:web-5xx")
    with pytest.raises(ApiError) as malformed:
        world.alarms.list_tags(ACCOUNT, "arn:aws:sns:us-east-1:123456789012:topic")

    assert other_account.value.code == "ResourceNotFoundException"
    assert malformed.value.code == "InvalidParameterValueException"


def test_set_alarm_state_checks_the_alarm_and_its_reason_data(world: World) -> None:
    world.put_alarm()
    with pytest.raises(ApiError) as unknown:
        world.alarms.set_alarm_state(ACCOUNT, "nope", StateValue.ALARM, "x", None)
    with pytest.raises(ApiError) as bad_json:
        world.alarms.set_alarm_state(ACCOUNT, "web-5xx", StateValue.ALARM, "x", "{not json")

    assert unknown.value.code == "ResourceNotFound"
    assert unknown.value.message == "Alarm nope not found"
    assert bad_json.value.code == "InvalidFormatFault"


def test_deleting_alarms_ignores_unknown_names_keeps_history_and_publishes(world: World) -> None:
    world.put_alarm("a")
    world.put_alarm("b")
    world.published.clear()

    world.alarms.delete_alarms(ACCOUNT, ["a", "missing"])

    alarms, _ = world.alarms.describe_alarms(ACCOUNT, AlarmFilter(), 50, None)
    assert [a.name for a in alarms] == ["b"]
    assert world.published == [(ACCOUNT, "a")]
    assert [i.summary for i in world.history("a")] == ['Alarm "a" deleted', 'Alarm "a" created']


def test_describe_filters(world: World) -> None:
    world.put_alarm("web-1", alarm_actions=("arn:aws:sns:us-east-1:123456789012:pager",))
    world.put_alarm("web-2")
    world.put_alarm("db-1")
    world.alarms.set_alarm_state(ACCOUNT, "web-2", StateValue.ALARM, "x", None)

    def names(**query: Any) -> list[str]:
        alarms, _ = world.alarms.describe_alarms(ACCOUNT, AlarmFilter(**query), 50, None)
        return [a.name for a in alarms]

    assert names() == ["db-1", "web-1", "web-2"]
    assert names(prefix="web-") == ["web-1", "web-2"]
    assert names(names=("db-1", "nope")) == ["db-1"]
    assert names(state="ALARM") == ["web-2"]
    assert names(action_prefix="arn:aws:sns") == ["web-1"]
    assert names(alarm_types=("CompositeAlarm",)) == []
    assert names(related_to="web-1") == []
    with pytest.raises(ApiError) as both:
        names(names=("a",), prefix="a")
    assert both.value.code == "InvalidParameterCombinationException"


def test_actions_can_be_disabled_and_enabled(world: World) -> None:
    world.put_alarm()

    world.alarms.set_actions_enabled(ACCOUNT, ["web-5xx"], False)
    assert world.alarm().definition.actions_enabled is False
    world.alarms.set_actions_enabled(ACCOUNT, ["web-5xx"], True)
    assert world.alarm().definition.actions_enabled is True


def test_alarms_for_a_metric_match_its_dimensions_exactly(world: World) -> None:
    world.put_alarm("plain")
    world.put_alarm("host-a", dimensions=(("Host", "a"),))

    def names(**query: Any) -> list[str]:
        found = world.alarms.describe_alarms_for_metric(
            ACCOUNT,
            "App",
            "5xx",
            **{
                "statistic": None,
                "extended_statistic": None,
                "dimensions": (),
                "period": None,
                "unit": None,
                **query,
            },
        )
        return [a.name for a in found]

    assert names() == ["plain"]
    assert names(dimensions=(("Host", "a"),)) == ["host-a"]
    assert names(statistic="Average") == []
