"""The node housekeeping worker deletes expired credentials and long-expired messages only."""

from __future__ import annotations

from datetime import timedelta

from openssm.domain.nodes.credentials import issue
from openssm.engine.node_housekeeping import MESSAGE_RETENTION, NodeHousekeepingWorker
from tests.unit.nodes.conftest import ACCOUNT, World


def test_sweep_deletes_expired_credentials_and_messages_past_their_retention(world: World) -> None:
    node = world.node()
    now = world.clock.now()
    with world.db.begin() as conn:
        short = issue(conn, node, ACCOUNT, now, timedelta(minutes=5))
        long = issue(conn, node, ACCOUNT, now, timedelta(hours=10))
        for name, lifetime in (("old", timedelta(minutes=1)), ("recent", timedelta(hours=2))):
            world.queue.enqueue(
                conn, message_id=f"aws.ssm.{name}.{node}", instance_id=node, topic="aws.ssm.sendCommand",
                payload={}, created=now, expires_at=now + lifetime,
            )  # fmt: skip
    world.clock.advance((timedelta(minutes=1) + MESSAGE_RETENTION).total_seconds() + 1)
    worker = NodeHousekeepingWorker(world.db, world.clock, world.queue)

    assert worker.sweep() == (1, 1)
    assert world.nodes.lookup_credential(short.access_key_id, short.session_token) is None
    assert world.nodes.lookup_credential(long.access_key_id, long.session_token) is not None
    with world.db.begin() as conn:
        assert world.queue.get(conn, f"aws.ssm.old.{node}") is None
        assert world.queue.get(conn, f"aws.ssm.recent.{node}") is not None
