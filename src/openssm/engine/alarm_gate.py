"""The alarm safety gate: may gated work (a Run Command rollout, an association run, an Automation
execution, a maintenance-window task) go on?

    gate = runtime.services["alarm_gate"]
    config = AlarmConfiguration.from_wire(command_row["alarm_configuration"])   # None: not gated
    decision = await gate.check(account_id, config, fresh=True)   # before a dispatch batch
    if decision.stop:
        ... cancel what was not sent; TriggeredAlarms = decision.triggered_alarms_wire()

`check` reads the alarms and applies the decision table of spec §1.3 (domain/alarms/
configuration.py): OK and INSUFFICIENT_DATA proceed; ALARM stops (State ALARM); a failed read
(unknown alarm, source down, permission denied) stops (State UNKNOWN) unless
IgnorePollAlarmFailure is true.

Sources. `builtin` reads the alarms table: in `check` on the database executor, in
`check_blocking` with the caller's Connection (so a worker running claim -> act -> commit on the
executor decides and dispatches in one transaction, against the committed alarm state). Remote
sources (`cloudwatch`, `alertmanager`) are polled: `check` and `check_blocking` answer from the
latest polled readings (a name never read yet is read at once), `check(fresh=True)` re-reads the
source right before a dispatch batch; network reads run on a thread of their own, never on the
event loop. A remote read from `check_blocking` on a cache miss does block the calling thread for
up to the source timeout: call `check(..., fresh=True)` on the event loop first.

Wake-ups. `topics(account_id, config)` names the Notifier topics that fire when any of the
alarms may have changed (builtin: right after the change commits; remote: when the poller sees a
new reading); `ALARMS_TOPIC` fires for every alarm, for workers that subscribe once at start.
Asking the gate about an alarm keeps it polled (remote sources) for the interest TTL (default
max(300 s, 10 x alarm_poll_interval)): check gated in-flight work at least that often.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import Connection

from openssm.core.clock import Clock
from openssm.domain.alarms.configuration import (
    PROCEED,
    AlarmConfiguration,
    AlarmReading,
    GateDecision,
    TriggeredAlarm,
    TriggeredAlarmState,
    decide,
)
from openssm.domain.alarms.topics import ALARMS_TOPIC, REMOTE_ACCOUNT, Publish, alarm_topic
from openssm.engine.alarm_sources.alertmanager import AlertmanagerAlarmSource
from openssm.engine.alarm_sources.base import AlarmStateProvider
from openssm.engine.alarm_sources.builtin import BuiltinAlarmSource
from openssm.engine.alarm_sources.cloudwatch import CloudWatchAlarmSource
from openssm.engine.alarm_sources.polled import PolledAlarmStates
from openssm.store.engine import Database

__all__ = [
    "ALARMS_TOPIC",
    "AlarmConfiguration",
    "AlarmGate",
    "GateDecision",
    "TriggeredAlarm",
    "TriggeredAlarmState",
    "build_source",
]


class AlarmGate:
    def __init__(self, db: Database, source: BuiltinAlarmSource | PolledAlarmStates) -> None:
        self._db = db
        self._source = source

    @property
    def kind(self) -> str:
        """The source: builtin, cloudwatch or alertmanager."""
        if isinstance(self._source, BuiltinAlarmSource):
            return self._source.kind
        return self._source.source.kind

    async def check(
        self, account_id: str, config: AlarmConfiguration | None, *, fresh: bool = False
    ) -> GateDecision:
        """The decision for work of `account_id` gated by `config` (None: not gated, proceed).
        `fresh` re-reads a remote source now instead of answering from the polled readings."""
        if config is None:
            return PROCEED
        source = self._source
        if isinstance(source, BuiltinAlarmSource):
            readings = await self._db.run(source.read, account_id, config.alarms)
        else:
            readings = await asyncio.to_thread(self._remote, source, config.alarms, fresh)
        return decide(config, readings)

    def check_blocking(
        self, account_id: str, config: AlarmConfiguration | None, *, conn: Connection | None = None
    ) -> GateDecision:
        """`check` for code already on a blocking thread (the database executor). With the
        builtin source and `conn`, the alarms are read in the caller's transaction."""
        if config is None:
            return PROCEED
        source = self._source
        if isinstance(source, BuiltinAlarmSource):
            if conn is not None:
                return decide(config, source.read_with(conn, account_id, config.alarms))
            return decide(config, source.read(account_id, config.alarms))
        return decide(config, self._remote(source, config.alarms, fresh=False))

    def topics(self, account_id: str, config: AlarmConfiguration | None) -> list[str]:
        """Notifier topics that fire when any alarm of `config` may have changed."""
        if config is None:
            return []
        account = account_id if isinstance(self._source, BuiltinAlarmSource) else REMOTE_ACCOUNT
        return [alarm_topic(account, name) for name in config.alarms]

    @staticmethod
    def _remote(states: PolledAlarmStates, names: Sequence[str], fresh: bool) -> dict[str, AlarmReading]:
        states.want(names)
        if fresh:
            return states.refresh(names)
        readings = states.cached(names)
        missing = [name for name in names if name not in readings]
        if missing:
            readings.update(states.refresh(missing))
        return readings


def build_source(
    kind: str,
    *,
    db: Database,
    clock: Clock,
    publish: Publish,
    region: str,
    poll_interval: float,
    timeout: float,
    cloudwatch_endpoint: str = "",
    cloudwatch_region: str = "",
    cloudwatch_access_key_id: str = "",
    cloudwatch_secret_access_key: str = "",
    alertmanager_url: str = "",
) -> BuiltinAlarmSource | PolledAlarmStates:
    """The configured source (settings `alarm_source` and the `cloudwatch_*` / `alertmanager_url`
    settings); remote ones wrapped in their polled state cache."""
    if kind == "builtin":
        return BuiltinAlarmSource(db)
    remote: AlarmStateProvider
    if kind == "cloudwatch":
        remote = CloudWatchAlarmSource(
            endpoint_url=cloudwatch_endpoint or None,
            region=cloudwatch_region or region,
            access_key_id=cloudwatch_access_key_id or None,
            secret_access_key=cloudwatch_secret_access_key or None,
            timeout=timeout,
        )
    elif kind == "alertmanager":
        if not alertmanager_url:
            raise ValueError("alarm source alertmanager needs --alertmanager-url")
        remote = AlertmanagerAlarmSource(alertmanager_url, timeout=timeout)
    else:
        raise ValueError(f"unknown alarm source {kind!r} (builtin, cloudwatch or alertmanager)")
    return PolledAlarmStates(remote, clock, publish, poll_interval=poll_interval)
