"""PutMetricAlarm's rules, and what openssm can evaluate of an alarm (its evaluation `Plan`).

Evaluated: alarms on one metric with a Statistic or a percentile (pNN) ExtendedStatistic, and
`Metrics` alarms whose returned query is a MetricStat or an arithmetic expression over MetricStat
queries (see expressions.py). Stored but not evaluated (they stay INSUFFICIENT_DATA, EvaluationState
EVALUATION_ERROR, with the reason in StateReason): anomaly detection bands (ThresholdMetricId and
the band operators), other metric math, cross-account queries and PromQL (EvaluationCriteria).
"""

from __future__ import annotations

from dataclasses import dataclass

from openssm.core.errors import ApiError
from openssm.domain.alarms.evaluation import Rule
from openssm.domain.alarms.expressions import Expression, UnsupportedExpression, compile_expression
from openssm.domain.alarms.metric_service import check_dimensions
from openssm.domain.alarms.models import (
    BAND_OPERATORS,
    AlarmDefinition,
    ComparisonOperator,
    LowSampleCountPercentile,
    MetricIdentity,
    MetricQuery,
    MetricStat,
    TreatMissingData,
)
from openssm.domain.alarms.statistics import is_statistic, percentile_of

ALARM_PERIODS = (10, 20, 30)
MAX_METRICS = 10


