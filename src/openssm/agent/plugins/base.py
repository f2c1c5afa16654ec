"""What a plugin is given and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openssm.agent.cancellation import CancelToken
from openssm.agent.host import HostInfo
from openssm.agent.results import ResultStatus


@dataclass(frozen=True)
class PluginContext:
    """Where and for whom a step runs."""

    command_id: str
    message_id: str
    instance_id: str
    region: str
    host: HostInfo
    work_dir: Path
    """Scratch directory of this step (scripts are written here); removed after the command."""
    default_working_dir: str | None = None
    """Working directory when the step names none (None: the agent's own)."""


@dataclass
class PluginOutput:
    """The result of one set of properties: status, exit code, captured streams."""

    status: ResultStatus
    code: int
    stdout: bytes = b""
    stderr: bytes = b""

    def append_error(self, message: str) -> None:
        """Add an agent message after the captured stderr, on its own line."""
        separator = b"\n" if self.stderr and not self.stderr.endswith(b"\n") else b""
        self.stderr += separator + message.encode()


Plugin = Callable[[dict[str, Any], PluginContext, CancelToken], PluginOutput]
"""(properties, context, cancel token) -> output. Properties are one object of the step's inputs."""
