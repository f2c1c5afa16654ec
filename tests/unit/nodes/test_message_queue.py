"""The ec2messages queue against the real database: delivery, visibility timeout, redelivery,
acknowledgement, withdrawal, expiry and reply de-duplication."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

from openssm.domain.nodes.messages import MessageState
from tests.unit.nodes.conftest import World

NODE = "mi-0123456789abcdef0"
OTHER = "mi-0fedcba9876543210"


def enqueue(world: World, message_id: str, instance_id: str = NODE, expires_in: float = 3600) -> datetime:
    now = world.clock.now()
    with world.db.begin() as conn:
        world.queue.enqueue(
            conn,
            message_id=message_id,
            instance_id=instance_id,
            topic="aws.ssm.sendCommand.us-east-1.test",
            payload={"CommandId": message_id, "Parameters": {"commands": ["echo hi"]}},
            created=now,
            expires_at=now + timedelta(seconds=expires_in),
        )
    return now


def claim(world: World, instance_id: str = NODE, visibility: int = 10) -> list[str]:
    with world.db.begin() as conn:
        return [
            m.message_id
            for m in world.queue.claim_deliverable(conn, instance_id, world.clock.now(), visibility)
        ]


def test_a_message_is_delivered_with_its_payload_as_json_text(world: World) -> None:
    created = enqueue(world, "aws.ssm.c1.n")
    with world.db.begin() as conn:
        [message] = world.queue.claim_deliverable(conn, NODE, world.clock.now(), 10)
    assert message.topic == "aws.ssm.sendCommand.us-east-1.test"
    assert json.loads(message.payload) == {
        "CommandId": "aws.ssm.c1.n",
        "Parameters": {"commands": ["echo hi"]},
    }
    assert message.created == created
    assert (message.delivery_count, message.state) == (1, MessageState.DELIVERED)


def test_messages_go_only_to_their_node_oldest_first(world: World) -> None:
    enqueue(world, "aws.ssm.a.n")
    world.clock.advance(1)
    enqueue(world, "aws.ssm.b.n")
    enqueue(world, "aws.ssm.c.o", instance_id=OTHER)
    assert claim(world) == ["aws.ssm.a.n", "aws.ssm.b.n"]
    assert claim(world, OTHER) == ["aws.ssm.c.o"]


def test_a_delivered_message_is_hidden_until_its_visibility_timeout_passes(world: World) -> None:
    enqueue(world, "aws.ssm.c1.n")
    assert claim(world, visibility=10) == ["aws.ssm.c1.n"]
    world.clock.advance(9)
    assert claim(world) == []
    world.clock.advance(1)
    assert claim(world) == ["aws.ssm.c1.n"]  # not acknowledged: delivered again
    with world.db.begin() as conn:
        message = world.queue.get(conn, "aws.ssm.c1.n")
    assert message is not None and message.delivery_count == 2


def test_an_acknowledged_message_is_never_delivered_again(world: World) -> None:
    enqueue(world, "aws.ssm.c1.n")
    assert claim(world) == ["aws.ssm.c1.n"]
    with world.db.begin() as conn:
        assert world.queue.acknowledge(conn, NODE, "aws.ssm.c1.n", world.clock.now())
        assert not world.queue.acknowledge(conn, NODE, "aws.ssm.c1.n", world.clock.now())  # once only
    world.clock.advance(3600 * 24)
    assert claim(world) == []


def test_a_node_cannot_acknowledge_another_nodes_message(world: World) -> None:
    enqueue(world, "aws.ssm.c1.n")
    with world.db.begin() as conn:
        assert not world.queue.acknowledge(conn, OTHER, "aws.ssm.c1.n", world.clock.now())
    assert claim(world) == ["aws.ssm.c1.n"]


def test_expired_messages_are_not_delivered(world: World) -> None:
    enqueue(world, "aws.ssm.c1.n", expires_in=60)
    world.clock.advance(60)
    assert claim(world) == []


def test_withdraw_takes_back_an_unacknowledged_message(world: World) -> None:
    enqueue(world, "aws.ssm.queued.n")
    enqueue(world, "aws.ssm.delivered.n")
    enqueue(world, "aws.ssm.acked.n")
    with world.db.begin() as conn:
        world.queue.claim_deliverable(conn, NODE, world.clock.now(), 10)
        world.queue.acknowledge(conn, NODE, "aws.ssm.acked.n", world.clock.now())
        assert world.queue.withdraw(conn, "aws.ssm.queued.n")
        assert world.queue.withdraw(conn, "aws.ssm.delivered.n")
        assert not world.queue.withdraw(conn, "aws.ssm.acked.n")
        assert not world.queue.withdraw(conn, "aws.ssm.unknown.n")
    world.clock.advance(60)
    assert claim(world) == []
    with world.db.begin() as conn:
        # a late acknowledgement of a withdrawn message still counts (the node runs it anyway)
        assert world.queue.acknowledge(conn, NODE, "aws.ssm.delivered.n", world.clock.now())


def test_failed_and_deleted_messages_are_not_delivered_again(world: World) -> None:
    enqueue(world, "aws.ssm.f.n")
    enqueue(world, "aws.ssm.d.n")
    claim(world)
    with world.db.begin() as conn:
        assert world.queue.fail(conn, NODE, "aws.ssm.f.n")
        assert world.queue.delete(conn, NODE, "aws.ssm.d.n")
        assert not world.queue.fail(conn, NODE, "aws.ssm.f.n")
    world.clock.advance(60)
    assert claim(world) == []


def test_enqueueing_an_existing_message_id_changes_nothing(world: World) -> None:
    enqueue(world, "aws.ssm.c1.n")
    claim(world)
    with world.db.begin() as conn:
        world.queue.acknowledge(conn, NODE, "aws.ssm.c1.n", world.clock.now())
    enqueue(world, "aws.ssm.c1.n")
    assert claim(world) == []


def test_concurrent_polls_deliver_a_message_once(world: World) -> None:
    for n in range(20):
        enqueue(world, f"aws.ssm.c{n:02d}.n")

    async def polls() -> list[list[str]]:
        return list(await asyncio.gather(*(world.db.run(claim, world) for _ in range(6))))

    delivered = [m for batch in asyncio.run(polls()) for m in batch]
    assert sorted(delivered) == sorted(set(delivered))
    assert len(delivered) == 20


def test_a_resent_reply_is_recognised_by_its_reply_id(world: World) -> None:
    enqueue(world, "aws.ssm.c1.n")
    with world.db.begin() as conn:
        assert world.queue.record_reply(conn, "aws.ssm.c1.n", "r-1", world.clock.now())
        assert not world.queue.record_reply(conn, "aws.ssm.c1.n", "r-1", world.clock.now())
        assert world.queue.record_reply(conn, "aws.ssm.c1.n", "r-2", world.clock.now())


def test_withdraw_all_takes_back_every_unacknowledged_message_of_a_node(world: World) -> None:
    enqueue(world, "aws.ssm.a.n")
    enqueue(world, "aws.ssm.b.n")
    enqueue(world, "aws.ssm.c.o", instance_id=OTHER)
    with world.db.begin() as conn:
        assert sorted(world.queue.withdraw_all(conn, NODE)) == ["aws.ssm.a.n", "aws.ssm.b.n"]
    assert claim(world) == []
    assert claim(world, OTHER) == ["aws.ssm.c.o"]


def test_purge_drops_messages_that_expired_long_ago(world: World) -> None:
    enqueue(world, "aws.ssm.old.n", expires_in=60)
    with world.db.begin() as conn:
        world.queue.record_reply(conn, "aws.ssm.old.n", "r-1", world.clock.now())
    world.clock.advance(3600)
    enqueue(world, "aws.ssm.new.n")
    with world.db.begin() as conn:
        assert world.queue.purge(conn, world.clock.now()) == 1
        assert world.queue.get(conn, "aws.ssm.old.n") is None
        assert world.queue.get(conn, "aws.ssm.new.n") is not None
        assert world.queue.record_reply(conn, "aws.ssm.old.n", "r-1", world.clock.now())  # forgotten
