"""End-to-end fixtures: a server process plus real agent processes running real shell commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.agents import AgentProcess, start_fleet
from tests.support.databases import database_url
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fleet_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp(f"e2e-{backend}")
    with database_url(backend, tmp) as url:
        process = ServerProcess(tmp / "data", url, "--long-poll-seconds", "10").start()
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture(scope="module")
def fleet(
    fleet_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[AgentProcess]]:
    """Three agents tagged Role=web (the first two) / Role=db (the third)."""
    base = tmp_path_factory.mktemp("agents")
    web = start_fleet(fleet_server, base / "web", 2, tags=[{"Key": "Role", "Value": "web"}])
    db = start_fleet(fleet_server, base / "db", 1, tags=[{"Key": "Role", "Value": "db"}])
    agents = web + db
    try:
        yield agents
    finally:
        for agent in agents:
            agent.stop()


@pytest.fixture
def marker_dir(tmp_path: Path) -> Path:
    path = tmp_path / "markers"
    path.mkdir()
    return path
