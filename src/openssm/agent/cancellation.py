"""A cancel flag for one command: set by a cancelCommand message or by agent shutdown."""

from __future__ import annotations

import threading
from enum import StrEnum


class StopReason(StrEnum):
    CANCELLED = "cancelled"
    """The user cancelled the command (CancelCommand)."""
    SHUTDOWN = "shutdown"
    """The agent is stopping."""


class CancelToken:
    """Thread-safe; waiters register an Event that is set when the token is cancelled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: StopReason | None = None
        self._wakers: list[threading.Event] = []

    def cancel(self, reason: StopReason = StopReason.CANCELLED) -> None:
        with self._lock:
            if self._reason is None:
                self._reason = reason
            wakers = list(self._wakers)
        for event in wakers:
            event.set()

    @property
    def reason(self) -> StopReason | None:
        with self._lock:
            return self._reason

    @property
    def cancelled(self) -> bool:
        return self.reason is not None

    def add_waker(self, event: threading.Event) -> None:
        with self._lock:
            self._wakers.append(event)
            if self._reason is not None:
                event.set()

    def remove_waker(self, event: threading.Event) -> None:
        with self._lock:
            if event in self._wakers:
                self._wakers.remove(event)
