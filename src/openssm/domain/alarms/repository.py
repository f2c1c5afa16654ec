"""SQL for metric alarms, their history and their tags; every function takes the caller's Connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.engine import Row

from openssm.domain.alarms.models import (
    AlarmDefinition,
    AlarmState,
    AlarmType,
    EvaluationState,
    HistoryItem,
    HistoryItemType,
    MetricAlarm,
    MetricIdentity,
    MetricQuery,
    MetricStat,
    StateValue,
)
from openssm.domain.tagging.service import write_tags
from openssm.store.schema.alarms import alarm_history, metric_alarms
from openssm.store.schema.core import tags

TAG_RESOURCE_TYPE = "cloudwatch:alarm"
T = metric_alarms.c


def _stat_to_json(stat: MetricStat) -> dict[str, Any]:
    return {
        "namespace": stat.metric.namespace,
        "metric_name": stat.metric.metric_name,
        "dimensions": [list(d) for d in stat.metric.dimensions],
        "period": stat.period,
        "stat": stat.stat,
        "unit": stat.unit,
    }


def _stat_from_json(data: Mapping[str, Any]) -> MetricStat:
    metric = MetricIdentity(
        data["namespace"], data["metric_name"], tuple((n, v) for n, v in data["dimensions"])
    )
    return MetricStat(metric, data["period"], data["stat"], data.get("unit"))


def _queries_to_json(queries: Sequence[MetricQuery] | None) -> list[dict[str, Any]] | None:
    if queries is None:
        return None
    return [
        {
            "id": q.id,
            "metric_stat": _stat_to_json(q.metric_stat) if q.metric_stat else None,
            "expression": q.expression,
            "label": q.label,
            "return_data": q.return_data,
            "period": q.period,
            "account_id": q.account_id,
        }
        for q in queries
    ]


def _queries_from_json(data: list[dict[str, Any]] | None) -> tuple[MetricQuery, ...] | None:
    if data is None:
        return None
    return tuple(
        MetricQuery(
            id=q["id"],
            metric_stat=_stat_from_json(q["metric_stat"]) if q.get("metric_stat") else None,
            expression=q.get("expression"),
            label=q.get("label"),
            return_data=q.get("return_data"),
            period=q.get("period"),
            account_id=q.get("account_id"),
        )
        for q in data
    )


def _definition_values(d: AlarmDefinition) -> dict[str, Any]:
    return {
        "alarm_description": d.description,
        "actions_enabled": d.actions_enabled,
        "ok_actions": list(d.ok_actions),
        "alarm_actions": list(d.alarm_actions),
        "insufficient_data_actions": list(d.insufficient_data_actions),
        "metric_name": d.metric_name,
        "namespace": d.namespace,
        "statistic": d.statistic,
        "extended_statistic": d.extended_statistic,
        "dimensions": [list(x) for x in d.dimensions],
        "period": d.period,
        "unit": d.unit,
        "evaluation_periods": d.evaluation_periods,
        "datapoints_to_alarm": d.datapoints_to_alarm,
        "threshold": d.threshold,
        "comparison_operator": d.comparison_operator,
        "treat_missing_data": d.treat_missing_data,
        "evaluate_low_sample_count_percentile": d.evaluate_low_sample_count_percentile,
        "metrics": _queries_to_json(d.metrics),
        "threshold_metric_id": d.threshold_metric_id,
        "evaluation_criteria": d.evaluation_criteria,
        "evaluation_interval": d.evaluation_interval,
    }


def _alarm(row: Row[Any]) -> MetricAlarm:
    definition = AlarmDefinition(
        name=row.alarm_name,
        description=row.alarm_description,
        actions_enabled=row.actions_enabled,
        ok_actions=tuple(row.ok_actions),
        alarm_actions=tuple(row.alarm_actions),
        insufficient_data_actions=tuple(row.insufficient_data_actions),
        metric_name=row.metric_name,
        namespace=row.namespace,
        statistic=row.statistic,
        extended_statistic=row.extended_statistic,
        dimensions=tuple((n, v) for n, v in row.dimensions),
        period=row.period,
        unit=row.unit,
        evaluation_periods=row.evaluation_periods,
        datapoints_to_alarm=row.datapoints_to_alarm,
        threshold=row.threshold,
        comparison_operator=row.comparison_operator,
        treat_missing_data=row.treat_missing_data,
        evaluate_low_sample_count_percentile=row.evaluate_low_sample_count_percentile,
        metrics=_queries_from_json(row.metrics),
        threshold_metric_id=row.threshold_metric_id,
        evaluation_criteria=row.evaluation_criteria,
        evaluation_interval=row.evaluation_interval,
    )
    state = AlarmState(
        StateValue(row.state_value),
        row.state_reason,
        row.state_reason_data,
        row.state_updated,
        row.state_transitioned,
    )
    evaluation_state = EvaluationState(row.evaluation_state) if row.evaluation_state else None
    return MetricAlarm(
        row.account_id, definition, state, row.configuration_updated, evaluation_state, row.revision
    )


def _key(account_id: str, name: str) -> Any:
    return and_(T.account_id == account_id, T.alarm_name == name)


def get(conn: Connection, account_id: str, name: str, *, lock: bool = False) -> MetricAlarm | None:
    query = select(metric_alarms).where(_key(account_id, name))
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _alarm(row) if row is not None else None


def states(conn: Connection, account_id: str, names: Iterable[str]) -> dict[str, StateValue]:
    """The current state of each named alarm that exists (the built-in alarm source)."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    rows = conn.execute(
        select(T.alarm_name, T.state_value).where(and_(T.account_id == account_id, T.alarm_name.in_(wanted)))
    )
    return {name: StateValue(value) for name, value in rows}


