"""The processes a benchmark measures: `openssm serve`, moto's server, an `openssm agent`; and what
/proc says about them (RSS, CPU seconds)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[1]
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _wait_port(process: subprocess.Popen[bytes], port: int, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


def _stop(process: subprocess.Popen[bytes] | None, timeout: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Workdir:
    """A temporary directory for one benchmark run (kept with --keep)."""

    def __init__(self, keep: bool = False) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="openssm-bench-"))
        self.keep = keep

    def close(self) -> None:
        if self.keep:
            print(f"(kept {self.path})")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


class _Listening:
    """A server process of ours on a free loopback port."""

    port: int
    process: subprocess.Popen[bytes] | None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


class OpenSsm(_Listening):
    """`openssm serve` on a free port with its own data directory (SQLite unless `db` is given)."""

    def __init__(
        self, data_dir: Path, *args: str, db: str = "", principals: Sequence[tuple[str, str, str]] = ()
    ) -> None:
        self.data_dir = data_dir
        self.args = list(args)
        self.principals = list(principals)  # extra (access key, secret, account id)
        self.db = db
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    def start(self) -> OpenSsm:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "openssm.cli.main",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            *self.args,
        ]
        if self.db:
            command += ["--db", self.db]
        if self.principals:
            config = self.data_dir / "principals.toml"
            config.write_text(
                "".join(
                    f'[[principals]]\naccess_key_id = "{key}"\nsecret_access_key = "{secret}"\n'
                    f'account_id = "{account}"\n'
                    for key, secret, account in self.principals
                )
            )
            command += ["--config", str(config)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"openssm exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("openssm did not become healthy")

    def stop(self) -> None:
        _stop(self.process)
        self.process = None

    @property
    def credentials(self) -> dict[str, str]:
        data: dict[str, str] = json.loads((self.data_dir / "credentials.json").read_text())
        return data

    def client(self, service: str = "ssm") -> Any:
        creds = self.credentials
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=creds["access_key_id"],
            aws_secret_access_key=creds["secret_access_key"],
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=120),
        )


class Moto(_Listening):
    """moto's server (`python -m moto.server`), the peer the issues compare against."""

    access_key = "testing"
    secret_key = "testing"

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"moto-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Moto:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_port(self.process, self.port, self.log_path, "moto")
        return self

    def stop(self) -> None:
        _stop(self.process, timeout=10)
        self.process = None

    def client(self, service: str = "ssm") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(retries={"max_attempts": 1}, read_timeout=120),
        )


class Agent:
    """A real `openssm agent` (register, then run) with its own state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = state_dir.parent / f"{state_dir.name}.log"
        self.instance_id = ""

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "openssm.cli.main", "agent", *args, "--state-dir", str(self.state_dir)]

    def register(self, endpoint: str, activation_id: str, activation_code: str) -> str:
        result = subprocess.run(
            self._command(
                "register",
                "--server",
                endpoint,
                "--activation-id",
                activation_id,
                "--activation-code",
                activation_code,
                "--region",
                REGION,
            ),
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"agent register failed: {result.stdout}\n{result.stderr}")
        self.instance_id = result.stdout.strip().splitlines()[-1]
        return self.instance_id

    def start(self) -> Agent:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self._command("run"), stdout=log, stderr=subprocess.STDOUT, cwd=REPO
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        _stop(self.process, timeout=20)
        self.process = None
