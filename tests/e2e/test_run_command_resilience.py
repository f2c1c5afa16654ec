"""Run Command when things go wrong: stopped agents, restarts, deregistration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_run_command import invocation, send, wait_command
from tests.support.agents import AgentProcess, start_fleet, wait_for
from tests.support.databases import database_url
from tests.support.server import ServerProcess


@pytest.fixture
def own_server(backend: str, tmp_path: Path) -> Iterator[ServerProcess]:
    with database_url(backend, tmp_path) as url:
        process = ServerProcess(tmp_path / "data", url, "--long-poll-seconds", "5").start()
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture
def own_fleet(own_server: ServerProcess, tmp_path: Path) -> Iterator[list[AgentProcess]]:
    agents = start_fleet(own_server, tmp_path / "agents", 2)
    try:
        yield agents
    finally:
        for agent in agents:
            agent.stop()


def test_a_stopped_agent_gets_delivery_timed_out(own_server, own_fleet):
    ssm = own_server.client()
    stopped, running = own_fleet
    stopped.stop()
    command_id = send(
        ssm, ["true"], InstanceIds=[stopped.instance_id, running.instance_id], TimeoutSeconds=30
    )
    command = wait_command(ssm, command_id, timeout=90)
    assert invocation(ssm, command_id, running.instance_id)["Status"] == "Success"
    late = invocation(ssm, command_id, stopped.instance_id)
    assert (late["Status"], late["StatusDetails"], late["ResponseCode"]) == (
        "TimedOut",
        "DeliveryTimedOut",
        -1,
    )
    assert (command["Status"], command["StatusDetails"], command["DeliveryTimedOutCount"]) == (
        "TimedOut",
        "DeliveryTimedOut",
        1,
    )
    stopped.start()
    time.sleep(3)
    assert invocation(ssm, command_id, stopped.instance_id)["StatusDetails"] == "DeliveryTimedOut"


def test_an_agent_restarted_mid_command_never_runs_it_twice(own_server, own_fleet, tmp_path: Path):
    ssm = own_server.client()
    agent = own_fleet[0]
    runs = tmp_path / "runs"
    command_id = send(ssm, [f"echo run >> {runs}", "sleep 5"], InstanceIds=[agent.instance_id])
    wait_for(runs.exists, timeout=30, message="the command to start")
    agent.kill()
    agent.start()
    command = wait_command(ssm, command_id, timeout=60)
    assert runs.read_text() == "run\n"
    assert command["Status"] in {"Failed", "Success"}
    time.sleep(2)
    assert runs.read_text() == "run\n"


def test_a_server_restart_mid_rollout_loses_nothing_and_runs_nothing_twice(
    own_server, own_fleet, tmp_path: Path
):
    ssm = own_server.client()
    runs = tmp_path / "runs"
    command_id = send(
        ssm,
        [f"echo $(hostname)-$$ >> {runs}", "sleep 2"],
        InstanceIds=[a.instance_id for a in own_fleet],
        MaxConcurrency="1",
    )
    wait_for(runs.exists, timeout=30, message="the first node to start")
    own_server.restart()
    ssm = own_server.client()
    command = wait_command(ssm, command_id, timeout=90)
    assert (command["Status"], command["CompletedCount"]) == ("Success", 2)
    assert len(runs.read_text().splitlines()) == 2


def test_deregistering_a_node_ends_its_work_and_revokes_its_credentials(
    own_server, own_fleet, tmp_path: Path
):
    ssm = own_server.client()
    agent = own_fleet[0]
    started = tmp_path / "started"
    command_id = send(ssm, [f"touch {started}", "sleep 20"], InstanceIds=[agent.instance_id])
    wait_for(started.exists, timeout=30, message="the command to start")
    ssm.deregister_managed_instance(InstanceId=agent.instance_id)
    command = wait_command(ssm, command_id, timeout=30)
    result = invocation(ssm, command_id, agent.instance_id)
    assert (result["Status"], result["StatusDetails"]) == ("Failed", "Undeliverable")
    assert command["Status"] == "Failed"
    listed = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [agent.instance_id]}]
    )
    assert listed["InstanceInformationList"] == []
    with pytest.raises(ssm.exceptions.InvalidInstanceId):
        send(ssm, ["true"], InstanceIds=[agent.instance_id])
