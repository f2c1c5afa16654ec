"""GetMessages' long poll (node_api/messages.py) on a real database and event loop: it answers as
soon as a message is enqueued and notified, when the server begins to stop, or at its timeout."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from openssm.core.clock import SystemClock
from openssm.core.context import Principal, RequestContext
from openssm.core.signals import Notifier
from openssm.domain.nodes.messages import node_topic
from openssm.node_api.messages import MessageHandlers, PollWaker
from openssm.node_api.replies import ReplyDispatcher
from tests.unit.nodes.conftest import ACCOUNT, World

NODE = "mi-0123456789abcdef0"
STOP_TOPIC = "test-stop"


def context() -> RequestContext:
    principal = Principal(access_key_id="ASIATEST", account_id=ACCOUNT, kind="node", instance_id=NODE)
    return RequestContext(request_id="r", operation="GetMessages", region="us-east-1", principal=principal)


def poll_body() -> dict[str, Any]:
    return {"Destination": NODE, "MessagesRequestId": "7a3f6e0e-0000-4000-8000-000000000000"}


def handlers(
    world: World, notifier: Notifier, long_poll: float, clock: Any = None, stopping: Any = None
) -> MessageHandlers:
    return MessageHandlers(
        world.db, clock or world.clock, notifier, world.queue, ReplyDispatcher(),
        long_poll_seconds=long_poll,
        stopping=stopping or (lambda: False), stop_topic=STOP_TOPIC,
    )  # fmt: skip


def enqueue(world: World, message_id: str) -> None:
    now = world.clock.now()
    with world.db.begin() as conn:
        world.queue.enqueue(
            conn, message_id=message_id, instance_id=NODE, topic="aws.ssm.sendCommand.us-east-1.test",
            payload={"CommandId": "c"}, created=now, expires_at=now + timedelta(hours=1),
        )  # fmt: skip


def test_a_waiting_poll_answers_with_the_message_enqueued_meanwhile(world: World) -> None:
    async def scenario() -> dict[str, Any]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        poll = asyncio.create_task(
            handlers(world, notifier, long_poll=600).get_messages(context(), poll_body())
        )
        await asyncio.sleep(0.2)
        assert not poll.done()  # nothing queued: it waits
        await world.db.run(enqueue, world, f"aws.ssm.c1.{NODE}")
        notifier.notify(node_topic(NODE))
        return await asyncio.wait_for(poll, 30)  # far shorter than the 600 s poll

    result = asyncio.run(scenario())
    assert [m["MessageId"] for m in result["Messages"]] == [f"aws.ssm.c1.{NODE}"]
    assert result["Destination"] == NODE
    assert result["MessagesRequestId"] == poll_body()["MessagesRequestId"]


def test_a_poll_answers_at_once_when_messages_are_waiting(world: World) -> None:
    enqueue(world, f"aws.ssm.c1.{NODE}")

    async def scenario() -> dict[str, Any]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        return await asyncio.wait_for(handlers(world, notifier, 600).get_messages(context(), poll_body()), 30)

    assert len(asyncio.run(scenario())["Messages"]) == 1


def test_a_waiting_poll_ends_empty_when_the_server_begins_to_stop(world: World) -> None:
    stopping = False

    async def scenario() -> dict[str, Any]:
        nonlocal stopping
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        poll = asyncio.create_task(
            handlers(world, notifier, 600, stopping=lambda: stopping).get_messages(context(), poll_body())
        )
        await asyncio.sleep(0.2)
        stopping = True
        notifier.notify(STOP_TOPIC)
        return await asyncio.wait_for(poll, 30)

    assert asyncio.run(scenario())["Messages"] == []


def test_an_empty_poll_ends_at_its_timeout(world: World) -> None:
    async def scenario() -> dict[str, Any]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        poll = handlers(world, notifier, 0.3, clock=SystemClock()).get_messages(context(), poll_body())
        return await asyncio.wait_for(poll, 30)

    assert asyncio.run(scenario())["Messages"] == []


def test_the_waker_finds_messages_enqueued_elsewhere_for_waiting_polls(world: World) -> None:
    """A message enqueued by another replica notifies nobody here: the waker's pass finds it."""

    async def scenario() -> dict[str, Any]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        messages = handlers(world, notifier, long_poll=600)
        waker = PollWaker(world.db, world.clock, notifier, world.queue, messages.waiters)
        poll = asyncio.create_task(messages.get_messages(context(), poll_body()))
        await asyncio.sleep(0.2)
        assert messages.waiters.ids() == [NODE]
        await world.db.run(enqueue, world, f"aws.ssm.c1.{NODE}")  # no notification
        await asyncio.sleep(0.2)
        assert not poll.done()
        await waker.run_once()
        result = await asyncio.wait_for(poll, 30)
        assert messages.waiters.ids() == []
        return result

    result = asyncio.run(scenario())
    assert [m["MessageId"] for m in result["Messages"]] == [f"aws.ssm.c1.{NODE}"]


def test_the_waker_redelivers_to_a_waiting_poll_when_the_visibility_timeout_ends(world: World) -> None:
    enqueue(world, f"aws.ssm.c1.{NODE}")

    async def scenario() -> dict[str, Any]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        messages = handlers(world, notifier, long_poll=600)
        waker = PollWaker(world.db, world.clock, notifier, world.queue, messages.waiters)
        first = await asyncio.wait_for(
            messages.get_messages(context(), {**poll_body(), "VisibilityTimeoutInSeconds": 10}), 30
        )
        assert len(first["Messages"]) == 1
        poll = asyncio.create_task(messages.get_messages(context(), poll_body()))
        await asyncio.sleep(0.2)
        await waker.run_once()
        await asyncio.sleep(0.2)
        assert not poll.done()  # still hidden
        world.clock.advance(10)
        await waker.run_once()
        return await asyncio.wait_for(poll, 30)

    result = asyncio.run(scenario())
    assert [m["MessageId"] for m in result["Messages"]] == [f"aws.ssm.c1.{NODE}"]
