"""Real openssm agent processes registered to a test server, and a small fleet of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.server import REPO, ServerProcess


class AgentProcess:
    def __init__(self, server: ServerProcess, state_dir: Path) -> None:
        self.server = server
        self.state_dir = state_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.instance_id = ""
        self.log_path = state_dir.parent / f"{state_dir.name}.log"

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "openssm.cli.main", "agent", *args, "--state-dir", str(self.state_dir)]

    def register(self, activation_id: str, activation_code: str) -> str:
        result = subprocess.run(
            self._command(
                "register",
                "--server",
                self.server.endpoint,
                "--activation-id",
                activation_id,
                "--activation-code",
                activation_code,
                "--region",
                "us-east-1",
            ),
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"agent register failed: {result.stdout}\n{result.stderr}")
        self.instance_id = result.stdout.strip().splitlines()[-1]
        return self.instance_id

    def start(self) -> AgentProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self._command("run", "--log-level", "DEBUG"),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env={**os.environ},
            )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def start_fleet(
    server: ServerProcess, base: Path, count: int, tags: list[dict[str, str]] | None = None
) -> list[AgentProcess]:
    """Register `count` agents with one activation (carrying `tags`) and wait until all are Online."""
    ssm = server.client("ssm")
    activation = ssm.create_activation(
        IamRole="SSMServiceRole", RegistrationLimit=count, Tags=tags or [], DefaultInstanceName="test-node"
    )
    agents = []
    for index in range(count):
        agent = AgentProcess(server, base / f"agent-{index}")
        agent.register(activation["ActivationId"], activation["ActivationCode"])
        agents.append(agent.start())
    wait_online(ssm, [a.instance_id for a in agents])
    return agents


def wait_online(ssm: Any, instance_ids: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": instance_ids}], MaxResults=50
        )["InstanceInformationList"]
        if len([i for i in found if i.get("PingStatus") == "Online"]) == len(instance_ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"agents {instance_ids} did not come online")


def wait_for(predicate: Any, timeout: float = 60, interval: float = 0.2, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")
