"""The child process runner with a real shell: streams, exit codes, timeout and cancel kill the
whole process group."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from openssm.agent.cancellation import CancelToken, StopReason
from openssm.agent.output import CAPTURE_LIMIT
from openssm.agent.plugins.process import run_process


def sh(script: str, *, timeout: float = 10, cancel: CancelToken | None = None, cwd: str | None = None):  # type: ignore[no-untyped-def]
    return run_process(
        ["sh", "-c", script], cwd=cwd, env=dict(os.environ), timeout=timeout, cancel=cancel or CancelToken()
    )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return True


def test_stdout_and_stderr_are_captured_separately_with_the_exit_code() -> None:
    outcome = sh("echo out; echo err >&2; exit 3")
    assert outcome.returncode == 3
    assert outcome.stdout == b"out\n"
    assert outcome.stderr == b"err\n"
    assert not outcome.timed_out and outcome.stopped is None


def test_big_output_does_not_deadlock_and_is_capped_in_memory() -> None:
    outcome = sh("head -c 3000000 /dev/zero | tr '\\0' a; head -c 3000000 /dev/zero | tr '\\0' b >&2")
    assert outcome.returncode == 0
    assert len(outcome.stdout) == CAPTURE_LIMIT and set(outcome.stdout) == {ord("a")}
    assert len(outcome.stderr) == CAPTURE_LIMIT and set(outcome.stderr) == {ord("b")}


def test_timeout_kills_the_whole_process_group_including_a_background_child(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    outcome = sh(f"sleep 60 & echo $! > {pidfile}; echo started; sleep 60", timeout=1)
    assert time.monotonic() - started < 5
    assert outcome.timed_out
    assert outcome.returncode == -9
    assert outcome.stdout == b"started\n"
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(child)


def test_cancel_kills_the_running_process_group(tmp_path: Path) -> None:
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    outcome = sh("sleep 30 & sleep 30", cancel=token)
    assert time.monotonic() - started < 5
    assert outcome.stopped is StopReason.CANCELLED
    assert not outcome.timed_out


def test_working_directory_is_used_and_a_missing_one_is_reported(tmp_path: Path) -> None:
    assert sh("pwd", cwd=str(tmp_path)).stdout.decode().strip() == str(tmp_path)
    missing = sh("pwd", cwd=str(tmp_path / "nope"))
    assert missing.start_error == f"chdir {tmp_path / 'nope'}: no such file or directory"


def test_a_child_that_keeps_the_pipe_open_keeps_the_step_running_until_the_timeout() -> None:
    started = time.monotonic()
    outcome = sh("sleep 30 &", timeout=1)
    assert outcome.timed_out
    assert time.monotonic() - started < 5


def test_a_background_child_with_redirected_output_does_not_hold_the_step() -> None:
    started = time.monotonic()
    outcome = sh("sleep 3 >/dev/null 2>&1 & echo done")
    assert outcome.returncode == 0 and outcome.stdout == b"done\n"
    assert time.monotonic() - started < 2
