"""The agent as a process: `register`, `status`, `run` until SIGTERM, idle footprint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.unit.agent.fake_node_api import FakeNodeApiServer
from tests.unit.agent.sample_messages import make_message

SRC = str(Path(__file__).resolve().parents[3] / "src")


def agent(*args: str) -> list[str]:
    return [sys.executable, "-m", "openssm.agent", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC}


def test_register_status_and_run_until_sigterm(api_server: FakeNodeApiServer, tmp_path: Path) -> None:
    api = api_server.api
    state = tmp_path / "state"
    registered = subprocess.run(
        agent("register", "--server", api_server.url, "--activation-id", api.activation_id,
              "--activation-code", api.activation_code, "--region", "us-east-1", "--state-dir", str(state)),
        capture_output=True, text=True, env=env(), timeout=60,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    instance_id = registered.stdout.strip()
    assert instance_id.startswith("mi-")
    status = subprocess.run(
        agent("status", "--state-dir", str(state)), capture_output=True, text=True, env=env()
    )
    assert status.stdout.strip() == instance_id
    details = subprocess.run(
        agent("status", "--json", "--state-dir", str(state)), capture_output=True, text=True, env=env()
    )
    assert json.loads(details.stdout)["server_url"] == api_server.url

    log = tmp_path / "agent.log"
    with log.open("wb") as out:
        process = subprocess.Popen(agent("run", "--state-dir", str(state), "--log-format", "json"),
                                   stdout=out, stderr=subprocess.STDOUT, env=env())  # fmt: skip
    try:
        document = {
            "schemaVersion": "2.2",
            "parameters": {"commands": {"type": "StringList"}},
            "mainSteps": [
                {"action": "aws:runShellScript", "name": "s", "inputs": {"runCommand": ["{{ commands }}"]}}
            ],
        }
        message = make_message(instance_id, document, {"commands": ["echo from-process"]})
        api.queue(message)
        assert api.wait_for(
            lambda: any(r["documentStatus"] == "Success" for r in api.replies_for(message["MessageId"])), 20
        )
        time.sleep(1.0)  # idle in the long poll
        rss_kb = int(Path(f"/proc/{process.pid}/status").read_text().split("VmRSS:")[1].split()[0])
        assert rss_kb < 40 * 1024, f"idle RSS {rss_kb} kB"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
    assert code == 0
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert any("received SIGTERM" in line["message"] for line in lines)
    assert api.errors == []


def test_run_without_registration_fails_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        agent("run", "--state-dir", str(tmp_path / "none")), capture_output=True, text=True, env=env()
    )
    assert result.returncode == 2
    assert "not registered" in result.stderr
