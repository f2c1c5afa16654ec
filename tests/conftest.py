"""Shared fixtures: database backends (SQLite and PostgreSQL) and live server processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url
from tests.support.server import ServerProcess

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS, scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per test module and backend; tests use unique resource names."""
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    with database_url(backend, tmp) as url:
        process = ServerProcess(tmp / "data", url).start()
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture
def fresh_server(backend: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of this test's own (for restarts and destructive checks)."""
    with database_url(backend, tmp_path) as url:
        process = ServerProcess(tmp_path / "data", url).start()
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture
def ssm(server: ServerProcess):  # type: ignore[no-untyped-def]
    return server.client("ssm")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
