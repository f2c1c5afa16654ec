"""The latest polled states of a remote source's alarms that in-flight work refers to.

In memory, per server process (replica): each replica polls the remote source for the alarms its
own workers check. An alarm is "of interest" for `interest_ttl` seconds after the gate was last
asked about it; the poller re-reads the alarms of interest every `poll_interval` and publishes
`alarm:remote:<name>` (and `alarms`) when a reading changes, so gated work is re-checked at once.
Thread-safe: reads happen on worker threads, checks on the event loop and the database executor.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from openssm.core.clock import Clock
from openssm.domain.alarms.configuration import AlarmReading
from openssm.domain.alarms.topics import REMOTE_ACCOUNT, Publish
from openssm.engine.alarm_sources.base import AlarmStateProvider


@dataclass
class _Entry:
    reading: AlarmReading | None = None
    read_at: float = float("-inf")  # clock.monotonic() of the reading
    wanted_at: float = float("-inf")  # clock.monotonic() of the last interest


class PolledAlarmStates:
    def __init__(
        self,
        source: AlarmStateProvider,
        clock: Clock,
        publish: Publish,
        *,
        poll_interval: float,
        interest_ttl: float | None = None,
    ) -> None:
        self.source = source
        self._clock = clock
        self._publish = publish
        self.poll_interval = poll_interval
        self._ttl = interest_ttl if interest_ttl is not None else max(300.0, 10 * poll_interval)
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def want(self, names: Sequence[str]) -> None:
        """Note that work refers to these alarms (keeps them polled)."""
        now = self._clock.monotonic()
        with self._lock:
            for name in names:
                self._entries.setdefault(name, _Entry()).wanted_at = now

    def cached(self, names: Sequence[str]) -> dict[str, AlarmReading]:
        with self._lock:
            return {
                name: entry.reading
                for name in names
                if (entry := self._entries.get(name)) is not None and entry.reading is not None
            }

    def refresh(self, names: Sequence[str]) -> dict[str, AlarmReading]:
        """Read the source now (blocking), remember the readings and publish those that changed."""
        wanted = list(dict.fromkeys(names))
        readings = self.source.read(REMOTE_ACCOUNT, wanted)
        now = self._clock.monotonic()
        changed = []
        with self._lock:
            for name in wanted:
                reading = readings.get(name) or AlarmReading.failed("no reading")
                entry = self._entries.setdefault(name, _Entry())
                if entry.reading is not None and _differs(entry.reading, reading):
                    changed.append(name)
                entry.reading, entry.read_at = reading, now
        for name in changed:
            self._publish(REMOTE_ACCOUNT, name)
        return {name: readings.get(name) or AlarmReading.failed("no reading") for name in wanted}

    def due(self) -> list[str]:
        """Alarms of interest whose reading is older than the poll interval; forgets the others
        once nobody asked about them for the interest TTL."""
        now = self._clock.monotonic()
        with self._lock:
            for name in [n for n, e in self._entries.items() if now - e.wanted_at > self._ttl]:
                del self._entries[name]
            return [name for name, e in self._entries.items() if now - e.read_at >= self.poll_interval]


def _differs(old: AlarmReading, new: AlarmReading) -> bool:
    return old.state != new.state or old.is_failure != new.is_failure
