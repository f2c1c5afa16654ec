"""The run-command worker: claim due commands, ask the alarm gate, advance each rollout, commit.

Any number of replicas may run it: a command is advanced only under a claim (store/claims.py),
and its row is locked while its pass writes. Gated commands in flight are also re-checked against
their alarms on every pass, so an alarm that fires stops dispatch at once (the gate's topics wake
this worker).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openssm.core.clock import Clock
from openssm.core.signals import Notifier
from openssm.domain.alarms.configuration import AlarmConfiguration
from openssm.domain.commands import repository as repo
from openssm.domain.commands.rollout import AlarmStop, Rollout
from openssm.domain.commands.service import RUN_COMMAND_TOPIC
from openssm.domain.nodes.messages import node_topic
from openssm.engine.alarm_gate import ALARMS_TOPIC, AlarmGate
from openssm.store.claims import Claim, claim_due, release, still_held
from openssm.store.engine import Database

LEASE = timedelta(seconds=60)
BATCH = 50


class RunCommandWorker:
    name = "run-command"

    def __init__(
        self, db: Database, clock: Clock, notifier: Notifier, rollout: Rollout, gate: AlarmGate | None
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._rollout = rollout
        self._gate = gate
        self.topics: tuple[str, ...] = (RUN_COMMAND_TOPIC, ALARMS_TOPIC)

    async def run_once(self) -> bool:
        await self._check_gated()
        claims = await self._db.run(self._claim)
        for claim in claims:
            await self._advance(claim)
        return len(claims) == BATCH

    def _claim(self) -> list[Claim]:
        with self._db.begin() as conn:
            return claim_due(conn, repo.CLAIM_COLUMNS, self._clock.now(), LEASE, BATCH)

    async def _check_gated(self) -> None:
        """Stop gated commands in flight whose alarm fired (an alarm change wakes this worker
        through the `alarms` topic; one indexed query when nothing is gated)."""
        if self._gate is None:
            return
        for command_id, account_id, config in await self._db.run(self._read, repo.gated_in_flight):
            stop = await self._stop_for(account_id, config, fresh=False)
            if stop is not None:
                await self._db.run(self._write, repo.mark_alarm_stop, command_id, stop.triggered_alarms)

    async def _advance(self, claim: Claim) -> None:
        alarm_stop: AlarmStop | None = None
        if self._gate is not None:
            peek = await self._db.run(self._read, repo.gate_view, claim.key)
            if peek is not None and peek.needs_gate:
                alarm_stop = await self._stop_for(
                    peek.account_id, peek.alarm_configuration, fresh=peek.has_waiting
                )
        notify = await self._db.run(self._advance_blocking, claim, alarm_stop)
        for instance_id in notify:
            self._notifier.notify(node_topic(instance_id))

    async def _stop_for(
        self, account_id: str, wire: dict[str, Any] | None, *, fresh: bool
    ) -> AlarmStop | None:
        """Ask the gate; None lets the rollout go on."""
        assert self._gate is not None
        decision = await self._gate.check(account_id, AlarmConfiguration.from_wire(wire), fresh=fresh)
        return AlarmStop(decision.triggered_alarms_wire()) if decision.stop else None

    def _read(self, query: Any, *args: Any) -> Any:
        with self._db.begin() as conn:
            return query(conn, *args)

    def _write(self, change: Any, *args: Any) -> None:
        with self._db.begin() as conn:
            change(conn, *args, self._clock.now())

    def _advance_blocking(self, claim: Claim, alarm_stop: AlarmStop | None) -> set[str]:
        with self._db.begin() as conn:
            if not still_held(conn, repo.CLAIM_COLUMNS, claim):
                return set()
            command = repo.command_for_pass(conn, claim.key)
            if command is None:
                return set()
            now = self._clock.now()
            result = self._rollout.advance(conn, command, now, alarm_stop)
            release(conn, repo.CLAIM_COLUMNS, claim, result.next_due)
            return result.notify_nodes
