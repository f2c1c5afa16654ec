"""Housekeeping of the node tables: expired node credentials and long-expired messages (with the
reply ids seen for them) are deleted every `interval`.

Messages are kept `MESSAGE_RETENTION` past their expiry, longer than the official agent keeps
resending undelivered replies (2 hours), so a late reply still finds its message. Deleting is
idempotent, so any number of replicas may run this worker.
"""

from __future__ import annotations

from datetime import timedelta

from openssm.core.clock import Clock
from openssm.domain.nodes import credentials
from openssm.domain.nodes.messages import MessageQueue
from openssm.store.engine import Database

MESSAGE_RETENTION = timedelta(hours=3)
DEFAULT_INTERVAL = 600.0


class NodeHousekeepingWorker:
    name = "node-housekeeping"
    topics: tuple[str, ...] = ("node-housekeeping",)

    def __init__(
        self, db: Database, clock: Clock, queue: MessageQueue, interval: float = DEFAULT_INTERVAL
    ) -> None:
        self._db = db
        self._clock = clock
        self._queue = queue
        self._interval = interval
        self._next: float | None = None

    async def run_once(self) -> bool:
        now = self._clock.monotonic()
        if self._next is not None and now < self._next:
            return False
        self._next = now + self._interval
        await self._db.run(self.sweep)
        return False

    def sweep(self) -> tuple[int, int]:
        """(credentials, messages) deleted."""
        now = self._clock.now()
        with self._db.begin() as conn:
            expired_credentials = credentials.purge_expired(conn, now)
            old_messages = self._queue.purge(conn, now - MESSAGE_RETENTION)
        return expired_credentials, old_messages
