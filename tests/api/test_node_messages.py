"""ec2messages as the official agent uses it, on a live server: a waiting GetMessages answers with
the command sent meanwhile, message and payload formats, the visibility timeout and redelivery,
acknowledgement, replies (idempotent by ReplyId), FailMessage, and one node never touching another
node's messages. Messages come from real SendCommand calls; no agent runs them here."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.databases import database_url
from tests.support.node_client import NodeApiError, NodeClient, registered_node
from tests.support.server import ServerProcess

LONG_POLL = 10
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    with database_url(backend, tmp) as url:
        process = ServerProcess(tmp / "data", url, "--long-poll-seconds", str(LONG_POLL)).start()
        try:
            yield process
        finally:
            process.stop()


def node(server: ServerProcess, ssm: Any) -> NodeClient:
    created = ssm.create_activation(IamRole="SSMServiceRole")
    me = registered_node(server.endpoint, created["ActivationId"], created["ActivationCode"])
    me.ping()
    return me


def send_command(ssm: Any, instance_id: str, *commands: str) -> str:
    command_id: str = ssm.send_command(
        DocumentName="AWS-RunShellScript",
        InstanceIds=[instance_id],
        Parameters={"commands": list(commands) or ["echo hello"]},
    )["Command"]["CommandId"]
    return command_id


def poll_until_message(me: NodeClient, visibility: int = 10) -> dict[str, Any]:
    """The first message delivered (each poll waits up to LONG_POLL seconds)."""
    for _ in range(3):
        messages = me.get_messages(visibility=visibility)["Messages"]
        if messages:
            [message] = messages
            return dict(message)
    raise AssertionError("no message delivered")


def test_a_waiting_poll_answers_with_the_command_sent_meanwhile(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    answers: list[dict[str, Any]] = []
    poll = threading.Thread(target=lambda: answers.append(me.get_messages()))
    poll.start()
    time.sleep(0.5)  # the poll is waiting on an empty queue
    command_id = send_command(ssm, me.instance_id)
    poll.join(timeout=LONG_POLL + 20)
    [answer] = answers
    assert [m["MessageId"] for m in answer["Messages"]] == [f"aws.ssm.{command_id}.{me.instance_id}"]


def test_messages_and_payloads_have_the_agents_format(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    command_id = send_command(ssm, me.instance_id, "uname -a", "exit 3")
    message = poll_until_message(me)
    assert message["MessageId"] == f"aws.ssm.{command_id}.{me.instance_id}"
    assert message["Destination"] == me.instance_id
    assert message["Topic"].startswith("aws.ssm.sendCommand")
    assert ISO_MILLIS.match(message["CreatedDate"])
    assert isinstance(message["Payload"], str)
    payload = json.loads(message["Payload"])
    assert payload["CommandId"] == command_id
    assert payload["DocumentName"] == "AWS-RunShellScript"
    assert payload["Parameters"]["commands"] == ["uname -a", "exit 3"]
    assert isinstance(payload["DocumentContent"], dict)
    assert payload["DocumentContent"]["schemaVersion"] in ("1.2", "2.2")
    assert (payload["OutputS3BucketName"], payload["OutputS3KeyPrefix"]) == ("", "")
    assert payload["CloudWatchOutputEnabled"] in ("true", "false")


def test_an_unacknowledged_message_is_delivered_again_after_its_visibility_timeout(
    server: ServerProcess, ssm: Any
) -> None:
    me = node(server, ssm)
    send_command(ssm, me.instance_id)
    first = poll_until_message(me, visibility=1)
    again = poll_until_message(me, visibility=1)
    assert again["MessageId"] == first["MessageId"]


def test_an_acknowledged_message_is_never_delivered_again(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    send_command(ssm, me.instance_id)
    message = poll_until_message(me, visibility=1)
    me.acknowledge(message["MessageId"])
    me.acknowledge(message["MessageId"])  # a repeated acknowledgement is harmless
    time.sleep(1.5)
    assert me.get_messages(visibility=1)["Messages"] == []  # waited the whole long poll


def test_replies_are_accepted_once_per_reply_id(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    send_command(ssm, me.instance_id)
    message = poll_until_message(me)
    reply = {"documentStatus": "InProgress", "documentTraceOutput": "", "runtimeStatus": None,
             "additionalInfo": {"agent": {"lang": "en-US", "name": "amazon-ssm-agent", "os": "", "osver": "1",
                                          "ver": ""}, "dateTime": "2026-01-01T00:00:00.000Z", "runId": "",
                                "runtimeStatusCounts": None}}  # fmt: skip
    answer = me.reply(message["MessageId"], reply, reply_id="5d3d3f0e-1111-4000-8000-000000000001")
    assert answer["MessageId"] == message["MessageId"]
    assert answer["ReplyId"] == "5d3d3f0e-1111-4000-8000-000000000001"
    assert answer["ReplyStatus"]
    again = me.reply(message["MessageId"], reply, reply_id="5d3d3f0e-1111-4000-8000-000000000001")
    assert again["ReplyId"] == answer["ReplyId"]


def test_a_reply_that_is_not_json_is_refused(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    send_command(ssm, me.instance_id)
    message = poll_until_message(me)
    body = {
        "MessageId": message["MessageId"],
        "ReplyId": "5d3d3f0e-2222-4000-8000-000000000002",
        "Payload": "{",
    }
    with pytest.raises(NodeApiError) as error:
        me.mds("SendReply", body)
    assert error.value.code == "ValidationException"


def test_a_failed_message_is_not_delivered_again(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    send_command(ssm, me.instance_id)
    message = poll_until_message(me, visibility=1)
    me.fail(message["MessageId"], "NoHandlerExists")
    time.sleep(1.5)
    assert me.get_messages(visibility=1)["Messages"] == []


def test_a_node_cannot_touch_another_nodes_message(server: ServerProcess, ssm: Any) -> None:
    me, other = node(server, ssm), node(server, ssm)
    send_command(ssm, other.instance_id)
    message = poll_until_message(other)
    for call, args in (
        (me.acknowledge, ()),
        (me.fail, ()),
        (me.delete, ()),
        (me.reply, ({"documentStatus": "Success"},)),
    ):
        with pytest.raises(NodeApiError) as error:
            call(message["MessageId"], *args)
        assert error.value.code == "AccessDeniedException"
    with pytest.raises(NodeApiError) as error:
        me.get_messages(destination=other.instance_id)
    assert error.value.code == "AccessDeniedException"
