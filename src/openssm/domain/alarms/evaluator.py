"""Evaluating due alarms against the stored metric data, and recording their transitions.

Alarms use CloudWatch's default *sliding* evaluation window: evaluated at instant T, the newest
data point covers (T - Period, T], the one before (T - 2 Period, T - Period], and so on, so every
data point spans a whole period (no partial period is ever evaluated) and a breach is seen as soon
as its data arrives. An alarm is due every `evaluation_interval` (its EvaluationInterval, else
min(Period, 60 s), aligned to the epoch), when it is created or updated, and when data for its
metric arrives. Each alarm is claimed by a conditional UPDATE of its due time and revision, so any
number of evaluators (threads, replicas) evaluate it once; the transition, its history and the
next due time commit together, and the change is published afterwards.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from openssm.core.clock import Clock
from openssm.domain.alarms import history as hist
from openssm.domain.alarms import repository as repo
from openssm.domain.alarms.definition import Plan, plan_for
from openssm.domain.alarms.evaluation import Datapoint, Outcome, evaluate
from openssm.domain.alarms.models import AlarmDefinition, AlarmState, EvaluationState, MetricAlarm, StateValue
from openssm.domain.alarms.series import windows
from openssm.domain.alarms.statistics import low_sample_limit, percentile_of
from openssm.domain.alarms.topics import Publish
from openssm.store.engine import Database, after_commit

log = logging.getLogger("openssm.alarms")

BATCH = 100


def evaluation_interval(definition: AlarmDefinition) -> int:
    """Seconds between scheduled evaluations of an alarm."""
    return definition.evaluation_interval or min(definition.evaluation_period, 60)


def next_evaluation(now: datetime, interval: int) -> datetime:
    return datetime.fromtimestamp((math.floor(now.timestamp() / interval) + 1) * interval, UTC)


def datapoints(conn: Connection, account_id: str, plan: Plan, now: datetime) -> list[Datapoint]:
    """The evaluation range of `plan` at `now`: one data point per sliding window, oldest first,
    each stamped with its window's start."""
    rule = plan.rule
    period, count = rule.period, rule.range_periods
    start = now - timedelta(seconds=count * period)
    series = {
        key: (stat, windows(conn, account_id, stat.metric, now, period, count, stat.unit))
        for key, stat in plan.stats.items()
    }
    points = []
    for i in range(count):
        period_start = start + timedelta(seconds=i * period)
        values = {key: bucket_list[i].statistic(stat.stat) for key, (stat, bucket_list) in series.items()}
        samples = sum(bucket_list[i].sample_count for _, bucket_list in series.values())
        if plan.expression is not None:
            value = plan.expression(values)
            low = False
        else:
            ((stat, _),) = series.values()
            (value,) = values.values()
            percentile = percentile_of(stat.stat)
            low = percentile is not None and samples < low_sample_limit(percentile)
        points.append(Datapoint(period_start, value, samples, low))
    return points


class AlarmEvaluator:
    def __init__(self, db: Database, clock: Clock, region: str, publish: Publish) -> None:
        self._db = db
        self._clock = clock
        self._region = region
        self._publish = publish

    def evaluate_due(self, limit: int = BATCH) -> int:
        """Evaluate the alarms due now; returns how many were evaluated."""
        now = self._clock.now()
        with self._db.begin() as conn:
            due = repo.due(conn, now, limit)
        evaluated = 0
        for account_id, name, due_at, revision in due:
            try:
                if self._evaluate_one(account_id, name, due_at, revision, now):
                    evaluated += 1
            except Exception:
                log.exception("evaluating alarm %s (account %s) failed", name, account_id)
        return evaluated

    def _evaluate_one(
        self, account_id: str, name: str, due_at: datetime, revision: int, now: datetime
    ) -> bool:
        with self._db.begin() as conn:
            alarm = repo.get(conn, account_id, name)
            if alarm is None or alarm.revision != revision:
                return False
            interval = evaluation_interval(alarm.definition)
            if not repo.claim(conn, account_id, name, due_at, revision, next_evaluation(now, interval)):
                return False
            plan = plan_for(alarm.definition, account_id)
            if isinstance(plan, str):
                outcome, evaluation_state = (
                    Outcome(StateValue.INSUFFICIENT_DATA, f"Unchecked: {plan}"),
                    EvaluationState.EVALUATION_ERROR,
                )
            else:
                outcome, evaluation_state = (
                    evaluate(plan.rule, datapoints(conn, account_id, plan, now), now),
                    None,
                )
            self._apply(conn, alarm, revision + 1, outcome, evaluation_state, now)
        return True

    def _apply(
        self,
        conn: Connection,
        alarm: MetricAlarm,
        revision: int,
        outcome: Outcome,
        evaluation_state: EvaluationState | None,
        now: datetime,
    ) -> None:
        old = alarm.state
        if outcome.state is None or outcome.state == old.value:
            if evaluation_state != alarm.evaluation_state:
                repo.write_state(conn, alarm.account_id, alarm.name, old, evaluation_state, revision=revision)
            return
        new = AlarmState(outcome.state, outcome.reason, outcome.reason_data, now, now)
        if not repo.write_state(conn, alarm.account_id, alarm.name, new, evaluation_state, revision=revision):
            return
        items = [
            hist.state_update(alarm.name, old, new, now),
            *hist.actions_not_run(alarm.definition, new.value, now),
        ]
        repo.add_history(conn, alarm.account_id, items)
        account_id, name = alarm.account_id, alarm.name
        after_commit(conn, lambda: self._publish(account_id, name))
        log.info("alarm %s (account %s): %s -> %s", name, account_id, old.value, new.value)
