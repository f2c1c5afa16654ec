"""Documents run with the real shell plugins: statuses, exit codes, outputs, control flow."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from openssm.agent.cancellation import CancelToken, StopReason
from openssm.agent.documents import Step, parse_document
from openssm.agent.host import HostInfo
from openssm.agent.plugins import PluginContext
from openssm.agent.results import PluginResult, ResultStatus, document_status
from openssm.agent.runner import DocumentRunner

LINUX = HostInfo("Linux", "Ubuntu", "22.04", "linux")


def run(
    tmp_path: Path,
    document: dict[str, Any],
    params: dict[str, Any] | None = None,
    cancel: CancelToken | None = None,
    host: HostInfo = LINUX,
) -> tuple[list[PluginResult], list[PluginResult]]:
    steps = parse_document(document, params or {})
    reported: list[PluginResult] = []

    def context(step: Step) -> PluginContext:
        instance = "mi-0123456789abcdef0"
        work = tmp_path / "work" / step.step_id
        return PluginContext("cmd-1", f"aws.ssm.cmd-1.{instance}", instance, "us-east-1", host, work)

    results = DocumentRunner().run(
        steps, context, cancel or CancelToken(), reported.append, host.precondition_platform
    )
    return results, reported


def shell_22(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"schemaVersion": "2.2", "description": "test", "parameters": {}, "mainSteps": list(steps)}


def step(name: str, *commands: str, **inputs: Any) -> dict[str, Any]:
    return {"action": "aws:runShellScript", "name": name, "inputs": {"runCommand": list(commands), **inputs}}


def test_successful_step_reports_stdout_exit_code_zero_and_success(tmp_path: Path) -> None:
    (result,), reported = run(tmp_path, shell_22(step("s1", "echo hello", "echo $SSM_COMMAND_ID")))
    assert reported == [result]
    assert result.status is ResultStatus.SUCCESS and result.code == 0
    assert result.stdout == b"hello\ncmd-1\n"
    assert result.output == "hello\ncmd-1\n"
    assert result.start <= result.end


def test_non_zero_exit_fails_with_the_scripts_code_and_the_agents_message(tmp_path: Path) -> None:
    (result,), _ = run(tmp_path, shell_22(step("s1", "echo partial", "echo broken >&2", "exit 7")))
    assert result.status is ResultStatus.FAILED
    assert result.code == 7
    assert result.stderr == b"broken\nfailed to run commands: exit status 7"
    assert result.output == "partial\n\n----------ERROR-------\nbroken\nfailed to run commands: exit status 7"


def test_stderr_alone_does_not_fail_a_zero_exit(tmp_path: Path) -> None:
    (result,), _ = run(tmp_path, shell_22(step("s1", "echo warning >&2")))
    assert result.status is ResultStatus.SUCCESS
    assert result.output == "\n----------ERROR-------\nwarning\n"


def test_timeout_values_follow_the_official_agent() -> None:
    from openssm.agent.plugins import script

    # Outside 5..172800 or unreadable means the default, 3600.
    assert script.execution_timeout("3") == 3600
    assert script.execution_timeout(5.7) == 5
    assert script.execution_timeout("30.9") == 30
    assert script.execution_timeout("x") == 3600
    assert script.execution_timeout(None) == 3600
    assert script.execution_timeout("172801") == 3600


def test_a_timed_out_process_is_reported_timed_out_with_exit_code_137() -> None:
    from openssm.agent.plugins.process import ProcessOutcome
    from openssm.agent.plugins.script import to_output

    out = to_output(ProcessOutcome(returncode=-9, timed_out=True, stdout=b"before\n"))
    assert (out.status, out.code, out.stdout, out.stderr) == (ResultStatus.TIMED_OUT, 137, b"before\n", b"")
    killed = to_output(ProcessOutcome(returncode=-9))
    assert (killed.status, killed.code) == (ResultStatus.FAILED, -1)
    assert killed.stderr == b"failed to run commands: signal: killed"


def test_cancel_stops_the_running_step_and_cancels_the_rest(tmp_path: Path) -> None:
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    results, _ = run(tmp_path, shell_22(step("s1", "sleep 30"), step("s2", "echo never")), cancel=token)
    assert [(r.status, r.code) for r in results] == [
        (ResultStatus.CANCELLED, 137),
        (ResultStatus.CANCELLED, 1),
    ]
    assert document_status(results) is ResultStatus.CANCELLED


def test_agent_shutdown_reports_the_stopped_step_failed(tmp_path: Path) -> None:
    token = CancelToken()
    threading.Timer(0.3, lambda: token.cancel(StopReason.SHUTDOWN)).start()
    (result,), _ = run(tmp_path, shell_22(step("s1", "sleep 30")), cancel=token)
    assert result.status is ResultStatus.FAILED and result.code == 137
    assert b"openssm-agent stopped while the command was running" in result.stderr


def test_working_directory_absolute_and_missing(tmp_path: Path) -> None:
    (ok,), _ = run(tmp_path, shell_22(step("s1", "pwd", workingDirectory=str(tmp_path))))
    assert ok.stdout.decode().strip() == str(tmp_path)
    (bad,), _ = run(tmp_path, shell_22(step("s1", "pwd", workingDirectory=str(tmp_path / "missing"))))
    assert bad.status is ResultStatus.FAILED and bad.code == 1
    missing = f"chdir {tmp_path / 'missing'}: no such file or directory"
    assert bad.output == f"\n----------ERROR-------\nfailed to run commands: {missing}"


def test_schema_1_2_document_runs_each_property_set_and_merges(tmp_path: Path) -> None:
    document = {
        "schemaVersion": "1.2",
        "parameters": {"commands": {"type": "StringList"}},
        "runtimeConfig": {
            "aws:runShellScript": {
                "properties": [
                    {"id": "0.aws:runShellScript", "runCommand": "{{ commands }}"},
                    {"id": "1.aws:runShellScript", "runCommand": ["echo second; exit 2"]},
                ]
            }
        },
    }
    (result,), _ = run(tmp_path, document, {"commands": ["echo first"]})
    assert result.step_id == result.plugin == "aws:runShellScript"
    assert result.stdout == b"first\n\nsecond\n"
    assert result.code == 2 and result.status is ResultStatus.FAILED


def test_run_shell_script_22_with_string_list_expansion_and_defaults(tmp_path: Path) -> None:
    document = {
        "schemaVersion": "2.2",
        "parameters": {
            "commands": {"type": "StringList"},
            "greeting": {"type": "String", "default": "hi there"},
        },
        "mainSteps": [
            {
                "action": "aws:runShellScript",
                "name": "runShellScript",
                "precondition": {"StringEquals": ["platformType", "Linux"]},
                "inputs": {"runCommand": ["echo {{ greeting }}", "{{ commands }}"], "timeoutSeconds": "60"},
            }
        ],
    }
    (result,), _ = run(tmp_path, document, {"commands": ["echo one", "echo two"]})
    assert result.stdout == b"hi there\none\ntwo\n"


def test_precondition_for_another_platform_skips_the_step(tmp_path: Path) -> None:
    windows = {
        "action": "aws:runPowerShellScript",
        "name": "onWindows",
        "precondition": {"StringEquals": ["platformType", "Windows"]},
        "inputs": {"runCommand": ["Get-Date"]},
    }
    linux = dict(step("onLinux", "echo linux"), precondition={"StringEquals": ["platformType", "Linux"]})
    results, reported = run(tmp_path, shell_22(windows, linux))
    skipped, ran = results
    assert skipped.status is ResultStatus.SKIPPED and skipped.code == 0
    assert skipped.output == (
        "Step execution skipped due to unsatisfied preconditions: "
        "'\"StringEquals\": [platformType, Windows]'. Step name: onWindows"
    )
    assert ran.status is ResultStatus.SUCCESS and ran.stdout == b"linux\n"
    assert document_status(results) is ResultStatus.SUCCESS
    assert [r.step_id for r in reported] == ["onWindows", "onLinux"]


def test_unknown_plugin_fails_its_step(tmp_path: Path) -> None:
    document = shell_22(
        {"action": "aws:configurePackage", "name": "pkg", "inputs": {}}, step("after", "echo ok")
    )
    failed, after = run(tmp_path, document)[0]
    assert failed.status is ResultStatus.FAILED
    assert (
        failed.error
        == "Plugin with name aws:configurePackage is not supported by openssm-agent. Step name: pkg"
    )
    assert after.status is ResultStatus.SUCCESS


def test_precondition_in_a_2_0_document_fails_the_step(tmp_path: Path) -> None:
    document = dict(
        shell_22(dict(step("s", "echo x"), precondition={"StringEquals": ["platformType", "Linux"]}))
    )
    document["schemaVersion"] = "2.0"
    (result,), _ = run(tmp_path, document)
    assert result.status is ResultStatus.FAILED
    assert "Precondition is not supported for document schema version prior to 2.2" in result.error


def test_exit_168_succeeds_and_skips_the_following_steps(tmp_path: Path) -> None:
    first, second = run(tmp_path, shell_22(step("a", "echo x; echo e >&2; exit 168"), step("b", "echo no")))[
        0
    ]
    assert first.status is ResultStatus.SUCCESS and first.code == 168
    assert first.output == "x\n"
    assert first.stdout.endswith(b"Further document steps will be skipped.")
    assert second.status is ResultStatus.SKIPPED
    assert (
        second.output
        == "Plugin with name aws:runShellScript and id b skipped due to prior step with an exit condition"
    )


def test_on_failure_exit_skips_the_rest_but_a_finally_step_runs(tmp_path: Path) -> None:
    results, _ = run(
        tmp_path,
        shell_22(
            step("a", "exit 1", onFailure="exit"),
            step("b", "echo skipped"),
            step("c", "echo finally", finallyStep=True),
        ),
    )
    assert [r.status for r in results] == [ResultStatus.FAILED, ResultStatus.SKIPPED, ResultStatus.SUCCESS]
    assert document_status(results) is ResultStatus.FAILED


def test_exit_194_is_reported_not_acted_on(tmp_path: Path) -> None:
    (result,), _ = run(tmp_path, shell_22(step("a", "exit 194")))
    assert result.status is ResultStatus.SUCCESS and result.code == 194
    assert b"does not reboot" in result.stderr


def test_a_shebang_line_picks_the_interpreter(tmp_path: Path) -> None:
    (result,), _ = run(tmp_path, shell_22(step("a", "#!/bin/sh", "echo $0")))
    assert result.stdout.decode().strip().endswith("_script.sh")


def test_powershell_without_pwsh_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    document = shell_22(
        {"action": "aws:runPowerShellScript", "name": "ps", "inputs": {"runCommand": ["Get-Date"]}}
    )
    (result,), _ = run(tmp_path, document)
    assert result.status is ResultStatus.FAILED and result.code == 1
    assert "pwsh not found" in result.output


def test_environment_carries_the_ssm_variables(tmp_path: Path) -> None:
    (result,), _ = run(
        tmp_path,
        shell_22(step("a", 'echo "$AWS_SSM_INSTANCE_ID $AWS_SSM_REGION_NAME $AWS_SSM_PLATFORM_NAME"')),
    )
    assert result.stdout == b"mi-0123456789abcdef0 us-east-1 Ubuntu\n"
    assert os.environ.get("SSM_COMMAND_ID") is None
