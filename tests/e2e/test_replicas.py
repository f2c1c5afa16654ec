"""Several server replicas sharing one PostgreSQL database act as one service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_run_command import send, wait_command
from tests.support.agents import AgentProcess, wait_online
from tests.support.databases import postgres_schema_url
from tests.support.server import ServerProcess

PRINCIPAL = """
[[principals]]
access_key_id = "AKIAREPLICATESTKEY01"
secret_access_key = "replica-test-secret-0123456789"
account_id = "123456789012"
"""


def test_two_replicas_on_one_postgresql_database_share_nodes_and_commands(tmp_path: Path) -> None:
    config = tmp_path / "openssm.toml"
    config.write_text(PRINCIPAL)
    keys = {
        "aws_access_key_id": "AKIAREPLICATESTKEY01",
        "aws_secret_access_key": "replica-test-secret-0123456789",
    }
    with postgres_schema_url() as url:
        first = ServerProcess(
            tmp_path / "a", url, "--config", str(config), "--long-poll-seconds", "5"
        ).start()
        second = ServerProcess(
            tmp_path / "b", url, "--config", str(config), "--long-poll-seconds", "5"
        ).start()
        agents: list[AgentProcess] = []
        try:
            ssm_a, ssm_b = first.client(**keys), second.client(**keys)
            activation = ssm_a.create_activation(IamRole="SSMServiceRole", RegistrationLimit=2)
            for index, server in enumerate((first, second)):
                agent = AgentProcess(server, tmp_path / f"agent-{index}")
                agent.register(activation["ActivationId"], activation["ActivationCode"])
                agents.append(agent.start())
            ids = [a.instance_id for a in agents]
            wait_online(ssm_b, ids)
            runs = tmp_path / "runs"
            command_id = send(ssm_b, [f"echo $AWS_SSM_INSTANCE_ID >> {runs}"], InstanceIds=ids)
            command = wait_command(ssm_a, command_id)
            assert (command["Status"], command["CompletedCount"]) == ("Success", 2)
            assert sorted(runs.read_text().split()) == sorted(ids)
            page = ssm_b.list_documents(MaxResults=1)
            assert ssm_a.list_documents(MaxResults=1, NextToken=page["NextToken"])["DocumentIdentifiers"]
        finally:
            for agent in agents:
                agent.stop()
            first.stop()
            second.stop()


pytestmark = pytest.mark.e2e
