"""Run a document's steps in order, as agent/framework/runpluginutil/runpluginutil.go does.

For each step: skip it if an earlier step asked to end the document (exit code 168 or 169,
`onFailure: exit|successAndExit`, `onSuccess: exit`; a `finallyStep: true` last step still runs);
decide from the plugin and the preconditions (schema 2.2) whether to run, skip or fail it; run it
once per property set (1.x `properties` lists), merging the outputs; report it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from openssm.agent.cancellation import CancelToken
from openssm.agent.documents import PreconditionArgument, Step
from openssm.agent.output import truncate_output
from openssm.agent.plugins import REGISTRY, Plugin, PluginContext, PluginOutput
from openssm.agent.results import PluginResult, ResultStatus, merge_status

EXIT_WITH_SUCCESS = 168
EXIT_WITH_FAILURE = 169
NO_PARAMETERS = "can't contain document parameters"
_SKIP_REST = b" Further document steps will be skipped."
ENDED_168 = b"\nStep exited with code 168. Therefore, marking step as succeeded." + _SKIP_REST
ENDED_169 = b"\nStep exited with code 169. Therefore, marking step as Failed." + _SKIP_REST
ENDED_ON_FAILURE = b"\nStep was found to have onFailure property." + _SKIP_REST
_SSM_PARAMETER = re.compile(r"\{\{\s*ssm(-secure)?:[^}]*\}\}")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def string_property(properties: Any, name: str) -> str:
    """A string or boolean property of a step's inputs, as text ("" when absent)."""
    if not isinstance(properties, dict):
        return ""
    value = properties.get(name)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else ""


def evaluate_preconditions(
    preconditions: dict[str, list[PreconditionArgument]], platform: str
) -> tuple[bool, list[str]]:
    """(allowed, unrecognized or unsatisfied conditions). Only `StringEquals` with two arguments
    exists; `platformType` compares with the node's platform, case-insensitively."""
    allowed = True
    notes: list[str] = []
    for key, args in preconditions.items():
        if key != "StringEquals":
            notes.append(f'unrecognized operator: "{key}"')
            continue
        if len(args) != 2:
            notes.append(f'"{key}": operator accepts exactly 2 arguments')
            continue
        first, second = args
        if first.initial == second.initial:
            if first.initial == "platformType":
                notes.append(f'"{key}": [{first.initial} {second.initial}]')
            else:
                notes.append(f"\"{key}\": operator's arguments can't be identical")
        elif _SSM_PARAMETER.search(first.initial) or _SSM_PARAMETER.search(second.initial):
            notes.append(f"\"{key}\": operator's arguments can't contain SSM parameters")
        elif "platformType" in (first.initial, second.initial):
            other = second if first.initial == "platformType" else first
            if other.initial.lower() != other.resolved.lower():
                notes.append(f'"{key}": the second argument for the platformType variable {NO_PARAMETERS}')
            elif platform != other.initial.lower():
                allowed = False
                notes.append(f'"{key}": [{first.initial}, {second.initial}]')
        elif first.initial == first.resolved and second.initial == second.resolved:
            notes.append(
                f'"{key}": at least one of operator\'s arguments must contain a valid document parameter'
            )
        elif first.resolved != second.resolved:
            allowed = False
            notes.append(f'"{key}": [{first.initial}, {second.initial}]')
    return allowed, notes


def decide(step: Step, platform: str, known: bool) -> tuple[str, str]:
    """("execute" | "skip" | "fail", message) - getStepExecutionOperation of the official agent,
    where a plugin this agent does not have is neither known nor supported."""
    unsupported = (
        f"Plugin with name {step.plugin} is not supported by openssm-agent. Step name: {step.step_id}"
    )
    if not step.precondition_enabled:
        if not known:
            return "fail", unsupported
        if step.preconditions:
            prior = "Precondition is not supported for document schema version prior to 2.2."
            return "fail", f"{prior} Step name: {step.step_id}"
        return "execute", ""
    if not step.preconditions:
        return ("execute", "") if known else ("fail", unsupported)
    allowed, notes = evaluate_preconditions(step.preconditions, platform)
    joined = ", ".join(notes)
    if allowed and not known:
        return "fail", unsupported
    if not known:
        return (
            "skip",
            f"Step execution skipped due to unsupported plugin: {step.plugin}. Step name: {step.step_id}",
        )
    if not allowed:
        return "skip", (
            f"Step execution skipped due to unsatisfied preconditions: '{joined}'. Step name: {step.step_id}"
        )
    if notes:
        return "fail", (
            f"Unrecognized precondition(s): '{joined}', please update agent to latest version. "
            f"Step name: {step.step_id}"
        )
    return "execute", ""