def _validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def _enum_error(value: str, path: str, allowed: list[str]) -> ApiError:
    return _validation(
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _missing(name: str) -> ApiError:
    return ApiError("MissingRequiredParameterException", f"The parameter {name} is required.")


def _check_alarm_period(period: int, parameter: str) -> None:
    if period not in ALARM_PERIODS and period % 60 != 0:
        raise ApiError(
            "InvalidParameterValueException",
            f"The parameter {parameter} must be 10, 20, 30 or a multiple of 60.",
        )


def _check_stat(stat: str, parameter: str) -> None:
    if not is_statistic(stat) and percentile_of(stat) is None:
        raise ApiError(
            "InvalidParameterValueException",
            f"The value {stat} for parameter {parameter} is not supported: openssm evaluates SampleCount, "
            "Average, Sum, Minimum, Maximum and percentiles (p0 .. p100).",
        )


def check_definition(d: AlarmDefinition) -> None:
    """Raise the error PutMetricAlarm answers for an invalid alarm."""
    treat_values = [t.value for t in TreatMissingData]
    if d.treat_missing_data is not None and d.treat_missing_data not in treat_values:
        raise _enum_error(d.treat_missing_data, "treatMissingData", treat_values)
    low_values = [v.value for v in LowSampleCountPercentile]
    low = d.evaluate_low_sample_count_percentile
    if low is not None and low not in low_values:
        raise _enum_error(low, "evaluateLowSampleCountPercentile", low_values)
    for action in (*d.ok_actions, *d.alarm_actions, *d.insufficient_data_actions):
        if not action.startswith("arn:"):
            raise _validation(f"Invalid arn syntax: {action}")
    if d.evaluation_criteria is not None:
        return  # PromQL alarm: stored as given
    if d.evaluation_interval is not None:
        raise ApiError(
            "InvalidParameterCombinationException",
            "EvaluationInterval can be specified only for alarms that use EvaluationCriteria.",
        )
    if d.metric_name is not None and d.metrics is not None:
        raise ApiError(
            "InvalidParameterCombinationException",
            "The parameters MetricName and Metrics are mutually exclusive and you have specified both.",
        )
    if d.metrics is not None:
        _check_metrics(d.metrics)
    elif d.metric_name is not None:
        if d.namespace is None:
            raise _missing("Namespace")
        if (d.statistic is None) == (d.extended_statistic is None):
            raise ApiError(
                "InvalidParameterCombinationException",
                "Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.",
            )
        if d.extended_statistic is not None:
            _check_stat(d.extended_statistic, "ExtendedStatistic")
        check_dimensions(d.dimensions, "Dimensions")
        if d.period is None:
            raise _missing("Period")
        _check_alarm_period(d.period, "Period")
    else:
        raise _validation("Either MetricName or Metrics must be specified.")
    if d.evaluation_periods is None:
        raise _missing("EvaluationPeriods")
    if d.comparison_operator is None:
        raise _missing("ComparisonOperator")
    if d.comparison_operator in BAND_OPERATORS:
        if d.threshold_metric_id is None:
            raise _validation(
                "ThresholdMetricId must be specified with comparison operator " + d.comparison_operator
            )
    elif d.threshold is None:
        raise _missing("Threshold")
    period = d.evaluation_period
    limit = 86400 if period < 3600 else 7 * 86400
    if d.evaluation_periods * period > limit:
        raise _validation(
            f"Metrics cannot be checked across more than {'a day' if limit == 86400 else 'seven days'} "
            f"(EvaluationPeriods * Period must be <= {limit})"
        )
    if d.datapoints_to_alarm is not None and d.datapoints_to_alarm > d.evaluation_periods:
        raise _validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")


def returned_query(queries: tuple[MetricQuery, ...]) -> MetricQuery | None:
    explicit = [q for q in queries if q.return_data is True]
    chosen = explicit or [q for q in queries if q.return_data is not False]
    return chosen[0] if len(chosen) == 1 else None


def _check_metrics(queries: tuple[MetricQuery, ...]) -> None:
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise _validation("The values of the Id fields in the metrics list must be unique.")
    if sum(1 for q in queries if q.metric_stat is not None) > MAX_METRICS:
        raise _validation(f"An alarm can use at most {MAX_METRICS} metrics.")
    if returned_query(queries) is None:
        raise _validation("Exactly one element of the metrics list should return data.")
    if len({q.metric_stat.period for q in queries if q.metric_stat is not None}) > 1:
        raise _validation("All metrics in an alarm must use the same period.")
    for i, q in enumerate(queries, 1):
        if (q.metric_stat is None) == (q.expression is None):
            raise _validation(
                f"Exactly one of MetricStat and Expression must be specified for Metrics.member.{i}."
            )
        if q.metric_stat is not None:
            _check_stat(q.metric_stat.stat, f"Metrics.member.{i}.MetricStat.Stat")
            _check_alarm_period(q.metric_stat.period, f"Metrics.member.{i}.MetricStat.Period")
            check_dimensions(
                q.metric_stat.metric.dimensions, f"Metrics.member.{i}.MetricStat.Metric.Dimensions"
            )


@dataclass(frozen=True)
class Plan:
    """How to evaluate an alarm: the metric stats to read and how to combine them per period."""

    rule: Rule
    stats: dict[str, MetricStat]
    expression: Expression | None  # None: the single stat is the alarm's value


def plan_for(d: AlarmDefinition, account_id: str) -> Plan | str:
    """The evaluation plan, or why openssm cannot evaluate this alarm."""
    if d.evaluation_criteria is not None:
        return "openssm does not evaluate PromQL alarms (EvaluationCriteria)."
    operator = ComparisonOperator(d.comparison_operator or ComparisonOperator.GREATER_THAN_THRESHOLD)
    if operator in BAND_OPERATORS or d.threshold_metric_id is not None or d.threshold is None:
        return "openssm does not evaluate anomaly detection bands (ThresholdMetricId)."
    expression: Expression | None = None
    if d.metrics is not None:
        chosen = returned_query(d.metrics)
        assert chosen is not None
        stats = {q.id: q.metric_stat for q in d.metrics if q.metric_stat is not None}
        if any(q.account_id not in (None, account_id) for q in d.metrics):
            return "openssm does not evaluate cross-account metrics (AccountId)."
        if chosen.metric_stat is not None:
            stats = {chosen.id: chosen.metric_stat}
        else:
            assert chosen.expression is not None
            try:
                expression = compile_expression(chosen.expression)
            except UnsupportedExpression as error:
                return str(error)
            unknown = expression.references - set(stats)
            if unknown:
                names = ", ".join(sorted(unknown))
                return f"openssm evaluates expressions over metrics only; {names} is not a metric."
            stats = {key: stat for key, stat in stats.items() if key in expression.references}
        label = chosen.metric_stat.stat if chosen.metric_stat else None
        unit = chosen.metric_stat.unit if chosen.metric_stat else None
    else:
        assert d.metric_name is not None and d.namespace is not None and d.period is not None
        stat = d.statistic or d.extended_statistic
        assert stat is not None
        stats = {
            "m1": MetricStat(MetricIdentity(d.namespace, d.metric_name, d.dimensions), d.period, stat, d.unit)
        }
        label, unit = stat, d.unit
    assert d.evaluation_periods is not None
    rule = Rule(
        comparison=operator,
        threshold=d.threshold,
        evaluation_periods=d.evaluation_periods,
        datapoints_to_alarm=d.datapoints_to_alarm or d.evaluation_periods,
        treat_missing_data=TreatMissingData(d.treat_missing_data or TreatMissingData.MISSING),
        period=d.evaluation_period,
        statistic=label,
        unit=unit,
        ignore_low_samples=d.evaluate_low_sample_count_percentile == LowSampleCountPercentile.IGNORE,
    )
    return Plan(rule, stats, expression)
