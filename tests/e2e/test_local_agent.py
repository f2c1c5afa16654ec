"""`openssm serve --local-agent` (what `make run` starts): a real agent registered to the server,
kept across restarts, stopped with the server."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import database_url
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


def wait_for_online(ssm: Any, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        nodes = ssm.describe_instance_information()["InstanceInformationList"]
        if nodes and all(n["PingStatus"] == "Online" for n in nodes):
            return list(nodes)
        time.sleep(0.5)
    raise AssertionError(f"no Online local agent after {timeout} s")


def agent_pids(server: ServerProcess) -> list[int]:
    return [int(pid) for pid in re.findall(r"local agent running \(pid (\d+)", server.log_path.read_text())]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_local_agent_registers_once_runs_and_stops_with_the_server(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        server = ServerProcess(tmp_path / "data", url, "--local-agent", "--long-poll-seconds", "5").start()
        try:
            ssm = server.client("ssm")
            [node] = wait_for_online(ssm)
            assert node["Name"] == "local-agent"
            assert node["PlatformType"] in ("Linux", "MacOS")

            server.restart()
            deadline = time.monotonic() + 60
            while len(agent_pids(server)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert [n["InstanceId"] for n in wait_for_online(ssm)] == [node["InstanceId"]]
            activations = ssm.describe_activations()["ActivationList"]
            assert len(activations) == 1  # the restart registered nothing new
        finally:
            server.stop()
    pids = agent_pids(server)
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)
