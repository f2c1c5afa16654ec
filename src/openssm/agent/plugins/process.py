"""Run one child process: own process group, separate bounded stdout/stderr, timeout and cancel.

As the official agent (agent/executers/executers_unix.go): the child leads its own process group
and a timeout or cancel sends SIGKILL to the whole group. The step ends when the child has exited
and its output pipes are closed (a background child that keeps them open keeps the step running,
as with the official agent), or on timeout or cancel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from openssm.agent.cancellation import CancelToken, StopReason
from openssm.agent.output import CAPTURE_LIMIT

READ_CHUNK = 64 * 1024
DRAIN_AFTER_KILL = 2.0
"""After a kill, seconds to wait for the output pipes: a process that left the group may still
hold them, and is then abandoned."""


@dataclass
class ProcessOutcome:
    returncode: int | None = None
    """The child's exit status; negative: killed by that signal; None: not started."""
    timed_out: bool = False
    stopped: StopReason | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    start_error: str | None = None


class _Capture(threading.Thread):
    """Reads one pipe to its end, keeping the first `limit` bytes (so the child never blocks)."""

    def __init__(self, pipe: IO[bytes], wake: threading.Event, limit: int) -> None:
        super().__init__(daemon=True)
        self.pipe = pipe
        self.wake = wake
        self.limit = limit
        self.data = bytearray()
        self.total = 0
        self.finished = threading.Event()

    def run(self) -> None:
        fd = self.pipe.fileno()
        try:
            while True:
                chunk = os.read(fd, READ_CHUNK)
                if not chunk:
                    break
                self.total += len(chunk)
                room = self.limit - len(self.data)
                if room > 0:
                    self.data += chunk[:room]
        except OSError:
            pass
        finally:
            self.pipe.close()
            self.finished.set()
            self.wake.set()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_process(
    argv: list[str],
    *,
    cwd: str | None,
    env: Mapping[str, str],
    timeout: float,
    cancel: CancelToken,
    capture_limit: int = CAPTURE_LIMIT,
) -> ProcessOutcome:
    if cwd is not None and not os.path.isdir(cwd):
        return ProcessOutcome(start_error=f"chdir {cwd}: no such file or directory")
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return ProcessOutcome(start_error=f"fork/exec {argv[0]}: {reason}")
    assert proc.stdout is not None and proc.stderr is not None

    wake = threading.Event()
    readers = [_Capture(proc.stdout, wake, capture_limit), _Capture(proc.stderr, wake, capture_limit)]
    exited = threading.Event()

    def wait_for_exit() -> None:
        proc.wait()
        exited.set()
        wake.set()

    for reader in readers:
        reader.start()
    threading.Thread(target=wait_for_exit, daemon=True).start()
    cancel.add_waker(wake)
    outcome = ProcessOutcome()
    deadline = time.monotonic() + timeout
    killed = False
    try:
        while True:
            if exited.is_set() and all(r.finished.is_set() for r in readers):
                break
            stop = cancel.reason
            if stop is not None:
                outcome.stopped = stop
                killed = True
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome.timed_out = True
                killed = True
                break
            wake.wait(remaining)
            wake.clear()
    finally:
        cancel.remove_waker(wake)
    if killed:
        _kill_group(proc.pid)
        proc.wait()
        for reader in readers:
            reader.finished.wait(DRAIN_AFTER_KILL)
    outcome.returncode = proc.returncode
    outcome.stdout = bytes(readers[0].data)
    outcome.stderr = bytes(readers[1].data)
    return outcome
