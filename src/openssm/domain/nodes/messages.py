"""The ec2messages queue: messages for managed nodes, stored in `node_messages`.

A message's life (`state`):

    queued ──GetMessages──> delivered ──AcknowledgeMessage──> acknowledged
       │                      │  └── visibility timeout passes: deliverable again (redelivery)
       │                      ├──FailMessage──> failed
       │                      └──DeleteMessage──> deleted
       └──────────────────────┴──withdraw (cancel, deregistration)──> withdrawn

Only `queued` and `delivered` messages are ever handed out, and only while unexpired and past
their `visible_at`; an acknowledged message is never delivered again. Handing out is a
conditional UPDATE per message (`WHERE state IN (queued, delivered) AND visible_at <= now`), so
two replicas (or two polls) never both deliver the same message within its visibility timeout.

The agent replies (SendReply) before it acknowledges (spec: InProgress, plugin results,
AcknowledgeMessage, final status), so a `delivered` message may already be running on the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, select, update

from openssm.store.schema.nodes import node_messages as nm
from openssm.store.schema.nodes import node_replies as nr
from openssm.store.statements import insert_if_absent, one_of

MAX_MESSAGES_PER_POLL = 10


def node_topic(instance_id: str) -> str:
    """The Notifier topic of a node's queue: notify it (after commit) when a message is enqueued,
    so the node's waiting GetMessages answers at once."""
    return f"node-messages:{instance_id}"


