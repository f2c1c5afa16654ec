"""Fixtures for the agent's tests: a fake node API server and a registered agent state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from openssm.agent.cli import build_worker
from openssm.agent.client import NodeClient
from openssm.agent.config import AgentConfig
from openssm.agent.identity import register
from openssm.agent.state import Registration, StateDir
from openssm.agent.transport import JsonTransport
from openssm.agent.worker import Worker
from tests.unit.agent.fake_node_api import FakeNodeApiServer, NodeApi


@pytest.fixture
def node_api() -> NodeApi:
    return NodeApi()


@pytest.fixture
def api_server(node_api: NodeApi) -> Iterator[FakeNodeApiServer]:
    with FakeNodeApiServer(node_api) as server:
        yield server


@pytest.fixture
def state(tmp_path: Path) -> StateDir:
    return StateDir(tmp_path / "state")


@pytest.fixture
def registration(api_server: FakeNodeApiServer, state: StateDir) -> Registration:
    client = NodeClient(JsonTransport(api_server.url), region="us-east-1")
    return register(
        state,
        client,
        server_url=api_server.url,
        region="us-east-1",
        activation_id=api_server.api.activation_id,
        activation_code=api_server.api.activation_code,
    )


def fast_config(state: StateDir, registration: Registration) -> AgentConfig:
    return AgentConfig(
        state_dir=state.root,
        server_url=registration.server_url,
        region=registration.region,
        long_poll_timeout=5.0,
        request_timeout=5.0,
        quick_poll_pause=0.05,
        backoff_base=0.05,
        backoff_max=0.2,
        spool_retry_min=0.1,
        spool_retry_max=0.2,
        shutdown_grace=5.0,
    )


class RunningWorker:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.result: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.result = self.worker.run()

    def start(self) -> RunningWorker:
        self.thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the worker did not stop"


@pytest.fixture
def start_worker(state: StateDir, registration: Registration) -> Iterator[object]:
    running: list[RunningWorker] = []

    def start(**overrides: object) -> RunningWorker:
        config = replace(fast_config(state, registration), **overrides)  # type: ignore[arg-type]
        handle = RunningWorker(build_worker(config, state)).start()
        running.append(handle)
        return handle

    yield start
    for handle in running:
        if handle.thread.is_alive():
            handle.stop()