def insert_alarm(conn: Connection, alarm: MetricAlarm, next_evaluation: datetime) -> None:
    conn.execute(
        insert(metric_alarms).values(
            account_id=alarm.account_id,
            alarm_name=alarm.name,
            state_value=alarm.state.value.value,
            state_reason=alarm.state.reason,
            state_reason_data=alarm.state.reason_data,
            state_updated=alarm.state.updated,
            state_transitioned=alarm.state.transitioned,
            evaluation_state=alarm.evaluation_state.value if alarm.evaluation_state else None,
            configuration_updated=alarm.configuration_updated,
            revision=1,
            next_evaluation_at=next_evaluation,
            **_definition_values(alarm.definition),
        )
    )


def update_definition(
    conn: Connection, account_id: str, definition: AlarmDefinition, now: datetime, next_evaluation: datetime
) -> None:
    conn.execute(
        update(metric_alarms)
        .where(_key(account_id, definition.name))
        .values(
            configuration_updated=now,
            next_evaluation_at=next_evaluation,
            revision=T.revision + 1,
            **_definition_values(definition),
        )
    )


def write_state(
    conn: Connection,
    account_id: str,
    name: str,
    state: AlarmState,
    evaluation_state: EvaluationState | None,
    *,
    revision: int | None = None,
) -> bool:
    """Store a new state; with `revision`, only if the alarm was not written since it was read."""
    condition = _key(account_id, name)
    if revision is not None:
        condition = and_(condition, T.revision == revision)
    result = conn.execute(
        update(metric_alarms)
        .where(condition)
        .values(
            state_value=state.value.value,
            state_reason=state.reason,
            state_reason_data=state.reason_data,
            state_updated=state.updated,
            state_transitioned=state.transitioned,
            evaluation_state=evaluation_state.value if evaluation_state else None,
            revision=T.revision + 1,
        )
    )
    return result.rowcount == 1


def delete_alarms(conn: Connection, account_id: str, names: Sequence[str]) -> list[MetricAlarm]:
    found = [
        _alarm(row)
        for row in conn.execute(
            select(metric_alarms).where(and_(T.account_id == account_id, T.alarm_name.in_(list(names))))
        )
    ]
    if found:
        conn.execute(
            delete(metric_alarms).where(
                and_(T.account_id == account_id, T.alarm_name.in_([a.name for a in found]))
            )
        )
        conn.execute(
            delete(tags).where(
                and_(
                    tags.c.account_id == account_id,
                    tags.c.resource_type == TAG_RESOURCE_TYPE,
                    tags.c.resource_id.in_([a.name for a in found]),
                )
            )
        )
    return found


def set_actions_enabled(conn: Connection, account_id: str, names: Sequence[str], enabled: bool) -> list[str]:
    rows = conn.execute(
        update(metric_alarms)
        .where(and_(T.account_id == account_id, T.alarm_name.in_(list(names)), T.actions_enabled != enabled))
        .values(actions_enabled=enabled, revision=T.revision + 1)
        .returning(T.alarm_name)
    )
    return list(rows.scalars())


