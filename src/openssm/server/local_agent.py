"""`openssm serve --local-agent` (what `make run` uses): one openssm agent on this machine,
registered to this server, so a newcomer can send a command at once.

Once the server accepts connections, an activation is created in the default principal's account
(through the activation service, not HTTP), `openssm agent register` is run unless the state
directory (`<data-dir>/local-agent`) already holds a registration of a node this server still
knows, and `openssm agent run` is started as a child process, its output in
`<data-dir>/local-agent.log`. It is asked to stop (SIGTERM) as soon as the server starts shutting
down, and killed if it has not exited in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from openssm.domain.activations.models import CreateActivationRequest
from openssm.server.credentials import default_principal

if TYPE_CHECKING:
    from openssm.server.runtime import Runtime

log = logging.getLogger("openssm.local_agent")

STATE_DIR_NAME = "local-agent"
LOG_FILE_NAME = "local-agent.log"
INSTANCE_NAME = "local-agent"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0
"""The agent lets running commands finish for up to 30 s when asked to stop."""


def agent_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "openssm.cli.main", "agent", *args]


class LocalAgent:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        settings = runtime.settings
        self.state_dir = (settings.data_dir / STATE_DIR_NAME).resolve()
        self.log_path = (settings.data_dir / LOG_FILE_NAME).resolve()
        self._task: asyncio.Task[None] | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = False

    def start(self) -> None:
        """Begin in the background (the server is not listening yet while the lifespan starts)."""
        self._task = asyncio.create_task(self._run(), name="local-agent")

    def begin_stop(self) -> None:
        """Ask the agent to stop now (the server is shutting down)."""
        self._stopping = True
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(signal.SIGTERM)

    async def stop(self) -> None:
        self.begin_stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        process = self._process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log.warning("local agent did not stop in %.0f s; killing it", STOP_TIMEOUT)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()

    async def _run(self) -> None:
        try:
            await self._wait_until_listening()
            if self._stopping:
                return
            if not await self._registered():
                await self._register()
            if self._stopping:
                return
            await self._spawn()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the local agent could not be started (see %s)", self.log_path)

    async def _wait_until_listening(self) -> None:
        settings = self._runtime.settings
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
        deadline = asyncio.get_running_loop().time() + READY_TIMEOUT
        while True:
            try:
                _, writer = await asyncio.open_connection(host, settings.port)
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(
                        f"the server did not accept connections on {host}:{settings.port}"
                    ) from None
                await asyncio.sleep(0.1)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def _registered(self) -> bool:
        """Does the state directory hold a registration with this server of a node it knows?"""
        try:
            data = json.loads((self.state_dir / "registration.json").read_text())
        except (OSError, ValueError):
            return False
        if data.get("server_url") != self._runtime.settings.endpoint_url:
            return False
        nodes = self._runtime.services["nodes"]
        return await self._runtime.db.run(nodes.identity, str(data.get("instance_id", ""))) is not None

    async def _register(self) -> None:
        runtime = self._runtime
        settings = runtime.settings
        account_id = default_principal(settings).account_id
        activations = runtime.services["activations"]
        request = CreateActivationRequest(
            iam_role="openssm-local-agent",
            description="openssm serve --local-agent",
            default_instance_name=INSTANCE_NAME,
            registration_limit=1,
            expiration_date=runtime.clock.now() + timedelta(hours=1),
        )
        created = await runtime.db.run(activations.create, account_id, request)
        args = [
            "register",
            "--server", settings.endpoint_url,
            "--activation-id", created.activation_id,
            "--activation-code", created.activation_code,
            "--region", settings.region,
            "--state-dir", str(self.state_dir),
            "--force",
        ]  # fmt: skip
        if settings.tls_cert is not None:
            args += ["--ca-file", str(Path(settings.tls_cert).resolve())]
        with self.log_path.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                *agent_command(*args), stdout=output, stderr=asyncio.subprocess.STDOUT
            )
            code = await process.wait()
        if code != 0:
            raise RuntimeError(f"`openssm agent register` exited with status {code}")
        log.info("local agent registered (state directory %s)", self.state_dir)

    async def _spawn(self) -> None:
        with self.log_path.open("ab") as output:
            self._process = await asyncio.create_subprocess_exec(
                *agent_command("run", "--state-dir", str(self.state_dir)),
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        log.info("local agent running (pid %d, log %s)", self._process.pid, self.log_path)