class MessageState(StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    DELETED = "deleted"
    WITHDRAWN = "withdrawn"


_DELIVERABLE = (MessageState.QUEUED.value, MessageState.DELIVERED.value)
_UNACKNOWLEDGED = (*_DELIVERABLE, MessageState.WITHDRAWN.value)
# Statements of the ec2messages hot path, built once so SQLAlchemy reuses their cache keys.
_BY_ID = select(nm).where(nm.c.message_id == bindparam("message_id"))
_HEADER_BY_ID = select(nm.c.message_id, nm.c.instance_id, nm.c.topic, nm.c.state).where(
    nm.c.message_id == bindparam("message_id")
)
_DELIVERABLE_OF_NODE = (
    select(nm)
    .where(
        and_(
            nm.c.instance_id == bindparam("instance_id"),
            one_of(nm.c.state, _DELIVERABLE),
            nm.c.visible_at <= bindparam("now"),
            nm.c.expires_at > bindparam("now"),
        )
    )
    .order_by(nm.c.created_date, nm.c.message_id)
    .limit(bindparam("limit"))
)
_DELIVERABLE_OF_NODE_LOCKED = _DELIVERABLE_OF_NODE.with_for_update(skip_locked=True)
_DELIVER = (
    update(nm)
    .where(
        and_(
            nm.c.message_id == bindparam("id"),
            one_of(nm.c.state, _DELIVERABLE),
            nm.c.visible_at <= bindparam("now"),
        )
    )
    .values(
        state=MessageState.DELIVERED.value,
        visible_at=bindparam("hidden_until"),
        delivery_count=nm.c.delivery_count + 1,
    )
)
_ACKNOWLEDGE = (
    update(nm)
    .where(
        and_(
            nm.c.message_id == bindparam("id"),
            nm.c.instance_id == bindparam("node"),
            one_of(nm.c.state, _UNACKNOWLEDGED),
        )
    )
    .values(state=MessageState.ACKNOWLEDGED.value, acknowledged_date=bindparam("now"))
)


@dataclass(frozen=True, slots=True)
class MessageHeader:
    message_id: str
    instance_id: str
    topic: str
    state: MessageState


@dataclass(frozen=True, slots=True)
class Message:
    message_id: str
    instance_id: str
    topic: str
    payload: str
    """The payload as the JSON text sent in GetMessages' `Payload`."""
    created: datetime
    expires_at: datetime
    delivery_count: int
    state: MessageState


def _to_message(row: Any) -> Message:
    return Message(
        message_id=row["message_id"],
        instance_id=row["instance_id"],
        topic=row["topic"],
        payload=row["payload"],
        created=row["created_date"],
        expires_at=row["expires_at"],
        delivery_count=row["delivery_count"],
        state=MessageState(row["state"]),
    )


class MessageQueue:
    """Stateless operations on the queue; every call works in the caller's transaction."""

    def enqueue(
        self,
        conn: Connection,
        *,
        message_id: str,
        instance_id: str,
        topic: str,
        payload: dict[str, Any],
        created: datetime,
        expires_at: datetime,
    ) -> None:
        """Queue a message, deliverable at once until `expires_at`. Enqueueing an existing
        message id changes nothing (so a retried enqueue is harmless). The caller notifies
        `node_topic(instance_id)` after committing."""
        insert_if_absent(
            conn,
            nm,
            {
                "message_id": message_id,
                "instance_id": instance_id,
                "topic": topic,
                "payload": orjson.dumps(payload).decode(),
                "created_date": created,
                "visible_at": created,
                "expires_at": expires_at,
                "delivery_count": 0,
                "state": MessageState.QUEUED.value,
            },
        )

    def header(self, conn: Connection, message_id: str) -> MessageHeader | None:
        """Whose message it is, its topic and state (without reading its payload)."""
        row = conn.execute(_HEADER_BY_ID, {"message_id": message_id}).first()
        if row is None:
            return None
        return MessageHeader(row.message_id, row.instance_id, row.topic, MessageState(row.state))

    def get(self, conn: Connection, message_id: str) -> Message | None:
        row = conn.execute(_BY_ID, {"message_id": message_id}).mappings().first()
        return _to_message(row) if row is not None else None

    def withdraw(self, conn: Connection, message_id: str) -> bool:
        """Take back a message that was not acknowledged: it is never delivered again. True if
        it was withdrawn now (it had not been acknowledged, failed or deleted); a message that was
        already handed out (`delivered`) may be running on the node all the same — its replies and
        a late acknowledgement are still dispatched to the reply listeners."""
        result = conn.execute(
            update(nm)
            .where(and_(nm.c.message_id == message_id, one_of(nm.c.state, _DELIVERABLE)))
            .values(state=MessageState.WITHDRAWN.value)
        )
        return result.rowcount == 1

    def withdraw_all(self, conn: Connection, instance_id: str) -> list[str]:
        """Withdraw every message of the node that was not acknowledged; returns their ids."""
        query = select(nm.c.message_id).where(
            and_(nm.c.instance_id == instance_id, one_of(nm.c.state, _DELIVERABLE))
        )
        ids = list(conn.execute(query).scalars())
        if ids:
            conn.execute(
                update(nm)
                .where(and_(nm.c.message_id.in_(ids), one_of(nm.c.state, _DELIVERABLE)))
                .values(state=MessageState.WITHDRAWN.value)
            )
        return ids

    def claim_deliverable(
        self, conn: Connection, instance_id: str, now: datetime, visibility_timeout_s: int
    ) -> list[Message]:
        """Hand out the node's deliverable messages (oldest first, at most 10): queued ones, and
        delivered ones whose visibility timeout has passed without an acknowledgement. Each is
        hidden for `visibility_timeout_s` seconds. Expired messages are skipped."""
        # On PostgreSQL concurrent polls take different messages (SKIP LOCKED).
        query = _DELIVERABLE_OF_NODE_LOCKED if conn.dialect.name == "postgresql" else _DELIVERABLE_OF_NODE
        params = {"instance_id": instance_id, "now": now, "limit": MAX_MESSAGES_PER_POLL}
        candidates = conn.execute(query, params).mappings().all()
        hidden_until = now + timedelta(seconds=visibility_timeout_s)
        claimed: list[Message] = []
        for row in candidates:
            result = conn.execute(
                _DELIVER, {"id": row["message_id"], "now": now, "hidden_until": hidden_until}
            )
            if result.rowcount == 1:
                message = _to_message(row)
                claimed.append(
                    Message(
                        message.message_id,
                        message.instance_id,
                        message.topic,
                        message.payload,
                        message.created,
                        message.expires_at,
                        message.delivery_count + 1,
                        MessageState.DELIVERED,
                    )
                )
        return claimed

    def deliverable_among(self, conn: Connection, instance_ids: Sequence[str], now: datetime) -> set[str]:
        """Which of these nodes have a message `claim_deliverable` would hand out now."""
        if not instance_ids:
            return set()
        query = (
            select(nm.c.instance_id)
            .distinct()
            .where(
                and_(
                    nm.c.instance_id.in_(list(instance_ids)),
                    one_of(nm.c.state, _DELIVERABLE),
                    nm.c.visible_at <= now,
                    nm.c.expires_at > now,
                )
            )
        )
        return set(conn.execute(query).scalars())

    def acknowledge(self, conn: Connection, instance_id: str, message_id: str, now: datetime) -> bool:
        """Mark the node's message acknowledged: it is never delivered again. True only for the
        first acknowledgement (also of a withdrawn message, which the node then runs anyway)."""
        result = conn.execute(_ACKNOWLEDGE, {"id": message_id, "node": instance_id, "now": now})
        return result.rowcount == 1

    def fail(self, conn: Connection, instance_id: str, message_id: str) -> bool:
        """FailMessage: the node could not handle the message; it is not delivered again. True
        if this changed its state (an acknowledged message can't fail)."""
        return self._finish(conn, instance_id, message_id, MessageState.FAILED)

    def delete(self, conn: Connection, instance_id: str, message_id: str) -> bool:
        """DeleteMessage: the message is not delivered again."""
        return self._finish(conn, instance_id, message_id, MessageState.DELETED)

    def _finish(self, conn: Connection, instance_id: str, message_id: str, state: MessageState) -> bool:
        result = conn.execute(
            update(nm)
            .where(
                and_(
                    nm.c.message_id == message_id,
                    nm.c.instance_id == instance_id,
                    one_of(nm.c.state, _UNACKNOWLEDGED),
                )
            )
            .values(state=state.value)
        )
        return result.rowcount == 1

    def record_reply(self, conn: Connection, message_id: str, reply_id: str, now: datetime) -> bool:
        """Remember a SendReply's ReplyId; False if it was seen before (a resent reply)."""
        return insert_if_absent(
            conn, nr, {"message_id": message_id, "reply_id": reply_id, "received_date": now}
        )

    def purge(self, conn: Connection, expired_before: datetime) -> int:
        """Drop messages (and their reply ids) that expired before the given instant."""
        old = select(nm.c.message_id).where(nm.c.expires_at < expired_before).scalar_subquery()
        conn.execute(delete(nr).where(nr.c.message_id.in_(old)))
        return conn.execute(delete(nm).where(nm.c.expires_at < expired_before)).rowcount
