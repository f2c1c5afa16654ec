"""Send replies now, or spool them: the one road every reply to the server takes.

A reply for a message that already has replies waiting in the spool is queued behind them, so
the server never sees a command's final status before its InProgress update.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from openssm.agent import replies
from openssm.agent.client import NodeClient
from openssm.agent.spool import ReplySpool, SpooledReply
from openssm.agent.transport import AwsError, TransportError

log = logging.getLogger(__name__)


class ReplySender:
    def __init__(
        self,
        client: NodeClient,
        spool: ReplySpool,
        *,
        on_credentials_rejected: Callable[[], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.spool = spool
        self.on_credentials_rejected = on_credentials_rejected
        self.now = now
        self._lock = threading.Lock()

    def _deliver(self, reply: SpooledReply) -> None:
        try:
            self.client.send_reply(reply.message_id, reply.reply_id, reply.payload)
        except AwsError as exc:
            if exc.credentials_rejected and self.on_credentials_rejected is not None:
                self.on_credentials_rejected()
            raise

    def send(self, message_id: str, payload: dict[str, Any]) -> bool:
        """Send a reply; True if delivered now, False if spooled (or refused for good)."""
        reply = SpooledReply(message_id, str(uuid.uuid4()), replies.encode(payload), self.now())
        with self._lock:
            if self.spool.has_pending_for(message_id):
                self.spool.add(reply)
                self.spool.flush(self._deliver, force=True)
                return False
            try:
                self._deliver(reply)
                return True
            except AwsError as exc:
                if exc.retryable or exc.credentials_rejected:
                    log.info("reply for %s spooled: %s", message_id, exc)
                    self.spool.add(reply)
                else:
                    log.warning("the server refused a reply for %s: %s", message_id, exc)
                return False
            except (TransportError, OSError, ValueError, RuntimeError) as exc:
                log.info("reply for %s spooled: %s", message_id, exc)
                self.spool.add(reply)
                return False

    def flush(self, *, force: bool = False) -> int:
        """Resend spooled replies if their retry time has come (or now, with `force`)."""
        with self._lock:
            return self.spool.flush(self._deliver, force=force)
