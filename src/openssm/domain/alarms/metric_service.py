"""Metric data: PutMetricData (validated as CloudWatch does), GetMetricStatistics, ListMetrics.

Data points are kept at the resolution they were published with (openssm does not roll standard-
resolution data up to the minute) for `DATA_RETENTION`. New data makes the alarms on that metric
due for evaluation at once (the evaluator is woken after the commit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openssm.core.clock import Clock
from openssm.core.errors import ApiError
from openssm.domain.alarms import metric_repository as metrics_repo
from openssm.domain.alarms import repository as alarms_repo
from openssm.domain.alarms.models import MetricDatum, MetricIdentity, StatisticsDatapoint, StatisticsRequest
from openssm.domain.alarms.series import buckets_by_unit
from openssm.domain.alarms.statistics import percentile_of, raw_values_of_statistic_set
from openssm.store.engine import Database, after_commit

DATA_RETENTION = timedelta(days=15)
MAX_PAST = timedelta(days=14)
MAX_FUTURE = timedelta(hours=2)
MAX_DATUMS = 1000
MAX_VALUES = 150
MAX_DATAPOINTS = 1440
LIST_METRICS_PAGE = 500
RECENTLY_ACTIVE = timedelta(hours=3)
_LIMIT = 2.0**360
_SMALLEST = 2.0**-260
DEFAULT_UNIT = "None"


def invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def combination(message: str) -> ApiError:
    return ApiError("InvalidParameterCombinationException", message)


def check_value(value: float, parameter: str) -> None:
    """CloudWatch refuses NaN, infinities and magnitudes outside 2^-260 .. 2^360."""
    magnitude = abs(value)
    if math.isnan(value) or magnitude > _LIMIT or (0 < magnitude < _SMALLEST):
        shown = "NaN" if math.isnan(value) else repr(value)
        raise invalid(f"The value {shown} for parameter {parameter} is invalid.")


def check_dimensions(dimensions: Sequence[tuple[str, str]], parameter: str) -> None:
    names = [name for name, _ in dimensions]
    if len(set(names)) != len(names):
        raise invalid(f"No metric may have duplicate dimension names: {parameter}.")
    for index, name in enumerate(names, 1):
        if name.startswith(":") or not name.strip():
            raise invalid(f"The value {name} for parameter {parameter}.member.{index}.Name is invalid.")


def check_period(period: int, parameter: str = "Period") -> None:
    if period not in (1, 5, 10, 20, 30) and period % 60 != 0:
        raise invalid(f"The parameter {parameter} must be 1, 5, 10, 20, 30 or a multiple of 60.")


@dataclass(frozen=True)
class MetricListing:
    metrics: list[MetricIdentity]
    next_position: int | None


class MetricService:
    def __init__(self, db: Database, clock: Clock, wake_evaluator: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self._wake_evaluator = wake_evaluator

    def put_metric_data(self, account_id: str, namespace: str, data: Sequence[MetricDatum]) -> None:
        if namespace.startswith("AWS/"):
            raise invalid(f"The value {namespace} for parameter Namespace is invalid.")
        if not data:
            raise ApiError("MissingRequiredParameterException", "The parameter MetricData is required.")
        if len(data) > MAX_DATUMS:
            raise invalid(f"The collection MetricData must not have a size greater than {MAX_DATUMS}.")
        now = self._clock.now()
        rows = [self._row(datum, f"MetricData.member.{i}", now) for i, datum in enumerate(data, 1)]
        with self._db.begin() as conn:
            ids: dict[MetricIdentity, int] = {}
            for datum, row in zip(data, rows, strict=True):
                metric = MetricIdentity(namespace, datum.metric_name, datum.dimensions)
                if metric not in ids:
                    ids[metric] = metrics_repo.ensure_metric(conn, account_id, metric, now)
                row["metric_id"] = ids[metric]
            metrics_repo.insert_datapoints(conn, rows)
            if alarms_repo.mark_due(conn, account_id, namespace, (d.metric_name for d in data), now):
                after_commit(conn, self._wake_evaluator)

    def _row(self, datum: MetricDatum, parameter: str, now: datetime) -> dict[str, Any]:
        given = [
            name
            for name, value in (
                ("Value", datum.value),
                ("StatisticValues", datum.statistic_values),
                ("Values", datum.values),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise combination(
                f"The parameters {parameter}.{given[0]} and {parameter}.{given[1]} are mutually exclusive "
                "and you have specified both."
            )
        if not given:
            raise combination(
                f"At least one of the parameters {parameter}.Value, {parameter}.StatisticValues or "
                f"{parameter}.Values must be specified."
            )
        if datum.counts is not None and datum.values is None:
            raise combination(f"The parameter {parameter}.Counts requires {parameter}.Values.")
        check_dimensions(datum.dimensions, f"{parameter}.Dimensions")
        if datum.storage_resolution not in (None, 1, 60):
            raise invalid(
                f"The value {datum.storage_resolution} for parameter {parameter}.StorageResolution is "
                "invalid (1 or 60)."
            )
        timestamp = datum.timestamp or now
        if timestamp < now - MAX_PAST:
            raise invalid(
                f"The parameter {parameter}.Timestamp must specify a time no more than two weeks in the past."
            )
        if timestamp > now + MAX_FUTURE:
            raise invalid(
                f"The parameter {parameter}.Timestamp must specify a time no more than two hours in the "
                "future."
            )
        row: dict[str, Any] = {
            "timestamp": timestamp,
            "unit": datum.unit or DEFAULT_UNIT,
            "storage_resolution": datum.storage_resolution or 60,
        }
        if datum.value is not None:
            check_value(datum.value, f"{parameter}.Value")
            v = datum.value
            row.update(sample_count=1.0, sum=v, minimum=v, maximum=v, values=[[v, 1.0]])
        elif datum.values is not None:
            row.update(self._values(datum.values, datum.counts, parameter))
        else:
            stats = datum.statistic_values
            assert stats is not None
            prefix = f"{parameter}.StatisticValues"
            for name, value in (
                ("SampleCount", stats.sample_count),
                ("Sum", stats.sum),
                ("Minimum", stats.minimum),
                ("Maximum", stats.maximum),
            ):
                check_value(value, f"{prefix}.{name}")
            if stats.sample_count <= 0:
                raise invalid(
                    f"The value {stats.sample_count!r} for parameter {prefix}.SampleCount is invalid."
                )
            if stats.minimum > stats.maximum:
                raise invalid(f"The parameter {prefix}.Minimum must not be greater than {prefix}.Maximum.")
            values = raw_values_of_statistic_set(stats.sample_count, stats.sum, stats.minimum, stats.maximum)
            row.update(
                sample_count=stats.sample_count,
                sum=stats.sum,
                minimum=stats.minimum,
                maximum=stats.maximum,
                values=[list(v) for v in values] if values is not None else None,
            )
        return row

    @staticmethod
    def _values(values: Sequence[float], counts: Sequence[float] | None, parameter: str) -> dict[str, Any]:
        if not values:
            raise invalid(f"The collection {parameter}.Values must not be empty.")
        if len(values) > MAX_VALUES:
            raise invalid(
                f"The collection {parameter}.Values must not have a size greater than {MAX_VALUES}."
            )
        if counts is None:
            counts = [1.0] * len(values)
        if len(counts) != len(values):
            raise invalid(
                f"The parameters {parameter}.Values and {parameter}.Counts must be of the same size."
            )
        for i, (value, count) in enumerate(zip(values, counts, strict=True), 1):
            check_value(value, f"{parameter}.Values.member.{i}")
            if math.isnan(count) or count < 0:
                raise invalid(f"The value {count!r} for parameter {parameter}.Counts.member.{i} is invalid.")
        pairs = [[v, c] for v, c in zip(values, counts, strict=True) if c > 0]
        if not pairs:
            raise invalid(f"The parameter {parameter}.Counts must count at least one value.")
        return {
            "sample_count": sum(c for _, c in pairs),
            "sum": sum(v * c for v, c in pairs),
            "minimum": min(v for v, _ in pairs),
            "maximum": max(v for v, _ in pairs),
            "values": pairs,
        }

    def get_metric_statistics(self, account_id: str, request: StatisticsRequest) -> list[StatisticsDatapoint]:
        if request.statistics and request.extended_statistics:
            raise combination(
                "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have "
                "specified both."
            )
        if not request.statistics and not request.extended_statistics:
            raise combination("Must specify either Statistics or ExtendedStatistics.")
        for stat in request.extended_statistics:
            if percentile_of(stat) is None:
                raise invalid(
                    f"The value {stat} for parameter ExtendedStatistics is not supported "
                    "(openssm supports percentiles, pNN)."
                )
        check_dimensions(request.metric.dimensions, "Dimensions")
        period = request.period
        check_period(period)
        if request.start_time >= request.end_time:
            raise invalid("The parameter StartTime must be less than the parameter EndTime.")
        grain = period if period < 60 else 60
        start_epoch = math.floor(request.start_time.timestamp() / grain) * grain
        start = datetime.fromtimestamp(start_epoch, request.start_time.tzinfo)
        requested = math.ceil((request.end_time - start).total_seconds() / period)
        if requested > MAX_DATAPOINTS:
            raise combination(
                f"You have requested up to {requested:,} datapoints, which exceeds the limit of 1,440. "
                "You may "
                "reduce the datapoints requested by increasing Period, or decreasing the time range."
            )
        with self._db.begin() as conn:
            found = buckets_by_unit(
                conn, account_id, request.metric, start, request.end_time, period, request.unit
            )
        points = []
        for (index, unit), bucket in sorted(found.items()):
            values = {s: v for s in request.statistics if (v := bucket.statistic(s)) is not None}
            extended = {s: v for s in request.extended_statistics if (v := bucket.statistic(s)) is not None}
            stamp = start + timedelta(seconds=index * period)
            points.append(StatisticsDatapoint(stamp, unit, values, extended))
        return points

    def list_metrics(
        self,
        account_id: str,
        *,
        namespace: str | None,
        metric_name: str | None,
        dimension_filters: Sequence[tuple[str, str | None]],
        recently_active: bool,
        after_id: int | None,
    ) -> MetricListing:
        now = self._clock.now()
        since = now - (RECENTLY_ACTIVE if recently_active else MAX_PAST)
        found: list[MetricIdentity] = []
        last_id: int | None = None
        with self._db.begin() as conn:
            for metric_id, ns, name, dims in metrics_repo.list_metrics(
                conn,
                account_id,
                namespace=namespace,
                metric_name=metric_name,
                active_since=since,
                after_id=after_id,
            ):
                present = {n: v for n, v in dims}
                if all(n in present and (v is None or present[n] == v) for n, v in dimension_filters):
                    found.append(MetricIdentity(ns, name, tuple((n, v) for n, v in dims)))
                    last_id = metric_id
                    if len(found) == LIST_METRICS_PAGE:
                        break
            else:
                last_id = None
        return MetricListing(found, last_id)

    def prune(self, now: datetime) -> int:
        with self._db.begin() as conn:
            return metrics_repo.prune(conn, now - DATA_RETENTION)
