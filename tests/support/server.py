"""A real `openssm serve` process on a free port, and boto3 clients pointed at it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    def __init__(
        self, data_dir: Path, db_url: str, *extra_args: str, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.db_url = db_url
        self.extra_args = list(extra_args)
        self.env = env or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
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
            "--db",
            self.db_url,
            *self.extra_args,
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}, cwd=REPO
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy:\n{self.log_path.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    @property
    def credentials(self) -> dict[str, str]:
        data: dict[str, str] = json.loads((self.data_dir / "credentials.json").read_text())
        return data

    def client(self, service: str = "ssm", **overrides: Any) -> Any:
        creds = self.credentials
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=overrides.pop("aws_access_key_id", creds["access_key_id"]),
            aws_secret_access_key=overrides.pop("aws_secret_access_key", creds["secret_access_key"]),
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **overrides),
        )

    def cli_env(self) -> dict[str, str]:
        creds = self.credentials
        return {
            **os.environ,
            "AWS_ACCESS_KEY_ID": creds["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": creds["secret_access_key"],
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_SSM": self.endpoint,
            "AWS_ENDPOINT_URL_CLOUDWATCH": self.endpoint,
        }
