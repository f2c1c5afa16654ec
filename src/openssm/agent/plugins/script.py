"""What aws:runShellScript and aws:runPowerShellScript share (agent/plugins/runscript/runscript.go):
write the commands to a script file, run it with the shell, map the exit to a plugin status.

Statuses as pluginutil.GetStatus: exit 0 Success; 194 (reboot requested) is reported with its
code as Success, since openssm-agent never reboots; a timeout kills the process group and reports
TimedOut with exit code 137 (128 + SIGKILL), a cancel Cancelled with 137; any other exit Failed
with "failed to run commands: exit status N" added to stderr.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from typing import Any

from openssm.agent.cancellation import CancelToken, StopReason
from openssm.agent.plugins.base import PluginContext, PluginOutput
from openssm.agent.plugins.process import ProcessOutcome, run_process
from openssm.agent.results import ResultStatus

KILLED_EXIT_CODE = 137  # appconfig.CommandStoppedPreemptivelyExitCode (Linux, macOS)
REBOOT_EXIT_CODE = 194
DEFAULT_TIMEOUT = 3600
MIN_TIMEOUT = 5
MAX_TIMEOUT = 172800
UTF8_BOM = b"\xef\xbb\xbf"

_SIGNAL_WORDS: dict[int, str] = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGINT: "interrupt",
    signal.SIGHUP: "hangup",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGPIPE: "broken pipe",
}


def get_property(properties: dict[str, Any], name: str) -> Any:
    """Look a property up as Go's encoding/json does: exact name first, then case-insensitively."""
    if name in properties:
        return properties[name]
    lowered = name.lower()
    for key, value in properties.items():
        if key.lower() == lowered:
            return value
    return None


def flatten_commands(value: Any) -> list[str]:
    """runCommand as strings: a string, or (nested) lists of strings (pluginutil.ParseRunCommand)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [line for item in value for line in flatten_commands(item)]
    return []


def execution_timeout(value: Any) -> int:
    """timeoutSeconds as the official agent reads it: int, float or numeric string; outside
    5..172800 (or unreadable) means the default, 3600."""
    number: int
    if isinstance(value, bool):
        number = DEFAULT_TIMEOUT
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            try:
                number = int(float(value.strip()))
            except ValueError:
                number = DEFAULT_TIMEOUT
    else:
        number = DEFAULT_TIMEOUT
    if number < MIN_TIMEOUT or number > MAX_TIMEOUT:
        return DEFAULT_TIMEOUT
    return number


def _safe_component(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.:-]", "_", name).lstrip(".")
    return cleaned or "step"


def working_directory(requested: Any, ctx: PluginContext) -> str | None:
    """An absolute path as given; a relative one under the command's downloads directory if it
    exists there, else the default working directory."""
    if isinstance(requested, str) and requested:
        if os.path.isabs(requested):
            return requested
        candidate = ctx.work_dir.parent / "downloads" / requested
        if candidate.is_dir():
            return str(candidate)
    return ctx.default_working_dir


def environment(properties: dict[str, Any], ctx: PluginContext) -> dict[str, str]:
    env = dict(os.environ)
    extra = get_property(properties, "environment")
    if isinstance(extra, dict):
        env.update({str(k): str(v) for k, v in extra.items()})
    env["SSM_COMMAND_ID"] = ctx.command_id
    env["AWS_SSM_INSTANCE_ID"] = ctx.instance_id
    env["AWS_SSM_REGION_NAME"] = ctx.region
    env["AWS_SSM_PLATFORM_NAME"] = ctx.host.platform_name
    env["AWS_SSM_PLATFORM_VERSION"] = ctx.host.platform_version
    return env


def exit_description(returncode: int) -> str:
    """Go's *exec.ExitError text: `exit status N`, or `signal: killed` for a signal."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        number = signal.Signals(-returncode)
    except ValueError:
        return f"signal {-returncode}"
    return "signal: " + _SIGNAL_WORDS.get(int(number), number.name.lower().removeprefix("sig"))


def to_output(outcome: ProcessOutcome) -> PluginOutput:
    if outcome.start_error is not None:
        out = PluginOutput(ResultStatus.FAILED, 1)
        out.append_error(f"failed to run commands: {outcome.start_error}")
        return out
    out = PluginOutput(ResultStatus.FAILED, 1, outcome.stdout, outcome.stderr)
    if outcome.timed_out:
        out.status, out.code = ResultStatus.TIMED_OUT, KILLED_EXIT_CODE
    elif outcome.stopped is StopReason.CANCELLED:
        out.status, out.code = ResultStatus.CANCELLED, KILLED_EXIT_CODE
    elif outcome.stopped is StopReason.SHUTDOWN:
        out.status, out.code = ResultStatus.FAILED, KILLED_EXIT_CODE
        out.append_error("failed to run commands: openssm-agent stopped while the command was running")
    else:
        code = outcome.returncode if outcome.returncode is not None else 1
        if code == 0:
            out.status, out.code = ResultStatus.SUCCESS, 0
        elif code == REBOOT_EXIT_CODE:
            out.status, out.code = ResultStatus.SUCCESS, REBOOT_EXIT_CODE
            out.append_error(
                "the script asked for a reboot (exit code 194); openssm-agent does not reboot nodes"
            )
        else:
            out.code = code if code > 0 else -1
            out.append_error(f"failed to run commands: {exit_description(code)}")
    return out


def run_script(
    properties: dict[str, Any],
    ctx: PluginContext,
    cancel: CancelToken,
    *,
    script_name: str,
    interpreter: list[str] | None,
    missing_interpreter: str = "",
    byte_order_mark: bool = False,
) -> PluginOutput:
    reason = cancel.reason
    if reason is not None:
        # MarkAsCancelled / MarkAsShutdown: the step never started.
        return PluginOutput(ResultStatus.CANCELLED, 1)
    if interpreter is None:
        out = PluginOutput(ResultStatus.FAILED, 1)
        out.append_error(f"failed to run commands: {missing_interpreter}")
        return out
    step_id = get_property(properties, "id")
    script_dir = ctx.work_dir
    if isinstance(step_id, str) and step_id and not step_id.startswith(("../", "~/")):
        script_dir = script_dir / _safe_component(step_id)
    script_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    script_path = Path(script_dir) / script_name
    commands = flatten_commands(get_property(properties, "runCommand"))
    body = ("\n".join(commands) + "\n").encode()
    script_path.write_bytes((UTF8_BOM if byte_order_mark else b"") + body)
    os.chmod(script_path, 0o700)
    outcome = run_process(
        [*interpreter, str(script_path)],
        cwd=working_directory(get_property(properties, "workingDirectory"), ctx),
        env=environment(properties, ctx),
        timeout=execution_timeout(get_property(properties, "timeoutSeconds")),
        cancel=cancel,
    )
    return to_output(outcome)
