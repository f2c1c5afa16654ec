"""The alarm evaluator worker: evaluates due alarms (domain/alarms/evaluator.py) and, about once an
hour, forgets metric data and alarm history past their retention.

Woken by `alarm-evaluator` (new metric data, a new or updated alarm); otherwise every worker
interval, which finds the alarms whose next evaluation time has come.
"""

from __future__ import annotations

import logging

from openssm.core.clock import Clock
from openssm.domain.alarms.evaluator import BATCH, AlarmEvaluator
from openssm.domain.alarms.metric_service import MetricService
from openssm.domain.alarms.service import AlarmService
from openssm.domain.alarms.topics import EVALUATOR_TOPIC
from openssm.store.engine import Database

log = logging.getLogger("openssm.alarms")

PRUNE_EVERY = 3600.0


class AlarmEvaluatorWorker:
    name = "alarm-evaluator"
    topics: tuple[str, ...] = (EVALUATOR_TOPIC,)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        evaluator: AlarmEvaluator,
        alarms: AlarmService,
        metrics: MetricService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._evaluator = evaluator
        self._alarms = alarms
        self._metrics = metrics
        self._pruned_at: float | None = None

    async def run_once(self) -> bool:
        evaluated = await self._db.run(self.run_blocking)
        return evaluated >= BATCH

    def run_blocking(self) -> int:
        """One pass on the calling thread: prune when due, then evaluate the due alarms."""
        mono = self._clock.monotonic()
        if self._pruned_at is None or mono - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = mono
            now = self._clock.now()
            data, history = self._metrics.prune(now), self._alarms.prune_history(now)
            if data or history:
                log.info("pruned %d metric data points and %d alarm history items", data, history)
        return self._evaluator.evaluate_due()