def _ends_document(step: Step, result: PluginResult) -> bool:
    on_failure = string_property(step.properties, "onFailure")
    on_success = string_property(step.properties, "onSuccess")
    return (
        result.code in (EXIT_WITH_SUCCESS, EXIT_WITH_FAILURE)
        or (result.status is ResultStatus.FAILED and on_failure == "exit")
        or (result.status is ResultStatus.SUCCESS and on_success == "exit")
    )


class DocumentRunner:
    """Runs steps with the registered plugins and reports each result as it completes."""

    def __init__(self, registry: dict[str, Plugin] | None = None, clock: Clock = _utcnow) -> None:
        self.registry = REGISTRY if registry is None else registry
        self.clock = clock

    def run(
        self,
        steps: list[Step],
        context_for: Callable[[Step], PluginContext],
        cancel: CancelToken,
        on_result: Callable[[PluginResult], None],
        platform: str,
    ) -> list[PluginResult]:
        results: list[PluginResult] = []
        for index, step in enumerate(steps):
            start = self.clock()
            finally_step = (
                string_property(step.properties, "finallyStep") == "true" and index == len(steps) - 1
            )
            if not finally_step and any(_ends_document(s, r) for s, r in zip(steps, results, strict=False)):
                operation, message = (
                    "skip",
                    (
                        f"Plugin with name {step.plugin} and id {step.step_id} skipped due to prior step "
                        "with an exit condition"
                    ),
                )
            else:
                operation, message = decide(step, platform, step.plugin in self.registry)
            if operation == "execute":
                result = self._execute(step, context_for(step), cancel, start)
            elif operation == "skip":
                result = PluginResult(
                    step.step_id, step.plugin, ResultStatus.SKIPPED, 0, message, b"", b"", start, self.clock()
                )
            else:
                result = PluginResult(
                    step.step_id,
                    step.plugin,
                    ResultStatus.FAILED,
                    0,
                    "",
                    b"",
                    b"",
                    start,
                    self.clock(),
                    error=message,
                )
            results.append(result)
            on_result(result)
        return results

    def _execute(self, step: Step, ctx: PluginContext, cancel: CancelToken, start: datetime) -> PluginResult:
        plugin = self.registry[step.plugin]
        property_sets = step.properties if isinstance(step.properties, list) else [step.properties or {}]
        merged: PluginOutput | None = None
        for properties in property_sets:
            if isinstance(properties, dict):
                try:
                    out = plugin(properties, ctx, cancel)
                except Exception as exc:  # a plugin bug must not take the agent down
                    out = PluginOutput(ResultStatus.FAILED, 1)
                    out.append_error(f"Plugin crashed with message {exc}!")
            else:
                out = PluginOutput(ResultStatus.FAILED, 1)
                out.append_error(f"Invalid format in plugin properties {properties};\nerror not an object")
            merged = out if merged is None else _merge(merged, out)
        assert merged is not None
        stdout, stderr = merged.stdout, merged.stderr
        # A step that exits 168 succeeds and its error output is not shown (iohandler.String).
        output = truncate_output(stdout, b"" if merged.code == EXIT_WITH_SUCCESS else stderr)
        status = merged.status
        code = merged.code
        on_failure = string_property(step.properties, "onFailure")
        if code == EXIT_WITH_SUCCESS:
            status, stderr = ResultStatus.SUCCESS, b""
            stdout += ENDED_168
        elif code == EXIT_WITH_FAILURE:
            stdout, stderr = stdout + ENDED_169, stderr + ENDED_169
        elif status is ResultStatus.FAILED and on_failure in ("exit", "successAndExit"):
            stdout, stderr = stdout + ENDED_ON_FAILURE, stderr + ENDED_ON_FAILURE
            if on_failure == "successAndExit":
                status, code = ResultStatus.SUCCESS, EXIT_WITH_SUCCESS
        return PluginResult(
            step.step_id, step.plugin, status, code, output, stdout, stderr, start, self.clock()
        )


def _merge(current: PluginOutput, new: PluginOutput) -> PluginOutput:
    """Join the outputs of two property sets of one plugin (iohandler.Merge)."""
    stdout = current.stdout + b"\n" + new.stdout if current.stdout else new.stdout
    stderr = current.stderr + b"\n" + new.stderr if current.stderr else new.stderr
    code = current.code if current.code != 0 else new.code
    return PluginOutput(merge_status(current.status, new.status), code, stdout, stderr)
