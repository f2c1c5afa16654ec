"""In-process wake-ups: "there is new work for X", without polling.

Services call `notify(topic)` after their transaction commits (from any thread); workers and long
polls `await wait(topic, timeout)`. The timeout is the safety net that also covers other server
replicas, whose notifications do not reach this process.
"""

from __future__ import annotations

import asyncio
import threading


class Notifier:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._events: dict[str, set[asyncio.Event]] = {}
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def notify(self, topic: str) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fire(topic)
        else:
            loop.call_soon_threadsafe(self._fire, topic)

    def _fire(self, topic: str) -> None:
        with self._lock:
            events = list(self._events.get(topic, ()))
        for event in events:
            event.set()

    def subscribe(self, topic: str) -> asyncio.Event:
        """A lasting subscription: the event stays set until its owner clears it, so a
        notification that arrives while the owner is busy is not lost."""
        event = asyncio.Event()
        self.attach(topic, event)
        return event

    def attach(self, topic: str, event: asyncio.Event) -> None:
        """Set `event` whenever `topic` is notified (one event may listen to several topics)."""
        with self._lock:
            self._events.setdefault(topic, set()).add(event)

    def unsubscribe(self, topic: str, event: asyncio.Event) -> None:
        with self._lock:
            waiters = self._events.get(topic)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._events[topic]

    async def wait(self, topic: str, timeout: float) -> bool:
        """Wait until `topic` is notified (True) or the timeout passes (False)."""
        event = self.subscribe(topic)
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.unsubscribe(topic, event)
