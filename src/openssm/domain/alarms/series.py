"""A metric's data points gathered into consecutive periods (buckets), for alarms and statistics."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Connection

from openssm.domain.alarms import metric_repository as metrics_repo
from openssm.domain.alarms.models import MetricIdentity
from openssm.domain.alarms.statistics import Bucket


def windows(
    conn: Connection,
    account_id: str,
    metric: MetricIdentity,
    end: datetime,
    period: int,
    count: int,
    unit: str | None = None,
) -> list[Bucket]:
    """The `count` consecutive windows of `period` seconds that end at `end`, oldest first; each
    holds the data points with window start < timestamp <= window end (all units merged unless
    `unit` is given). The alarm evaluator's sliding windows."""
    out = [Bucket() for _ in range(count)]
    metric_id = metrics_repo.find_metric(conn, account_id, metric)
    if metric_id is None or count <= 0:
        return out
    start = end - timedelta(seconds=period * count)
    for point in metrics_repo.datapoints(conn, metric_id, start, end, unit, right_closed=True):
        index = math.ceil((point.timestamp - start).total_seconds() / period) - 1
        if 0 <= index < count:
            out[index].add(
                point.sample_count, point.sum, point.minimum, point.maximum, point.values, point.unit
            )
    return out


def buckets_by_unit(
    conn: Connection,
    account_id: str,
    metric: MetricIdentity,
    start: datetime,
    end: datetime,
    period: int,
    unit: str | None,
) -> dict[tuple[int, str], Bucket]:
    """Non-empty buckets keyed by (period index, unit): GetMetricStatistics returns a data point per
    period and unit when no Unit is asked for."""
    out: dict[tuple[int, str], Bucket] = {}
    metric_id = metrics_repo.find_metric(conn, account_id, metric)
    if metric_id is None:
        return out
    for point in metrics_repo.datapoints(conn, metric_id, start, end, unit):
        index = int((point.timestamp - start).total_seconds() // period)
        bucket = out.setdefault((index, point.unit), Bucket())
        bucket.add(point.sample_count, point.sum, point.minimum, point.maximum, point.values, point.unit)
    return out
