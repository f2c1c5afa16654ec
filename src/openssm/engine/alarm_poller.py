"""The remote-source poller: re-reads the alarms gated work refers to every `alarm_poll_interval`.

Runs only with a remote alarm source (cloudwatch, alertmanager). The read happens on a thread of
its own, never on the event loop or the database executor. Changes are published by
`PolledAlarmStates.refresh`.
"""

from __future__ import annotations

import asyncio

from openssm.engine.alarm_sources.polled import PolledAlarmStates

POLLER_TOPIC = "alarm-poller"


class RemoteAlarmPoller:
    name = "alarm-poller"
    topics: tuple[str, ...] = (POLLER_TOPIC,)

    def __init__(self, states: PolledAlarmStates) -> None:
        self._states = states

    async def run_once(self) -> bool:
        names = self._states.due()
        if names:
            await asyncio.to_thread(self._states.refresh, names)
        return False
