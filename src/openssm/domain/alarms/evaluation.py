"""Evaluating one metric alarm: from per-period data points to OK / ALARM / INSUFFICIENT_DATA.

Pure functions; the rules are those of the CloudWatch User Guide ("How alarm state is evaluated
when data is missing"), table-tested in tests/unit/alarms/test_alarm_evaluation.py against the
guide's two example tables:

* The evaluation range is `EvaluationPeriods + 2` data points (windows of one period), newest last.
* With at least N (EvaluationPeriods) real data points in the range, the N most recent real ones
  are evaluated and TreatMissingData is not consulted: ALARM if at least M (DatapointsToAlarm)
  breach, else OK.
* With none: `missing` -> INSUFFICIENT_DATA, `ignore` -> the state is kept, `breaching` -> ALARM,
  `notBreaching` -> OK.
* With fewer than N: every real point is evaluated and only the shortfall is filled, as breaching
  (`breaching`) or not (the others). With `missing`/`ignore`, the "premature alarm" rule applies:
  when every real point breaches and the oldest breaching point within the last N periods is at
  least M periods old, the alarm goes to ALARM (`missing`) or keeps its state (`ignore`).
* A percentile alarm with EvaluateLowSampleCountPercentile `ignore` keeps its state while any
  evaluated period has too few samples to be significant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from openssm.domain.alarms.models import ComparisonOperator, StateValue, TreatMissingData

EXTRA_PERIODS = 2
"""How many periods beyond EvaluationPeriods the evaluation range reaches back."""

_PHRASES = {
    ComparisonOperator.GREATER_THAN_THRESHOLD: "greater than",
    ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD: "greater than or equal to",
    ComparisonOperator.LESS_THAN_THRESHOLD: "less than",
    ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD: "less than or equal to",
}
_FILLED_AS = {TreatMissingData.BREACHING: "Breaching", TreatMissingData.NOT_BREACHING: "NonBreaching"}
MAX_REASON = 1023
MAX_REASON_DATA = 4000


@dataclass(frozen=True, slots=True)
class Datapoint:
    start: datetime  # the start of its period
    value: float | None  # None: no data in the period
    sample_count: float = 0.0
    low_sample: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    comparison: ComparisonOperator
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: TreatMissingData
    period: int
    statistic: str | None = None
    unit: str | None = None
    ignore_low_samples: bool = False

    @property
    def range_periods(self) -> int:
        return self.evaluation_periods + EXTRA_PERIODS


@dataclass(frozen=True, slots=True)
class Outcome:
    state: StateValue | None  # None: keep the current state
    reason: str
    reason_data: str | None = None


def breaches(comparison: ComparisonOperator, value: float, threshold: float) -> bool:
    if comparison == ComparisonOperator.GREATER_THAN_THRESHOLD:
        return value > threshold
    if comparison == ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD:
        return value >= threshold
    if comparison == ComparisonOperator.LESS_THAN_THRESHOLD:
        return value < threshold
    if comparison == ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD:
        return value <= threshold
    raise ValueError(f"{comparison} compares with an anomaly detection band")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def reason_date(value: datetime) -> str:
    return value.strftime("%d/%m/%y %H:%M:%S")


def data_date(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _listed(points: Sequence[Datapoint]) -> str:
    return ", ".join(f"{p.value!r} ({reason_date(p.start)})" for p in reversed(points))


def evaluate(rule: Rule, points: Sequence[Datapoint], query_date: datetime) -> Outcome:
    """The outcome of evaluating `points` (the evaluation range, oldest first, one per period)."""
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    points = list(points)[-rule.range_periods :]
    real = [p for p in points if p.value is not None]
    recent = real[-n:]
    if rule.ignore_low_samples and any(p.low_sample for p in recent):
        return Outcome(
            None, "Low sample count: the alarm state was kept (EvaluateLowSampleCountPercentile ignore)."
        )
    data = _reason_data(rule, recent, points, query_date)
    if len(real) >= n:
        breaching = [p for p in recent if _breach(rule, p)]
        state = StateValue.ALARM if len(breaching) >= m else StateValue.OK
        return Outcome(state, _crossed(rule, recent, breaching, state), data)
    treat = rule.treat_missing_data
    if not real:
        if treat == TreatMissingData.MISSING:
            return Outcome(
                StateValue.INSUFFICIENT_DATA,
                f"Insufficient Data: {_plural(n, 'datapoint')} {_was(n)} unknown.",
                data,
            )
        if treat == TreatMissingData.IGNORE:
            return Outcome(None, "No datapoints: the alarm state was kept (TreatMissingData ignore).")
        state = StateValue.ALARM if treat == TreatMissingData.BREACHING else StateValue.OK
        return Outcome(
            state,
            f"Threshold Crossed: no datapoints were received for {_plural(n, 'period')} and "
            f"{_plural(n, 'missing datapoint')} {_was(n)} treated as [{_FILLED_AS[treat]}].",
            data,
        )
    shortfall = n - len(real)
    breaching = [p for p in real if _breach(rule, p)]
    count = len(breaching) + (shortfall if treat == TreatMissingData.BREACHING else 0)
    if treat in (TreatMissingData.MISSING, TreatMissingData.IGNORE) and _premature(
        rule, points, real, breaching
    ):
        if treat == TreatMissingData.IGNORE:
            return Outcome(None, "Missing datapoints: the alarm state was kept (TreatMissingData ignore).")
        reason = (
            f"Threshold Crossed: {_plural(len(breaching), 'datapoint')} [{_listed(breaching)}] "
            f"{_was(len(breaching))} {_PHRASES[rule.comparison]} the threshold ({rule.threshold!r}) and the "
            f"more recent datapoints are missing."
        )
        return Outcome(StateValue.ALARM, reason[:MAX_REASON], data)
    state = StateValue.ALARM if count >= m else StateValue.OK
    reason = _crossed(rule, real, breaching, state)
    filled_as = _FILLED_AS.get(treat)
    if filled_as:
        reason += f" {_plural(shortfall, 'missing datapoint')} {_was(shortfall)} treated as [{filled_as}]."
    else:
        reason += f" {_plural(shortfall, 'datapoint')} {_was(shortfall)} missing."
    return Outcome(state, reason[:MAX_REASON], data)


def _breach(rule: Rule, point: Datapoint) -> bool:
    assert point.value is not None
    return breaches(rule.comparison, point.value, rule.threshold)


def _premature(
    rule: Rule, points: list[Datapoint], real: list[Datapoint], breaching: list[Datapoint]
) -> bool:
    if not breaching or len(breaching) != len(real):
        return False
    # age 1 is the newest period; the oldest real point of the last N periods must be >= M old
    last = points[-rule.evaluation_periods :]
    ages = [age for age, point in enumerate(reversed(last), 1) if point.value is not None]
    return max(ages, default=0) >= rule.datapoints_to_alarm


def _crossed(rule: Rule, evaluated: list[Datapoint], breaching: list[Datapoint], state: StateValue) -> str:
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    phrase = _PHRASES[rule.comparison]
    threshold = f"the threshold ({rule.threshold!r})"
    if state == StateValue.ALARM:
        shown, negation = breaching, ""
        minimum = f"(minimum {_plural(m, 'datapoint')} for OK -> ALARM transition)"
    else:
        shown, negation = [p for p in evaluated if p not in breaching], "not "
        minimum = f"(minimum {_plural(n - m + 1, 'datapoint')} for ALARM -> OK transition)"
    count = len(shown)
    if len(evaluated) == 1 or (state == StateValue.ALARM and count == n == m):
        text = (
            f"Threshold Crossed: {_plural(count, 'datapoint')} [{_listed(shown)}] "
            f"{_was(count)} {negation}{phrase} {threshold}."
        )
    else:
        text = (
            f"Threshold Crossed: {count} out of the last {len(evaluated)} datapoints [{_listed(shown)}] "
            f"{_was(count)} {negation}{phrase} {threshold} {minimum}."
        )
    if len(text) > MAX_REASON:
        text = (
            f"Threshold Crossed: {count} out of the last {len(evaluated)} datapoints "
            f"{_was(count)} {negation}{phrase} {threshold}."
        )
    return text


def _reason_data(
    rule: Rule, evaluated: list[Datapoint], points: list[Datapoint], query_date: datetime
) -> str:
    data: dict[str, Any] = {"version": "1.0", "queryDate": data_date(query_date)}
    if points:
        data["startDate"] = data_date(points[-rule.evaluation_periods :][0].start)
    if rule.statistic:
        data["statistic"] = rule.statistic
    if rule.unit:
        data["unit"] = rule.unit
    data["period"] = rule.period
    shown = list(evaluated)
    while True:
        data["recentDatapoints"] = [p.value for p in shown]
        data["threshold"] = rule.threshold
        data["evaluatedDatapoints"] = [
            {"timestamp": data_date(p.start), "sampleCount": p.sample_count, "value": p.value}
            for p in reversed(shown)
        ]
        text = orjson.dumps(data).decode()
        if len(text) <= MAX_REASON_DATA or not shown:
            return text
        shown = shown[len(shown) // 2 :]
