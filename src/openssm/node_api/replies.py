"""Who hears what nodes say about their messages: reply listeners, chosen by the message's topic.

A feature that sends messages (Run Command: topic prefix `aws.ssm.sendCommand`, and its cancel
messages `aws.ssm.cancelCommand`) registers a `ReplyListener` for its topic prefix; the ec2messages
handlers call it inside the transaction that records the node's call, so what the listener writes
commits together with it (and is rolled back, to be retried by the node, if it raises).

Guarantees:
* `on_reply` is called once per (message, ReplyId): a reply the agent resends (its spool retries
  undelivered replies) with the same ReplyId is recognised and not dispatched again. Replies are
  dispatched whatever the message's state (also after acknowledgement, or when withdrawn).
* `on_acknowledged` is called once, for the first AcknowledgeMessage of a message (which may come
  after its first replies).
* `on_failed` is called once, when FailMessage ends a message that was not acknowledged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection


class ReplyListener(Protocol):
    def on_reply(
        self, conn: Connection, instance_id: str, message_id: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """SendReply: `payload` is the reply's JSON payload, parsed."""

    def on_acknowledged(self, conn: Connection, instance_id: str, message_id: str, now: datetime) -> None:
        """AcknowledgeMessage: the node took the message and will not get it again."""

    def on_failed(
        self, conn: Connection, instance_id: str, message_id: str, failure_type: str, now: datetime
    ) -> None:
        """FailMessage: the node could not handle the message (`InternalHandlerException`,
        `NoHandlerExists`); it is not delivered again."""


class ReplyDispatcher:
    """Listeners by topic prefix; the longest matching prefix wins."""

    def __init__(self) -> None:
        self._listeners: dict[str, ReplyListener] = {}

    def register(self, topic_prefix: str, listener: ReplyListener) -> None:
        if topic_prefix in self._listeners:
            raise ValueError(f"a reply listener for {topic_prefix!r} is already registered")
        self._listeners[topic_prefix] = listener

    def listener_for(self, topic: str) -> ReplyListener | None:
        matches = [prefix for prefix in self._listeners if topic.startswith(prefix)]
        return self._listeners[max(matches, key=len)] if matches else None