def list_alarms(
    conn: Connection,
    account_id: str,
    *,
    names: Sequence[str] | None = None,
    prefix: str | None = None,
    state: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[MetricAlarm]:
    conditions: list[Any] = [T.account_id == account_id]
    if names is not None:
        conditions.append(T.alarm_name.in_(list(names)))
    if prefix is not None:
        conditions.append(T.alarm_name.startswith(prefix, autoescape=True))
    if state is not None:
        conditions.append(T.state_value == state)
    if after is not None:
        conditions.append(T.alarm_name > after)
    query = select(metric_alarms).where(and_(*conditions)).order_by(T.alarm_name)
    if limit is not None:
        query = query.limit(limit)
    return [_alarm(row) for row in conn.execute(query)]


def for_metric(conn: Connection, account_id: str, namespace: str, metric_name: str) -> list[MetricAlarm]:
    query = (
        select(metric_alarms)
        .where(and_(T.account_id == account_id, T.namespace == namespace, T.metric_name == metric_name))
        .order_by(T.alarm_name)
    )
    return [_alarm(row) for row in conn.execute(query)]


# Evaluation scheduling


def due(conn: Connection, now: datetime, limit: int) -> list[tuple[str, str, datetime, int]]:
    rows = conn.execute(
        select(T.account_id, T.alarm_name, T.next_evaluation_at, T.revision)
        .where(T.next_evaluation_at <= now)
        .order_by(T.next_evaluation_at)
        .limit(limit)
    )
    return [(r.account_id, r.alarm_name, r.next_evaluation_at, r.revision) for r in rows]


def claim(
    conn: Connection, account_id: str, name: str, due_at: datetime, revision: int, next_evaluation: datetime
) -> bool:
    """Move the alarm's next evaluation on, only if nobody else evaluated or changed it since it
    was read as due; the winner holds the row until its transaction ends."""
    result = conn.execute(
        update(metric_alarms)
        .where(and_(_key(account_id, name), T.next_evaluation_at == due_at, T.revision == revision))
        .values(next_evaluation_at=next_evaluation, revision=T.revision + 1)
    )
    return result.rowcount == 1


def mark_due(
    conn: Connection, account_id: str, namespace: str, metric_names: Iterable[str], now: datetime
) -> int:
    """New data: evaluate the alarms on these metrics (and all math alarms of the account) now.

    Also an alarm already due gets the new due time: an evaluation that read the alarm as due
    before this data committed then loses its claim (the due time changed), or, if it already
    holds the alarm, this update waits for it and makes the alarm due again after it — either
    way the data is evaluated at once, not a period later."""
    names = list(set(metric_names))
    result = conn.execute(
        update(metric_alarms)
        .where(
            and_(
                T.account_id == account_id,
                T.next_evaluation_at.is_not(None),
                or_(and_(T.namespace == namespace, T.metric_name.in_(names)), T.metric_name.is_(None)),
            )
        )
        .values(next_evaluation_at=now)
    )
    return int(result.rowcount)


# History


def add_history(conn: Connection, account_id: str, items: Sequence[HistoryItem]) -> None:
    if not items:
        return
    conn.execute(
        insert(alarm_history),
        [
            {
                "account_id": account_id,
                "alarm_name": item.alarm_name,
                "alarm_type": item.alarm_type.value,
                "timestamp": item.timestamp,
                "history_item_type": item.item_type.value,
                "history_summary": item.summary[:255],
                "history_data": item.data,
            }
            for item in items
        ],
    )


def history(
    conn: Connection,
    account_id: str,
    *,
    alarm_name: str | None,
    item_type: str | None,
    start: datetime | None,
    end: datetime | None,
    ascending: bool,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[HistoryItem]:
    h = alarm_history.c
    conditions: list[Any] = [h.account_id == account_id]
    if alarm_name is not None:
        conditions.append(h.alarm_name == alarm_name)
    if item_type is not None:
        conditions.append(h.history_item_type == item_type)
    if start is not None:
        conditions.append(h.timestamp >= start)
    if end is not None:
        conditions.append(h.timestamp <= end)
    if after is not None:
        stamp, item_id = after
        if ascending:
            conditions.append(or_(h.timestamp > stamp, and_(h.timestamp == stamp, h.id > item_id)))
        else:
            conditions.append(or_(h.timestamp < stamp, and_(h.timestamp == stamp, h.id < item_id)))
    order = (h.timestamp.asc(), h.id.asc()) if ascending else (h.timestamp.desc(), h.id.desc())
    rows = conn.execute(select(alarm_history).where(and_(*conditions)).order_by(*order).limit(limit))
    return [
        HistoryItem(
            alarm_name=r.alarm_name,
            alarm_type=AlarmType(r.alarm_type),
            timestamp=r.timestamp,
            item_type=HistoryItemType(r.history_item_type),
            summary=r.history_summary,
            data=r.history_data,
            id=r.id,
        )
        for r in rows
    ]


def prune_history(conn: Connection, before: datetime) -> int:
    return int(conn.execute(delete(alarm_history).where(alarm_history.c.timestamp < before)).rowcount)


# Tags


def tags_of(conn: Connection, account_id: str, name: str) -> dict[str, str]:
    rows = conn.execute(
        select(tags.c.key, tags.c.value)
        .where(
            and_(
                tags.c.account_id == account_id,
                tags.c.resource_type == TAG_RESOURCE_TYPE,
                tags.c.resource_id == name,
            )
        )
        .order_by(tags.c.key)
    )
    return {key: value for key, value in rows}


def put_tags(conn: Connection, account_id: str, name: str, new_tags: Mapping[str, str]) -> None:
    write_tags(conn, account_id, TAG_RESOURCE_TYPE, name, new_tags, tags_of(conn, account_id, name))


def remove_tags(conn: Connection, account_id: str, name: str, keys: Sequence[str]) -> None:
    conn.execute(
        delete(tags).where(
            and_(
                tags.c.account_id == account_id,
                tags.c.resource_type == TAG_RESOURCE_TYPE,
                tags.c.resource_id == name,
                tags.c.key.in_(list(keys)),
            )
        )
    )
