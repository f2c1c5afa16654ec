"""A migrated database (SQLite and PostgreSQL) with the alarm services, the evaluator and a fake
clock on it; published alarm changes are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openssm.core.clock import FakeClock
from openssm.domain.alarms import repository as repo
from openssm.domain.alarms.evaluator import AlarmEvaluator
from openssm.domain.alarms.metric_service import MetricService
from openssm.domain.alarms.models import AlarmDefinition, HistoryItem, MetricAlarm, MetricDatum
from openssm.domain.alarms.service import AlarmService, HistoryFilter
from openssm.store.engine import Database
from tests.support.alertmanager import FakeAlertmanager
from tests.support.databases import database_url
from tests.support.moto_server import MotoServer

ACCOUNT = "123456789012"
REGION = "us-east-1"
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class World:
    db: Database
    clock: FakeClock
    alarms: AlarmService
    metrics: MetricService
    evaluator: AlarmEvaluator
    published: list[tuple[str, str]] = field(default_factory=list)
    wakes: list[str] = field(default_factory=list)

    def put_alarm(self, name: str = "web-5xx", **fields: Any) -> AlarmDefinition:
        defaults: dict[str, Any] = {
            "metric_name": "5xx",
            "namespace": "App",
            "statistic": "Sum",
            "period": 60,
            "evaluation_periods": 1,
            "threshold": 5.0,
            "comparison_operator": "GreaterThanThreshold",
        }
        definition = AlarmDefinition(name=name, **{**defaults, **fields})
        self.alarms.put_metric_alarm(ACCOUNT, definition, {})
        return definition

    def put(
        self, value: float | None = None, *, seconds_ago: float = 0, metric: str = "5xx", **fields: Any
    ) -> None:
        from datetime import timedelta

        datum = MetricDatum(
            metric_name=metric,
            value=value,
            timestamp=self.clock.now() - timedelta(seconds=seconds_ago),
            **fields,
        )
        self.metrics.put_metric_data(ACCOUNT, "App", [datum])

    def alarm(self, name: str = "web-5xx") -> MetricAlarm:
        with self.db.begin() as conn:
            found = repo.get(conn, ACCOUNT, name)
        assert found is not None
        return found

    def state(self, name: str = "web-5xx") -> str:
        return self.alarm(name).state.value.value

    def evaluate(self) -> int:
        return self.evaluator.evaluate_due()

    def advance(self, seconds: float) -> int:
        """Move the clock and run the evaluator as its worker would."""
        self.clock.advance(seconds)
        return self.evaluate()

    def history(self, name: str | None = "web-5xx", **query: Any) -> list[HistoryItem]:
        items, _ = self.alarms.history(ACCOUNT, HistoryFilter(alarm_name=name, **query), 100, None)
        return items


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[World]:
    with database_url(backend, tmp_path) as url:
        db = Database(url)
        db.migrate()
        clock = FakeClock(START)
        published: list[tuple[str, str]] = []
        wakes: list[str] = []

        def publish(account_id: str, name: str) -> None:
            published.append((account_id, name))

        def wake() -> None:
            wakes.append("evaluator")

        alarms = AlarmService(db, clock, REGION, publish, wake)
        metrics = MetricService(db, clock, wake)
        evaluator = AlarmEvaluator(db, clock, REGION, publish)
        try:
            yield World(db, clock, alarms, metrics, evaluator, published, wakes)
        finally:
            db.close()


# Real peers of the remote alarm sources: moto's server (CloudWatch) and a fake Alertmanager.
@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def alertmanager() -> Iterator[FakeAlertmanager]:
    server = FakeAlertmanager().start()
    try:
        yield server
    finally:
        server.stop()
