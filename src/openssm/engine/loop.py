"""Runs a worker's passes: again at once while it finds work, else after a wake-up or the interval.

A worker exposes `name`, `topics` (the notifier topics that wake it) and `async run_once()`
returning True when it did something. Errors are logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from openssm.core.signals import Notifier

log = logging.getLogger("openssm.worker")


class Worker(Protocol):
    name: str
    topics: tuple[str, ...]

    async def run_once(self) -> bool: ...


class WorkerLoop:
    def __init__(self, worker: Worker, notifier: Notifier, interval: float) -> None:
        self.worker = worker
        self._notifier = notifier
        self._interval = interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"worker:{self.worker.name}")

    async def stop(self) -> None:
        self._stopping.set()
        self._notifier.notify(self.worker.topics[0])
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        wake = asyncio.Event()
        for topic in self.worker.topics:
            self._notifier.attach(topic, wake)
        try:
            await self._passes(wake)
        finally:
            for topic in self.worker.topics:
                self._notifier.unsubscribe(topic, wake)

    async def _passes(self, wake: asyncio.Event) -> None:
        while not self._stopping.is_set():
            wake.clear()
            try:
                busy = await self.worker.run_once()
            except Exception:
                log.exception("worker %s failed a pass", self.worker.name)
                busy = False
            if self._stopping.is_set():
                break
            if busy:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._interval)
