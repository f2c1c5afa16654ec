"""Run Command end to end: boto3 -> openssm server -> real agents running real shell commands."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.agents import wait_for

TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}


def send(ssm: Any, commands: list[str], **kwargs: Any) -> str:
    parameters = {"commands": commands, **kwargs.pop("extra_parameters", {})}
    response = ssm.send_command(DocumentName="AWS-RunShellScript", Parameters=parameters, **kwargs)
    command_id: str = response["Command"]["CommandId"]
    return command_id


def wait_command(ssm: Any, command_id: str, timeout: float = 90) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        command = ssm.list_commands(CommandId=command_id)["Commands"][0]
        return command if command["Status"] in TERMINAL else None

    result: dict[str, Any] = wait_for(done, timeout=timeout, message=f"command {command_id}")
    return result


def invocation(ssm: Any, command_id: str, instance_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
    return result


def test_a_command_runs_on_the_node_and_reports_its_output(fleet_server, fleet):
    ssm = fleet_server.client()
    node = fleet[0].instance_id
    command_id = send(ssm, ["echo hello from $(hostname)", "echo oops >&2"], InstanceIds=[node])
    ssm.get_waiter("command_executed").wait(
        CommandId=command_id, InstanceId=node, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    result = invocation(ssm, command_id, node)
    assert result["Status"] == "Success"
    assert result["ResponseCode"] == 0
    assert result["StandardOutputContent"].startswith("hello from ")
    assert result["StandardErrorContent"] == "oops\n"
    assert result["PluginName"] == "aws:runShellScript"
    assert result["ExecutionElapsedTime"].startswith("PT")
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"]) == ("Success", "Success")
    assert (command["TargetCount"], command["CompletedCount"], command["ErrorCount"]) == (1, 1, 0)


def test_a_non_zero_exit_fails_the_invocation_with_its_exit_code(fleet_server, fleet):
    ssm = fleet_server.client()
    node = fleet[0].instance_id
    command_id = send(ssm, ["echo before", "exit 3"], InstanceIds=[node])
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"], command["ErrorCount"]) == ("Failed", "Failed", 1)
    result = invocation(ssm, command_id, node)
    assert (result["Status"], result["ResponseCode"]) == ("Failed", 3)
    assert result["StandardOutputContent"] == "before\n"
    listed = ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"][0]
    plugin = listed["CommandPlugins"][0]
    assert (plugin["Name"], plugin["Status"], plugin["ResponseCode"]) == ("aws:runShellScript", "Failed", 3)
    assert plugin["Output"].startswith("before")


def test_the_execution_timeout_kills_the_command(fleet_server, fleet, marker_dir: Path):
    ssm = fleet_server.client()
    node = fleet[0].instance_id
    marker = marker_dir / "after-sleep"
    command_id = send(
        ssm, [f"sleep 30 && touch {marker}"], InstanceIds=[node], extra_parameters={"executionTimeout": ["5"]}
    )
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"]) == ("TimedOut", "ExecutionTimedOut")
    result = invocation(ssm, command_id, node)
    assert (result["Status"], result["StatusDetails"]) == ("TimedOut", "ExecutionTimedOut")
    time.sleep(1)
    assert not marker.exists()


def test_cancel_stops_a_running_command(fleet_server, fleet, marker_dir: Path):
    ssm = fleet_server.client()
    node = fleet[1].instance_id
    started, finished = marker_dir / "started", marker_dir / "finished"
    command_id = send(ssm, [f"touch {started}", "sleep 30", f"touch {finished}"], InstanceIds=[node])
    wait_for(started.exists, timeout=30, message="command start")
    ssm.cancel_command(CommandId=command_id)
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"]) == ("Cancelled", "Cancelled")
    assert invocation(ssm, command_id, node)["Status"] == "Cancelled"
    time.sleep(1)
    assert not finished.exists()


def test_tag_targets_reach_only_the_tagged_nodes(fleet_server, fleet, marker_dir: Path):
    ssm = fleet_server.client()
    command_id = send(
        ssm,
        [f"touch {marker_dir}/$(cat /proc/sys/kernel/random/uuid)"],
        Targets=[{"Key": "tag:Role", "Values": ["web"]}],
    )
    sent = ssm.list_commands(CommandId=command_id)["Commands"][0]
    assert sent["Targets"] == [{"Key": "tag:Role", "Values": ["web"]}]
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["TargetCount"], command["CompletedCount"]) == ("Success", 2, 2)
    invocations = ssm.list_command_invocations(CommandId=command_id)["CommandInvocations"]
    assert sorted(i["InstanceId"] for i in invocations) == sorted(a.instance_id for a in fleet[:2])
    assert len(list(marker_dir.iterdir())) == 2


def test_targets_matching_nothing_succeed_with_no_instances_in_tag(fleet_server, fleet):
    ssm = fleet_server.client()
    command_id = send(ssm, ["true"], Targets=[{"Key": "tag:Role", "Values": ["nothing-has-this"]}])
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"], command["TargetCount"]) == (
        "Success",
        "NoInstancesInTag",
        0,
    )


def test_max_concurrency_one_never_overlaps(fleet_server, fleet, marker_dir: Path):
    ssm = fleet_server.client()
    log = marker_dir / "spans"
    command_id = send(
        ssm,
        [f"echo start $(date +%s.%N) >> {log}", "sleep 1", f"echo end $(date +%s.%N) >> {log}"],
        InstanceIds=[a.instance_id for a in fleet],
        MaxConcurrency="1",
    )
    command = wait_command(ssm, command_id)
    assert command["Status"] == "Success"
    events = [line.split() for line in log.read_text().splitlines()]
    assert len(events) == 6
    running = 0
    for kind, _ in sorted(events, key=lambda e: float(e[1])):
        running += 1 if kind == "start" else -1
        assert running <= 1


def test_max_errors_zero_stops_new_sends_and_terminates_the_rest(fleet_server, fleet, marker_dir: Path):
    ssm = fleet_server.client()
    command_id = send(
        ssm,
        [f"touch {marker_dir}/$(cat /proc/sys/kernel/random/uuid)", "exit 1"],
        InstanceIds=[a.instance_id for a in fleet],
        MaxConcurrency="1",
        MaxErrors="0",
    )
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"], command["ErrorCount"]) == ("Failed", "Failed", 1)
    details = sorted(
        i["StatusDetails"] for i in ssm.list_command_invocations(CommandId=command_id)["CommandInvocations"]
    )
    assert details == ["Failed", "Terminated", "Terminated"]
    assert len(list(marker_dir.iterdir())) == 1


def test_output_is_truncated_as_aws_does_and_kept_whole_on_the_server(fleet_server, fleet):
    ssm = fleet_server.client()
    node = fleet[2].instance_id
    command_id = send(
        ssm,
        ["head -c 30000 /dev/zero | tr '\\0' 'a'", "head -c 9000 /dev/zero | tr '\\0' 'b' >&2"],
        InstanceIds=[node],
    )
    wait_command(ssm, command_id)
    result = invocation(ssm, command_id, node)
    assert result["StandardOutputContent"] == "a" * 23980 + "--output truncated--"
    assert result["StandardErrorContent"] == "b" * 7980 + "--output truncated--"
    plugin = ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"][0][
        "CommandPlugins"
    ][0]
    assert len(plugin["Output"]) <= 2500
    assert "---Output truncated---" in plugin["Output"]
    assert "---Error truncated----" in plugin["Output"]
    env = fleet_server.cli_env()
    whole = subprocess.run(
        [
            sys.executable,
            "-m",
            "openssm.cli.main",
            "output",
            "--command-id",
            command_id,
            "--instance-id",
            node,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert whole.stdout == "a" * 30000
    errors = subprocess.run(
        [
            sys.executable,
            "-m",
            "openssm.cli.main",
            "output",
            "--command-id",
            command_id,
            "--instance-id",
            node,
            "--stderr",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert errors.stdout == "b" * 9000


def test_commands_and_invocations_page_with_filters(fleet_server, fleet):
    ssm = fleet_server.client()
    node = fleet[2].instance_id
    ids = [send(ssm, ["true"], InstanceIds=[node], Comment="paging") for _ in range(3)]
    for command_id in ids:
        wait_command(ssm, command_id)
    pages = ssm.get_paginator("list_commands").paginate(
        InstanceId=node, Filters=[{"key": "Status", "value": "Success"}], PaginationConfig={"PageSize": 1}
    )
    seen = [c["CommandId"] for page in pages for c in page["Commands"]]
    assert seen[:3] == list(reversed(ids))
    invocations = ssm.list_command_invocations(InstanceId=node, MaxResults=2)
    assert len(invocations["CommandInvocations"]) == 2 and "NextToken" in invocations


def test_unknown_instance_ids_are_rejected(fleet_server, fleet):
    ssm = fleet_server.client()
    try:
        send(ssm, ["true"], InstanceIds=["mi-0123456789abcdef0"])
    except ssm.exceptions.InvalidInstanceId as error:
        assert "mi-0123456789abcdef0" in str(error)
    else:
        raise AssertionError("InvalidInstanceId expected")
