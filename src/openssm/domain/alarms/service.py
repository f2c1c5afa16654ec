"""Metric alarms: PutMetricAlarm, DescribeAlarms, DeleteAlarms, SetAlarmState, DescribeAlarmHistory,
Enable/DisableAlarmActions, DescribeAlarmsForMetric and alarm tags.

A new alarm starts INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") and is evaluated at
once by the evaluator; an update keeps the state and replaces the whole configuration (tags given
on update are ignored, as on AWS). Every state change is recorded in the history and published
(topics.py) after it commits, so the alarm gate hears of it at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import orjson
import regex
from sqlalchemy import Connection

from openssm.core.clock import Clock
from openssm.core.errors import ApiError
from openssm.domain.alarms import history as hist
from openssm.domain.alarms import repository as repo
from openssm.domain.alarms.definition import check_definition, plan_for
from openssm.domain.alarms.models import (
    AlarmDefinition,
    AlarmState,
    AlarmType,
    EvaluationState,
    HistoryItem,
    MetricAlarm,
    StateValue,
)
from openssm.domain.alarms.topics import Publish
from openssm.store.engine import Database, after_commit

HISTORY_RETENTION = timedelta(days=14)
_ALARM_ARN = regex.compile(r"arn:aws[a-z-]*:cloudwatch:[^:]*:(\d{12}):alarm:(.+)")


@dataclass(frozen=True)
class AlarmFilter:
    names: tuple[str, ...] | None = None
    prefix: str | None = None
    state: str | None = None
    action_prefix: str | None = None
    alarm_types: tuple[str, ...] | None = None
    related_to: str | None = None  # ChildrenOfAlarmName / ParentsOfAlarmName: composite only


@dataclass(frozen=True)
class HistoryFilter:
    alarm_name: str | None = None
    alarm_types: tuple[str, ...] | None = None
    item_type: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    ascending: bool = False


def _has_action_prefix(alarm: MetricAlarm, prefix: str) -> bool:
    d = alarm.definition
    return any(a.startswith(prefix) for a in (*d.ok_actions, *d.alarm_actions, *d.insufficient_data_actions))


def _includes_metric_alarms(alarm_types: tuple[str, ...] | None) -> bool:
    return alarm_types is None or AlarmType.METRIC_ALARM in alarm_types


class AlarmService:
    def __init__(
        self, db: Database, clock: Clock, region: str, publish: Publish, wake_evaluator: Callable[[], None]
    ) -> None:
        self._db = db
        self._clock = clock
        self.region = region
        self._publish = publish
        self._wake_evaluator = wake_evaluator

    def arn(self, account_id: str, name: str) -> str:
        return hist.alarm_arn(self.region, account_id, name)

    def _published(self, conn: Connection, account_id: str, names: Sequence[str]) -> None:
        def publish() -> None:
            for name in names:
                self._publish(account_id, name)

        after_commit(conn, publish)

    def put_metric_alarm(self, account_id: str, definition: AlarmDefinition, tags: Mapping[str, str]) -> None:
        check_definition(definition)
        for key in tags:
            if key.lower().startswith("aws:"):
                raise ApiError(
                    "InvalidParameterValueException", f"The tag key {key} is reserved for AWS use."
                )
        now = self._clock.now()
        plan = plan_for(definition, account_id)
        unsupported = isinstance(plan, str)
        with self._db.begin() as conn:
            existing = repo.get(conn, account_id, definition.name, lock=True)
            if existing is None:
                reason = "Unchecked: Initial alarm creation" + (f". {plan}" if isinstance(plan, str) else "")
                state = AlarmState(StateValue.INSUFFICIENT_DATA, reason, None, now, now)
                alarm = MetricAlarm(
                    account_id,
                    definition,
                    state,
                    now,
                    EvaluationState.EVALUATION_ERROR if unsupported else None,
                )
                repo.insert_alarm(conn, alarm, next_evaluation=now)
                repo.put_tags(conn, account_id, definition.name, tags)
                repo.add_history(
                    conn, account_id, [hist.configuration_update("Create", alarm, self.region, now)]
                )
                self._published(conn, account_id, [definition.name])
            else:
                repo.update_definition(conn, account_id, definition, now, next_evaluation=now)
                updated = replace(existing, definition=definition, configuration_updated=now)
                item = hist.configuration_update("Update", updated, self.region, now, previous=existing)
                repo.add_history(conn, account_id, [item])
            after_commit(conn, self._wake_evaluator)

    def describe_alarms(
        self, account_id: str, query: AlarmFilter, limit: int, after: str | None
    ) -> tuple[list[MetricAlarm], str | None]:
        """A page of alarms in name order and the name to continue after (None at the end)."""
        if query.names is not None and query.prefix is not None:
            raise ApiError(
                "InvalidParameterCombinationException",
                "The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have "
                "specified both.",
            )
        if query.related_to is not None or not _includes_metric_alarms(query.alarm_types):
            return [], None  # openssm has no composite alarms
        with self._db.begin() as conn:
            if query.action_prefix is None:
                found = repo.list_alarms(
                    conn,
                    account_id,
                    names=query.names,
                    prefix=query.prefix,
                    state=query.state,
                    after=after,
                    limit=limit + 1,
                )
            else:
                candidates = repo.list_alarms(
                    conn, account_id, names=query.names, prefix=query.prefix, state=query.state, after=after
                )
                found = [a for a in candidates if _has_action_prefix(a, query.action_prefix)][: limit + 1]
        if len(found) > limit:
            return found[:limit], found[limit - 1].name
        return found, None

    def describe_alarms_for_metric(
        self,
        account_id: str,
        namespace: str,
        metric_name: str,
        *,
        statistic: str | None,
        extended_statistic: str | None,
        dimensions: tuple[tuple[str, str], ...],
        period: int | None,
        unit: str | None,
    ) -> list[MetricAlarm]:
        with self._db.begin() as conn:
            alarms = repo.for_metric(conn, account_id, namespace, metric_name)
        wanted = sorted(dimensions)

        def matches(alarm: MetricAlarm) -> bool:
            d = alarm.definition
            return (
                sorted(d.dimensions) == wanted
                and (statistic is None or d.statistic == statistic)
                and (extended_statistic is None or d.extended_statistic == extended_statistic)
                and (period is None or d.period == period)
                and (unit is None or d.unit == unit)
            )

        return [a for a in alarms if matches(a)]

    def delete_alarms(self, account_id: str, names: Sequence[str]) -> None:
        """Deletes the named alarms that exist; unknown names are ignored (the others are still
        deleted, as the API reference says)."""
        now = self._clock.now()
        with self._db.begin() as conn:
            deleted = repo.delete_alarms(conn, account_id, names)
            items = [hist.configuration_update("Delete", alarm, self.region, now) for alarm in deleted]
            repo.add_history(conn, account_id, items)
            self._published(conn, account_id, [a.name for a in deleted])

    def set_alarm_state(
        self, account_id: str, name: str, value: StateValue, reason: str, reason_data: str | None
    ) -> None:
        if reason_data is not None:
            try:
                orjson.loads(reason_data)
            except orjson.JSONDecodeError:
                raise ApiError("InvalidFormatFault", "StateReasonData is not valid JSON.") from None
        now = self._clock.now()
        with self._db.begin() as conn:
            alarm = repo.get(conn, account_id, name, lock=True)
            if alarm is None:
                raise ApiError("ResourceNotFound", f"Alarm {name} not found")
            old = alarm.state
            changed = old.value != value
            new = AlarmState(value, reason, reason_data, now, now if changed else old.transitioned)
            repo.write_state(conn, account_id, name, new, alarm.evaluation_state)
            if changed:
                items = [
                    hist.state_update(name, old, new, now),
                    *hist.actions_not_run(alarm.definition, value, now),
                ]
                repo.add_history(conn, account_id, items)
            self._published(conn, account_id, [name])

    def set_actions_enabled(self, account_id: str, names: Sequence[str], enabled: bool) -> None:
        with self._db.begin() as conn:
            repo.set_actions_enabled(conn, account_id, names, enabled)

    def history(
        self, account_id: str, query: HistoryFilter, limit: int, after: tuple[datetime, int] | None
    ) -> tuple[list[HistoryItem], tuple[datetime, int] | None]:
        if not _includes_metric_alarms(query.alarm_types):
            return [], None
        with self._db.begin() as conn:
            items = repo.history(
                conn,
                account_id,
                alarm_name=query.alarm_name,
                item_type=query.item_type,
                start=query.start,
                end=query.end,
                ascending=query.ascending,
                after=after,
                limit=limit + 1,
            )
        if len(items) > limit:
            last = items[limit - 1]
            return items[:limit], (last.timestamp, last.id)
        return items, None

    def prune_history(self, now: datetime) -> int:
        with self._db.begin() as conn:
            return repo.prune_history(conn, now - HISTORY_RETENTION)

    # Tags

    def _tagged_alarm(self, account_id: str, arn: str) -> str:
        match = _ALARM_ARN.fullmatch(arn)
        if match is None:
            raise ApiError("InvalidParameterValueException", f"Invalid ARN: {arn}")
        owner, name = str(match.group(1)), str(match.group(2))
        with self._db.begin() as conn:
            if owner != account_id or repo.get(conn, account_id, name) is None:
                raise ApiError("ResourceNotFoundException", f"Alarm {name} does not exist.")
        return name

    def tag_resource(self, account_id: str, arn: str, tags: Mapping[str, str]) -> None:
        name = self._tagged_alarm(account_id, arn)
        with self._db.begin() as conn:
            repo.put_tags(conn, account_id, name, tags)

    def untag_resource(self, account_id: str, arn: str, keys: Sequence[str]) -> None:
        name = self._tagged_alarm(account_id, arn)
        with self._db.begin() as conn:
            repo.remove_tags(conn, account_id, name, keys)

    def list_tags(self, account_id: str, arn: str) -> dict[str, str]:
        name = self._tagged_alarm(account_id, arn)
        with self._db.begin() as conn:
            return repo.tags_of(conn, account_id, name)
