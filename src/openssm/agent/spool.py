"""Replies that could not be delivered, kept on disk and resent in order until delivered or old.

The official agent writes a failed SendReply to `replies/<ReplyId>_<time>` and retries every 5
minutes, dropping replies older than 2 hours (the service has timed the document out by then).
Here a file is `<nanoseconds>_<ReplyId>.json` so that replies are resent in the order they were
made; the retry delay starts at `retry_min` and doubles up to `retry_max` while sending fails.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from openssm.agent.state import write_private
from openssm.agent.transport import AwsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpooledReply:
    message_id: str
    reply_id: str
    payload: str
    created_at: float
    """Epoch seconds when the reply was first made."""


class ReplySpool:
    """Thread-safe on-disk queue of replies."""

    def __init__(
        self,
        directory: Path,
        *,
        max_age: float = 7200.0,
        retry_min: float = 30.0,
        retry_max: float = 300.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.max_age = max_age
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.now = now
        self._lock = threading.RLock()
        self._delay = retry_min
        self._next_attempt = 0.0
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _files(self) -> list[Path]:
        return sorted(self.directory.glob("*.json"))

    def add(self, reply: SpooledReply) -> None:
        with self._lock:
            name = f"{time.time_ns():020d}_{reply.reply_id}.json"
            write_private(self.directory / name, json.dumps(asdict(reply)).encode())
            if self._next_attempt <= self.now():
                self._next_attempt = self.now() + self._delay

    def pending(self) -> list[tuple[Path, SpooledReply]]:
        with self._lock:
            items = []
            for path in self._files():
                try:
                    raw = json.loads(path.read_text())
                    items.append((path, SpooledReply(**raw)))
                except (OSError, ValueError, TypeError):
                    log.warning("dropping unreadable spooled reply %s", path.name)
                    path.unlink(missing_ok=True)
            return items

    def has_pending_for(self, message_id: str) -> bool:
        return any(reply.message_id == message_id for _, reply in self.pending())

    def due(self) -> bool:
        with self._lock:
            return self.now() >= self._next_attempt

    def flush(self, send: Callable[[SpooledReply], None], *, force: bool = False) -> int:
        """Resend spooled replies oldest first; stop at the first one that fails again and retry
        later (backoff). Returns how many were delivered. Replies the server rejects for good
        (an error it will not change its mind about) and expired ones are dropped."""
        with self._lock:
            if not force and not self.due():
                return 0
            delivered = 0
            for path, reply in self.pending():
                if self.now() - reply.created_at > self.max_age:
                    log.info(
                        "dropping reply %s for %s: older than %.0f s",
                        reply.reply_id,
                        reply.message_id,
                        self.max_age,
                    )
                    path.unlink(missing_ok=True)
                    continue
                try:
                    send(reply)
                except AwsError as exc:
                    if exc.retryable or exc.credentials_rejected:
                        self._backoff()
                        return delivered
                    log.warning(
                        "the server refused reply %s for %s (%s); dropping it",
                        reply.reply_id,
                        reply.message_id,
                        exc,
                    )
                except Exception as exc:
                    log.info("reply %s still undeliverable: %s", reply.reply_id, exc)
                    self._backoff()
                    return delivered
                else:
                    delivered += 1
                path.unlink(missing_ok=True)
            self._delay = self.retry_min
            self._next_attempt = self.now() + self.retry_min
            return delivered

    def _backoff(self) -> None:
        self._next_attempt = self.now() + self._delay
        self._delay = min(self._delay * 2, self.retry_max)
