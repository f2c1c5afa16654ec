"""ec2messages (`EC2WindowsMessageDeliveryService.`, signing name `ec2messages`): GetMessages
(long poll), AcknowledgeMessage, SendReply, FailMessage, DeleteMessage.

A node reads, acknowledges and answers only its own messages: `Destination` and the message's
node must be the caller's `mi-` id (else AccessDeniedException). GetMessages answers at once when
messages are deliverable; otherwise it waits on the node's Notifier topic until `long_poll_seconds`
have passed, or the server begins to shut down (`stop_topic`: a waiting poll never delays a
shutdown). A message enqueued in this process wakes the poll at once; for messages enqueued by
other replicas, and for delivered messages whose visibility timeout ends, `PollWaker` (a worker,
every interval) asks the database once which of the nodes with a waiting poll have deliverable
messages and wakes those polls: one query per interval, however many nodes wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Connection

from openssm.core.clock import Clock
from openssm.core.context import RequestContext
from openssm.core.errors import ApiError
from openssm.core.signals import Notifier
from openssm.domain.nodes.messages import Message, MessageHeader, MessageQueue, node_topic
from openssm.node_api.registration import require_self
from openssm.node_api.replies import ReplyDispatcher
from openssm.protocol.registry import NODE, operation
from openssm.store.engine import Database

SERVICE = "ec2messages"
DEFAULT_VISIBILITY_TIMEOUT = 10  # what the official agent asks for
MAX_VISIBILITY_TIMEOUT = 12 * 3600


class PollWaiters:
    """Which nodes have a GetMessages waiting in this process."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def add(self, instance_id: str) -> None:
        self._counts[instance_id] = self._counts.get(instance_id, 0) + 1

    def remove(self, instance_id: str) -> None:
        left = self._counts.get(instance_id, 0) - 1
        if left > 0:
            self._counts[instance_id] = left
        else:
            self._counts.pop(instance_id, None)

    def ids(self) -> list[str]:
        return list(self._counts)


class PollWaker:
    """The worker that wakes waiting polls whose node has deliverable messages."""

    name = "node-poll-waker"
    topics: tuple[str, ...] = ("node-poll-waker",)

    def __init__(
        self, db: Database, clock: Clock, notifier: Notifier, queue: MessageQueue, waiters: PollWaiters
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._queue = queue
        self._waiters = waiters

    async def run_once(self) -> bool:
        waiting = self._waiters.ids()
        if waiting:
            for instance_id in await self._db.run(self._deliverable, waiting):
                self._notifier.notify(node_topic(instance_id))
        return False

    def _deliverable(self, instance_ids: list[str]) -> set[str]:
        with self._db.begin() as conn:
            return self._queue.deliverable_among(conn, instance_ids, self._clock.now())


def message_to_wire(message: Message) -> dict[str, Any]:
    return {
        "MessageId": message.message_id,
        "Destination": message.instance_id,
        "CreatedDate": message.created,  # a string member: serialized as ISO-8601 with milliseconds
        "Topic": message.topic,
        "Payload": message.payload,
    }


class MessageHandlers:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        queue: MessageQueue,
        dispatcher: ReplyDispatcher,
        *,
        long_poll_seconds: float,
        waiters: PollWaiters | None = None,
        stopping: Callable[[], bool] = lambda: False,
        stop_topic: str | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._queue = queue
        self._dispatcher = dispatcher
        self._long_poll = long_poll_seconds
        self.waiters = waiters or PollWaiters()
        self._stopping = stopping
        self._stop_topic = stop_topic

    def _claim(self, instance_id: str, visibility_timeout: int) -> list[Message]:
        with self._db.begin() as conn:
            return self._queue.claim_deliverable(conn, instance_id, self._clock.now(), visibility_timeout)

    @operation("GetMessages", service=SERVICE, callers=(NODE,))
    async def get_messages(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        instance_id = params["Destination"]
        require_self(ctx, instance_id)
        requested = params.get("VisibilityTimeoutInSeconds")
        visibility = (
            DEFAULT_VISIBILITY_TIMEOUT
            if requested is None
            else min(max(requested, 1), MAX_VISIBILITY_TIMEOUT)
        )
        topics = [node_topic(instance_id)] + ([self._stop_topic] if self._stop_topic else [])
        wake = asyncio.Event()
        for topic in topics:
            self._notifier.attach(topic, wake)
        self.waiters.add(instance_id)
        try:
            deadline = self._clock.monotonic() + self._long_poll
            while True:
                wake.clear()
                messages = await self._db.run(self._claim, instance_id, visibility)
                remaining = deadline - self._clock.monotonic()
                if messages or remaining <= 0 or self._stopping():
                    break
                try:
                    await asyncio.wait_for(wake.wait(), remaining)
                except TimeoutError:
                    # Not woken: nothing became deliverable here, and PollWaker would have woken
                    # this poll for messages of other replicas or past their visibility timeout.
                    messages = []
                    break
        finally:
            self.waiters.remove(instance_id)
            for topic in topics:
                self._notifier.unsubscribe(topic, wake)
        return {
            "Destination": instance_id,
            "MessagesRequestId": params["MessagesRequestId"],
            "Messages": [message_to_wire(m) for m in messages],
        }

    def _own_message(self, conn: Connection, ctx: RequestContext, message_id: str) -> MessageHeader:
        message = self._queue.header(conn, message_id)
        if message is None:
            raise ApiError("InvalidMessageIdException", f"Message {message_id} does not exist.")
        require_self(ctx, message.instance_id)
        return message

    @operation("AcknowledgeMessage", service=SERVICE, callers=(NODE,))
    def acknowledge_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        with self._db.begin() as conn:
            message = self._own_message(conn, ctx, params["MessageId"])
            if self._queue.acknowledge(conn, message.instance_id, message.message_id, now):
                listener = self._dispatcher.listener_for(message.topic)
                if listener is not None:
                    listener.on_acknowledged(conn, message.instance_id, message.message_id, now)
        return {}

    @operation("SendReply", service=SERVICE, callers=(NODE,))
    def send_reply(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            payload = orjson.loads(params["Payload"])
        except orjson.JSONDecodeError:
            raise ApiError("ValidationException", "Payload is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise ApiError("ValidationException", "Payload must be a JSON object.")
        now = self._clock.now()
        with self._db.begin() as conn:
            message = self._own_message(conn, ctx, params["MessageId"])
            if self._queue.record_reply(conn, message.message_id, params["ReplyId"], now):
                listener = self._dispatcher.listener_for(message.topic)
                if listener is not None:
                    listener.on_reply(conn, message.instance_id, message.message_id, payload, now)
        return {"MessageId": params["MessageId"], "ReplyId": params["ReplyId"], "ReplyStatus": "Queued"}

    @operation("FailMessage", service=SERVICE, callers=(NODE,))
    def fail_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        with self._db.begin() as conn:
            message = self._own_message(conn, ctx, params["MessageId"])
            if self._queue.fail(conn, message.instance_id, message.message_id):
                listener = self._dispatcher.listener_for(message.topic)
                if listener is not None:
                    listener.on_failed(
                        conn, message.instance_id, message.message_id, params["FailureType"], now
                    )
        return {}

    @operation("DeleteMessage", service=SERVICE, callers=(NODE,))
    def delete_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self._db.begin() as conn:
            message = self._own_message(conn, ctx, params["MessageId"])
            self._queue.delete(conn, message.instance_id, message.message_id)
        return {}
