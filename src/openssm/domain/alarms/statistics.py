"""Statistics over the data points of one period: SampleCount, Average, Sum, Minimum, Maximum, pNN.

Each stored data point carries its statistic set (count, sum, min, max) and, when it was published
as raw values, the values with their counts. Percentiles use the nearest-rank method over the raw
values; a period in which some data point was published as a statistic set without usable raw
values has no percentile (as on AWS: a statistic set yields percentiles only when its SampleCount
is 1 or its Minimum equals its Maximum).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex

from openssm.domain.alarms.models import Statistic

_PERCENTILE = regex.compile(r"p(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)")

RawValues = list[tuple[float, float]]  # (value, count)


def percentile_of(stat: str) -> float | None:
    """`p99` -> 99.0, `p99.9` -> 99.9; None for anything else."""
    match = _PERCENTILE.fullmatch(stat)
    return float(match.group(1)) if match else None


_STATISTICS = frozenset(s.value for s in Statistic)


def is_statistic(stat: str) -> bool:
    return stat in _STATISTICS


def is_supported_stat(stat: str) -> bool:
    return is_statistic(stat) or percentile_of(stat) is not None


def low_sample_limit(percentile: float) -> float:
    """Fewer samples than this make a percentile statistically insignificant (AWS's rule:
    10/(1-p) for p >= 0.5, 10/p below)."""
    fraction = percentile / 100
    if fraction >= 1 or fraction <= 0:
        return 0.0
    return 10 / (1 - fraction) if fraction >= 0.5 else 10 / fraction


def raw_values_of_statistic_set(
    sample_count: float, total: float, minimum: float, maximum: float
) -> RawValues | None:
    if minimum == maximum:
        return [(minimum, sample_count)]
    if sample_count == 1:
        return [(total, 1.0)]
    return None


@dataclass
class Bucket:
    """The data points of one period (and unit), merged."""

    sample_count: float = 0.0
    sum: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    values: RawValues | None = field(default_factory=list)
    units: set[str] = field(default_factory=set)

    def add(
        self,
        sample_count: float,
        total: float,
        minimum: float,
        maximum: float,
        values: Iterable[Sequence[float]] | None,
        unit: str,
    ) -> None:
        self.sample_count += sample_count
        self.sum += total
        self.minimum = min(self.minimum, minimum)
        self.maximum = max(self.maximum, maximum)
        self.units.add(unit)
        if values is None:
            self.values = None
        elif self.values is not None:
            self.values.extend((float(v), float(c)) for v, c in values)

    @property
    def empty(self) -> bool:
        return self.sample_count <= 0

    def statistic(self, stat: str) -> float | None:
        """The value of `stat` over this bucket, or None when it has none."""
        if self.empty:
            return None
        if stat == Statistic.SAMPLE_COUNT:
            return self.sample_count
        if stat == Statistic.SUM:
            return self.sum
        if stat == Statistic.AVERAGE:
            return self.sum / self.sample_count
        if stat == Statistic.MINIMUM:
            return self.minimum
        if stat == Statistic.MAXIMUM:
            return self.maximum
        percentile = percentile_of(stat)
        if percentile is None or self.values is None:
            return None
        return nearest_rank(self.values, percentile)


def nearest_rank(values: RawValues, percentile: float) -> float | None:
    """The smallest value such that at least `percentile`% of the samples are <= it."""
    ordered = sorted((v, c) for v, c in values if c > 0)
    total = sum(c for _, c in ordered)
    if total <= 0:
        return None
    rank = max(math.ceil(percentile / 100 * total - 1e-9), 1)
    seen = 0.0
    for value, count in ordered:
        seen += count
        if seen >= rank:
            return value
    return ordered[-1][0]
