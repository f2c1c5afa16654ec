"""SQL for metrics (namespace, name, dimensions) and their data points."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from openssm.domain.alarms.models import MetricIdentity
from openssm.store.schema.alarms import metric_data, metrics

M = metrics.c
D = metric_data.c


@dataclass(frozen=True, slots=True)
class StoredDatapoint:
    timestamp: datetime
    unit: str
    sample_count: float
    sum: float
    minimum: float
    maximum: float
    values: list[list[float]] | None


def _identity_conditions(account_id: str, metric: MetricIdentity) -> Any:
    return and_(
        M.account_id == account_id,
        M.namespace == metric.namespace,
        M.metric_name == metric.metric_name,
        M.dimensions_hash == metric.dimensions_hash,
    )


def find_metric(conn: Connection, account_id: str, metric: MetricIdentity) -> int | None:
    found: int | None = conn.execute(select(M.id).where(_identity_conditions(account_id, metric))).scalar()
    return found


def ensure_metric(conn: Connection, account_id: str, metric: MetricIdentity, now: datetime) -> int:
    """The metric's id, created on first use; its last-put time moves to `now`."""
    found = find_metric(conn, account_id, metric)
    if found is not None:
        conn.execute(update(metrics).where(M.id == found).values(last_put=now))
        return found
    try:
        with conn.begin_nested():
            result = conn.execute(
                insert(metrics).values(
                    account_id=account_id,
                    namespace=metric.namespace,
                    metric_name=metric.metric_name,
                    dimensions_hash=metric.dimensions_hash,
                    dimensions=[list(d) for d in metric.sorted_dimensions],
                    last_put=now,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])
    except IntegrityError:  # another writer created it first
        again = find_metric(conn, account_id, metric)
        assert again is not None
        return again


def insert_datapoints(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(metric_data), list(rows))


def datapoints(
    conn: Connection,
    metric_id: int,
    start: datetime,
    end: datetime,
    unit: str | None = None,
    *,
    right_closed: bool = False,
) -> list[StoredDatapoint]:
    """Data points with start <= timestamp < end (start < timestamp <= end if `right_closed`),
    and the given unit, if any."""
    if right_closed:
        conditions = [D.metric_id == metric_id, D.timestamp > start, D.timestamp <= end]
    else:
        conditions = [D.metric_id == metric_id, D.timestamp >= start, D.timestamp < end]
    if unit is not None:
        conditions.append(D.unit == unit)
    rows = conn.execute(
        select(D.timestamp, D.unit, D.sample_count, D.sum, D.minimum, D.maximum, D["values"]).where(
            and_(*conditions)
        )
    )
    return [
        StoredDatapoint(r.timestamp, r.unit, r.sample_count, r.sum, r.minimum, r.maximum, r[6]) for r in rows
    ]


def list_metrics(
    conn: Connection,
    account_id: str,
    *,
    namespace: str | None,
    metric_name: str | None,
    active_since: datetime | None,
    after_id: int | None,
) -> Iterable[tuple[int, str, str, list[list[str]]]]:
    """(id, namespace, name, dimensions) in id order; dimension filters are applied by the caller."""
    conditions: list[Any] = [M.account_id == account_id]
    if namespace is not None:
        conditions.append(M.namespace == namespace)
    if metric_name is not None:
        conditions.append(M.metric_name == metric_name)
    if active_since is not None:
        conditions.append(M.last_put >= active_since)
    if after_id is not None:
        conditions.append(M.id > after_id)
    rows = conn.execute(
        select(M.id, M.namespace, M.metric_name, M.dimensions).where(and_(*conditions)).order_by(M.id)
    )
    return ((r.id, r.namespace, r.metric_name, r.dimensions) for r in rows)


def prune(conn: Connection, before: datetime) -> int:
    """Forget data points older than `before`."""
    return int(conn.execute(delete(metric_data).where(D.timestamp < before)).rowcount)
