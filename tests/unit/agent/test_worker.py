"""The worker end to end against the local node API: heartbeats, the reply sequence, dedupe,
cancel, restart recovery, spooling, old messages, shutdown."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openssm.agent.journal import CommandJournal
from openssm.agent.state import Registration, StateDir
from tests.unit.agent.fake_node_api import FakeNodeApiServer, NodeApi
from tests.unit.agent.sample_messages import cancel_message, make_message

Start = Any  # the start_worker fixture


def shell(*commands: str) -> dict[str, Any]:
    return {
        "schemaVersion": "2.2",
        "description": "Run a shell script.",
        "parameters": {
            "commands": {"type": "StringList"},
            "executionTimeout": {"type": "String", "default": "3600"},
        },
        "mainSteps": [
            {
                "action": "aws:runShellScript",
                "name": "runShellScript",
                "inputs": {"runCommand": ["{{ commands }}"], "timeoutSeconds": "{{ executionTimeout }}"},
            }
        ],
    }


def final_reply(api: NodeApi, message_id: str, timeout: float = 10.0) -> dict[str, Any]:
    def done() -> bool:
        return any(r["documentStatus"] != "InProgress" for r in api.replies_for(message_id))

    assert api.wait_for(done, timeout), f"no final reply for {message_id}: {api.replies_for(message_id)}"
    return api.replies_for(message_id)[-1]


def test_a_command_is_answered_in_progress_then_per_plugin_then_final(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    start_worker()
    message = make_message(
        registration.instance_id,
        shell("echo hello", "echo oops >&2"),
        {"commands": ["echo hello", "echo oops >&2"]},
    )
    api.queue(message)
    final = final_reply(api, message["MessageId"])
    first, plugin, last = api.replies_for(message["MessageId"])
    assert first["documentStatus"] == "InProgress" and first["runtimeStatus"] is None
    assert plugin["documentStatus"] == "InProgress"
    step = plugin["runtimeStatus"]["runShellScript"]
    assert (step["status"], step["code"], step["name"]) == ("Success", 0, "aws:runShellScript")
    assert step["output"] == "hello\n\n----------ERROR-------\noops\n"
    assert (step["standardOutput"], step["standardError"]) == ("hello\n", "oops\n")
    assert last == final and final["documentStatus"] == "Success"
    assert final["additionalInfo"]["runtimeStatusCounts"] == {"Success": 1}
    assert final["additionalInfo"]["agent"]["name"] == "openssm-agent"
    operations = [c.operation for c in api.calls if c.body.get("MessageId") == message["MessageId"]]
    assert operations.index("AcknowledgeMessage") == 1  # after the first InProgress reply
    assert api.errors == []


def test_heartbeats_minimal_then_full(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    start_worker()
    assert api.wait_for(lambda: len(api.calls_of("UpdateInstanceInformation")) >= 2)
    minimal, full = (c.body for c in api.calls_of("UpdateInstanceInformation")[:2])
    assert minimal == {"AgentName": "openssm-agent", "AgentVersion": "3.3.0.0",
                       "InstanceId": registration.instance_id, "PlatformType": "Linux"}  # fmt: skip
    assert full["AgentStatus"] == "Active" and full["SSMConnectionChannel"] == "ec2messages"
    assert full["IPAddress"] and full["ComputerName"] and full["PlatformName"]
    assert api.errors == []


def test_a_redelivered_command_is_not_run_twice(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start, tmp_path: Path
) -> None:
    api = api_server.api
    marker = tmp_path / "runs"
    start_worker()
    message = make_message(registration.instance_id, shell(), {"commands": [f"echo run >> {marker}"]})
    api.queue(message)
    final_reply(api, message["MessageId"])
    api.queue(dict(message))
    assert api.wait_for(lambda: len([c for c in api.calls_of("AcknowledgeMessage")
                                     if c.body["MessageId"] == message["MessageId"]]) == 2)  # fmt: skip
    time.sleep(0.3)
    assert marker.read_text() == "run\n"
    assert len(api.replies_for(message["MessageId"])) == 3


def test_cancel_stops_a_running_command(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    start_worker()
    message = make_message(registration.instance_id, shell(), {"commands": ["sleep 30"]})
    api.queue(message)
    assert api.wait_for(lambda: len(api.replies_for(message["MessageId"])) >= 1)
    time.sleep(0.3)
    cancel = cancel_message(registration.instance_id, message["MessageId"])
    api.queue(cancel)
    final = final_reply(api, message["MessageId"])
    assert final["documentStatus"] == "Cancelled"
    assert final["runtimeStatus"]["runShellScript"]["code"] == 137
    # The cancel message itself is answered InProgress and acknowledged, as the official agent does.
    assert [r["documentStatus"] for r in api.replies_for(cancel["MessageId"])] == ["InProgress"]
    assert any(c.body["MessageId"] == cancel["MessageId"] for c in api.calls_of("AcknowledgeMessage"))


def test_a_command_interrupted_by_a_restart_is_reported_failed_not_rerun(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    message_id = f"aws.ssm.6b6f7e55-0000-4000-8000-000000000001.{registration.instance_id}"
    CommandJournal(state.journal_file, retention=3600).start(
        "6b6f7e55-0000-4000-8000-000000000001", message_id
    )
    start_worker()
    final = final_reply(api, message_id)
    assert final["documentStatus"] == "Failed"
    assert "restarted while this command was running" in final["documentTraceOutput"]
    message = make_message(registration.instance_id, shell(), {"commands": ["echo again"]},
                           command_id="6b6f7e55-0000-4000-8000-000000000001")  # fmt: skip
    api.queue(message)
    assert api.wait_for(
        lambda: any(c.body["MessageId"] == message_id for c in api.calls_of("AcknowledgeMessage"))
    )
    time.sleep(0.3)
    assert len(api.replies_for(message_id)) == 1


def test_replies_that_fail_are_spooled_and_resent_in_order(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    api.fail_next["SendReply"] = (500, "InternalServerException")
    start_worker()
    message = make_message(registration.instance_id, shell(), {"commands": ["echo spooled"]})
    api.queue(message)
    final = final_reply(api, message["MessageId"])
    assert final["documentStatus"] == "Success"
    calls = [c for c in api.calls_of("SendReply") if c.body["MessageId"] == message["MessageId"]]
    statuses = [c for c in calls[1:]]
    assert calls[0].body["ReplyId"] == calls[1].body["ReplyId"]  # the failed reply resent as is
    assert [json_status(c.body["Payload"]) for c in statuses] == ["InProgress", "InProgress", "Success"]
    assert api.wait_for(lambda: not list(state.replies_dir.glob("*.json")), 3)


def json_status(payload: str) -> str:
    import json

    status: str = json.loads(payload)["documentStatus"]
    return status


def test_work_older_than_48_hours_is_not_started(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start, tmp_path: Path
) -> None:
    api = api_server.api
    marker = tmp_path / "ran"
    start_worker()
    old = datetime.now(UTC) - timedelta(hours=49)
    message = make_message(registration.instance_id, shell(), {"commands": [f"touch {marker}"]}, created=old)
    api.queue(message)
    final = final_reply(api, message["MessageId"])
    assert final["documentStatus"] == "Failed" and "more than 48 hours ago" in final["documentTraceOutput"]
    assert not marker.exists()


def test_an_unsupported_document_is_reported_failed(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    start_worker()
    message = make_message(registration.instance_id, {"schemaVersion": "0.3", "mainSteps": []})
    api.queue(message)
    final = final_reply(api, message["MessageId"])
    assert final["documentStatus"] == "Failed"
    assert final["documentTraceOutput"].startswith("Document with schema version 0.3 is not supported")
    assert final["runtimeStatus"] is None


def test_an_unknown_topic_is_failed_back(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    start_worker()
    message = dict(make_message(registration.instance_id, shell()), Topic="aws.ssm.somethingElse")
    api.queue(message)
    assert api.wait_for(lambda: bool(api.calls_of("FailMessage")))
    assert api.calls_of("FailMessage")[0].body == {
        "MessageId": message["MessageId"],
        "FailureType": "InternalHandlerException",
    }


def test_commands_run_concurrently(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    start_worker()
    messages = [make_message(registration.instance_id, shell(), {"commands": ["sleep 1"]}) for _ in range(3)]
    started = time.monotonic()
    for message in messages:
        api.queue(message)
    for message in messages:
        assert final_reply(api, message["MessageId"])["documentStatus"] == "Success"
    assert time.monotonic() - started < 2.5


def test_stop_ends_the_long_poll_at_once_and_lets_commands_finish(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    api.hold = 30.0
    handle = start_worker()
    assert api.wait_for(lambda: bool(api.calls_of("GetMessages")))
    time.sleep(0.2)
    started = time.monotonic()
    handle.stop()
    assert time.monotonic() - started < 3
    assert handle.result == 0


def test_stop_reports_commands_still_running_after_the_grace_period(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    handle = start_worker(shutdown_grace=0.5)
    message = make_message(registration.instance_id, shell(), {"commands": ["sleep 30"]})
    api.queue(message)
    assert api.wait_for(lambda: len(api.replies_for(message["MessageId"])) >= 1)
    handle.stop()
    final = api.replies_for(message["MessageId"])[-1]
    assert final["documentStatus"] == "Failed"


def test_the_worker_waits_out_an_unreachable_server(
    api_server: FakeNodeApiServer, registration: Registration, start_worker: Start
) -> None:
    api = api_server.api
    api.down = True
    start_worker()
    time.sleep(0.5)
    assert api.calls_of("UpdateInstanceInformation") == []
    api.down = False
    assert api.wait_for(lambda: bool(api.calls_of("GetMessages")), 5)
