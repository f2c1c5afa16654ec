"""The alarm safety gate end to end: real agents stop receiving a rollout once its alarm fires."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_run_command import send, wait_command
from tests.support.agents import AgentProcess, start_fleet, wait_for
from tests.support.alertmanager import FakeAlertmanager, alert
from tests.support.databases import database_url
from tests.support.moto_server import MotoServer
from tests.support.server import ServerProcess

# Each node appends its id to a file of the test, then works for a while: what the file holds
# afterwards is what really ran, seen from the nodes themselves.
STEP_SECONDS = 3


def rollout(ssm: Any, fleet: list[AgentProcess], runs: Path, alarm: str, ignore_failure: bool = False) -> str:
    return send(
        ssm,
        [f"echo $AWS_SSM_INSTANCE_ID >> {runs}", f"sleep {STEP_SECONDS}"],
        InstanceIds=[a.instance_id for a in fleet],
        MaxConcurrency="1",
        AlarmConfiguration={"Alarms": [{"Name": alarm}], "IgnorePollAlarmFailure": ignore_failure},
    )


def ran(runs: Path) -> list[str]:
    return runs.read_text().split() if runs.exists() else []


def put_alarm(cloudwatch: Any, name: str, period: int = 60) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace="App",
        Statistic="Sum",
        Period=period,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )


def statuses(ssm: Any, command_id: str) -> dict[str, str]:
    invocations = ssm.list_command_invocations(CommandId=command_id)["CommandInvocations"]
    return {i["InstanceId"]: i["StatusDetails"] for i in invocations}


def assert_stopped_after_first(
    ssm: Any, command_id: str, runs: Path, fleet: list[AgentProcess], name: str, state: str
) -> None:
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["StatusDetails"]) == ("Cancelled", "Cancelled")
    assert command["TriggeredAlarms"] == [{"Name": name, "State": state}]
    time.sleep(STEP_SECONDS + 1)
    assert len(ran(runs)) == 1
    by_node = statuses(ssm, command_id)
    assert by_node[ran(runs)[0]] == "Success"
    assert sorted(d for i, d in by_node.items() if i != ran(runs)[0]) == ["Cancelled"] * (len(fleet) - 1)


def test_an_alarm_firing_mid_rollout_stops_it(fleet_server, fleet, tmp_path: Path):
    ssm, cloudwatch = fleet_server.client(), fleet_server.client("cloudwatch")
    put_alarm(cloudwatch, "web-5xx-mid")
    runs = tmp_path / "runs"
    command_id = rollout(ssm, fleet, runs, "web-5xx-mid")
    wait_for(lambda: ran(runs), timeout=30, message="the first node to start")
    cloudwatch.set_alarm_state(AlarmName="web-5xx-mid", StateValue="ALARM", StateReason="test")
    assert_stopped_after_first(ssm, command_id, runs, fleet, "web-5xx-mid", "ALARM")
    cloudwatch.set_alarm_state(AlarmName="web-5xx-mid", StateValue="OK", StateReason="recovered")
    time.sleep(2)
    assert wait_command(ssm, command_id)["Status"] == "Cancelled"
    assert len(ran(runs)) == 1


def test_an_alarm_already_in_alarm_starts_nothing(fleet_server, fleet, tmp_path: Path):
    ssm, cloudwatch = fleet_server.client(), fleet_server.client("cloudwatch")
    put_alarm(cloudwatch, "already-firing")
    cloudwatch.set_alarm_state(AlarmName="already-firing", StateValue="ALARM", StateReason="test")
    runs = tmp_path / "runs"
    command_id = rollout(ssm, fleet, runs, "already-firing")
    command = wait_command(ssm, command_id)
    assert (command["Status"], command["TriggeredAlarms"]) == (
        "Cancelled",
        [{"Name": "already-firing", "State": "ALARM"}],
    )
    assert set(statuses(ssm, command_id).values()) == {"Cancelled"}
    time.sleep(1)
    assert ran(runs) == []


def test_an_unknown_alarm_stops_the_rollout_unless_poll_failures_are_ignored(
    fleet_server, fleet, tmp_path: Path
):
    ssm = fleet_server.client()
    stopped = rollout(ssm, fleet, tmp_path / "stopped", "no-such-alarm")
    command = wait_command(ssm, stopped)
    assert (command["Status"], command["TriggeredAlarms"]) == (
        "Cancelled",
        [{"Name": "no-such-alarm", "State": "UNKNOWN"}],
    )
    assert ran(tmp_path / "stopped") == []
    ignored = rollout(ssm, fleet, tmp_path / "ignored", "no-such-alarm", ignore_failure=True)
    command = wait_command(ssm, ignored)
    assert (command["Status"], command["TriggeredAlarms"]) == ("Success", [])
    assert sorted(ran(tmp_path / "ignored")) == sorted(a.instance_id for a in fleet)


def test_metric_data_that_breaches_the_threshold_stops_the_rollout(fleet_server, fleet, tmp_path: Path):
    ssm, cloudwatch = fleet_server.client(), fleet_server.client("cloudwatch")
    put_alarm(cloudwatch, "errors-by-data", period=10)
    runs = tmp_path / "runs"
    command_id = rollout(ssm, fleet, runs, "errors-by-data")
    wait_for(lambda: ran(runs), timeout=30, message="the first node to start")
    cloudwatch.put_metric_data(Namespace="App", MetricData=[{"MetricName": "Errors", "Value": 50}])
    wait_for(
        lambda: cloudwatch.describe_alarms(AlarmNames=["errors-by-data"])["MetricAlarms"][0]["StateValue"]
        == "ALARM",
        timeout=20,
        message="the alarm to evaluate into ALARM",
    )
    assert_stopped_after_first(ssm, command_id, runs, fleet, "errors-by-data", "ALARM")


def test_a_gated_rollout_survives_a_server_restart_and_still_stops(backend: str, tmp_path: Path):
    with database_url(backend, tmp_path) as url:
        server = ServerProcess(tmp_path / "data", url, "--long-poll-seconds", "5").start()
        agents = start_fleet(server, tmp_path / "agents", 3)
        try:
            put_alarm(server.client("cloudwatch"), "restart-gate")
            runs = tmp_path / "runs"
            command_id = rollout(server.client(), agents, runs, "restart-gate")
            wait_for(lambda: ran(runs), timeout=30, message="the first node to start")
            server.restart()
            server.client("cloudwatch").set_alarm_state(
                AlarmName="restart-gate", StateValue="ALARM", StateReason="t"
            )
            command = wait_command(server.client(), command_id)
            assert (command["Status"], command["TriggeredAlarms"]) == (
                "Cancelled",
                [{"Name": "restart-gate", "State": "ALARM"}],
            )
            time.sleep(STEP_SECONDS + 1)
            assert 1 <= len(ran(runs)) < 3
            assert len(set(ran(runs))) == len(ran(runs))
        finally:
            for agent in agents:
                agent.stop()
            server.stop()


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_remote_cloudwatch_alarm_stops_the_rollout(backend: str, tmp_path: Path, moto: MotoServer):
    moto_cloudwatch = moto.client()
    put_alarm(moto_cloudwatch, "remote-5xx")
    with database_url(backend, tmp_path) as url:
        server = ServerProcess(
            tmp_path / "data",
            url,
            "--long-poll-seconds",
            "5",
            "--alarm-source",
            "cloudwatch",
            "--cloudwatch-endpoint",
            moto.endpoint,
            "--cloudwatch-access-key-id",
            "testing",
            "--cloudwatch-secret-access-key",
            "testing",
            "--alarm-poll-interval",
            "1",
        ).start()
        agents = start_fleet(server, tmp_path / "agents", 3)
        try:
            runs = tmp_path / "runs"
            command_id = rollout(server.client(), agents, runs, "remote-5xx")
            wait_for(lambda: ran(runs), timeout=30, message="the first node to start")
            moto_cloudwatch.set_alarm_state(AlarmName="remote-5xx", StateValue="ALARM", StateReason="test")
            assert_stopped_after_first(server.client(), command_id, runs, agents, "remote-5xx", "ALARM")
        finally:
            for agent in agents:
                agent.stop()
            server.stop()


def test_an_alertmanager_alert_stops_the_rollout(backend: str, tmp_path: Path):
    alertmanager = FakeAlertmanager().start()
    with database_url(backend, tmp_path) as url:
        server = ServerProcess(
            tmp_path / "data",
            url,
            "--long-poll-seconds",
            "5",
            "--alarm-source",
            "alertmanager",
            "--alertmanager-url",
            alertmanager.url,
            "--alarm-poll-interval",
            "1",
        ).start()
        agents = start_fleet(server, tmp_path / "agents", 3)
        try:
            runs = tmp_path / "runs"
            command_id = rollout(server.client(), agents, runs, "HighErrorRate")
            wait_for(lambda: ran(runs), timeout=30, message="the first node to start")
            alertmanager.alerts.append(alert("HighErrorRate", severity="page"))
            assert_stopped_after_first(server.client(), command_id, runs, agents, "HighErrorRate", "ALARM")
        finally:
            for agent in agents:
                agent.stop()
            server.stop()
            alertmanager.stop()
