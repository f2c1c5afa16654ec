"""Structural rules of Command (1.2, 2.0, 2.2) and Automation (0.3) documents (spec §4.2, §4.4).

Each validator raises `InvalidDocumentSchemaVersion` for a schema the type doesn't support and
`InvalidDocumentContent` for a structural error; the Command validator returns the platform
types its plugins run on.
"""

from __future__ import annotations

from typing import Any

import regex

from openssm.core.errors import ApiError
from openssm.domain.documents.models import ALL_PLATFORMS, PlatformType, order_platforms

_W, _L, _M = PlatformType.WINDOWS, PlatformType.LINUX, PlatformType.MACOS

# Command plugins and the platforms they run on (SSM User Guide, "Command document plugin reference").
COMMAND_PLUGINS: dict[str, frozenset[str]] = {
    "aws:runShellScript": frozenset({_L, _M}),
    "aws:runPowerShellScript": frozenset({_W, _L, _M}),
    "aws:runDocument": frozenset({_W, _L, _M}),
    "aws:downloadContent": frozenset({_W, _L, _M}),
    "aws:configurePackage": frozenset({_W, _L, _M}),
    "aws:softwareInventory": frozenset({_W, _L, _M}),
    "aws:updateSsmAgent": frozenset({_W, _L, _M}),
    "aws:refreshAssociation": frozenset({_W, _L, _M}),
    "aws:runDockerAction": frozenset({_W, _L}),
    "aws:configureDocker": frozenset({_W, _L}),
    "aws:applications": frozenset({_W}),
    "aws:cloudWatch": frozenset({_W}),
    "aws:domainJoin": frozenset({_W}),
    "aws:psModule": frozenset({_W}),
    "aws:updateAgent": frozenset({_W}),
    "aws:configureContainers": frozenset({_W}),
}

AUTOMATION_ACTIONS = frozenset(
    {
        "aws:approve",
        "aws:assertAwsResourceProperty",
        "aws:branch",
        "aws:changeInstanceState",
        "aws:copyImage",
        "aws:createImage",
        "aws:createStack",
        "aws:createTags",
        "aws:deleteImage",
        "aws:deleteStack",
        "aws:executeAutomation",
        "aws:executeAwsApi",
        "aws:executeScript",
        "aws:executeStateMachine",
        "aws:invokeLambdaFunction",
        "aws:invokeWebhook",
        "aws:loop",
        "aws:pause",
        "aws:runCommand",
        "aws:runInstances",
        "aws:sleep",
        "aws:updateVariable",
        "aws:waitForAwsResourceProperty",
    }
)

BRANCH_OPERATORS = frozenset(
    {
        "BooleanEquals",
        "Contains",
        "EndsWith",
        "EqualsIgnoreCase",
        "NumericEquals",
        "NumericGreater",
        "NumericGreaterOrEquals",
        "NumericLesser",
        "NumericLesserOrEquals",
        "StartsWith",
        "StringEquals",
    }
)
_BRANCH_LOGIC = frozenset({"And", "Or", "Not"})

COMMAND_TOP_LEVEL = {
    "1.2": frozenset({"schemaVersion", "description", "parameters", "runtimeConfig"}),
    "2.0": frozenset({"schemaVersion", "description", "parameters", "mainSteps"}),
    "2.2": frozenset({"schemaVersion", "description", "parameters", "mainSteps"}),
}
AUTOMATION_TOP_LEVEL = frozenset(
    {"schemaVersion", "description", "assumeRole", "parameters", "variables", "mainSteps", "outputs", "files"}
)
AUTOMATION_STEP_KEYS = frozenset(
    {
        "name",
        "action",
        "inputs",
        "description",
        "maxAttempts",
        "timeoutSeconds",
        "onFailure",
        "onCancel",
        "isEnd",
        "isCritical",
        "nextStep",
        "outputs",
    }
)
AUTOMATION_STEP_NAME = regex.compile(r"^[a-zA-Z0-9_]+$")
COMMAND_STEP_NAME = regex.compile(r"^[a-zA-Z0-9_.\-]{1,128}$")
_SSM_REFERENCE = regex.compile(r"\{\{\s*ssm:")


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidDocumentContent", message)


def _unsupported_schema(schema_version: str | None, document_type: str) -> ApiError:
    shown = "missing" if schema_version is None else schema_version
    return ApiError(
        "InvalidDocumentSchemaVersion",
        f"The document schema version {shown} isn't supported for {document_type} documents.",
    )


def _check_top_level(parsed: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in parsed:
        if key not in allowed:
            raise _invalid(f"The content for the document isn't valid: {key} is not a valid field.")


def _steps(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    steps = parsed.get("mainSteps")
    if not isinstance(steps, list) or not steps:
        raise _invalid("The document must have mainSteps with at least one step.")
    for step in steps:
        if not isinstance(step, dict):
            raise _invalid("Each step in mainSteps must be an object.")
    return steps


def _step_name(step: dict[str, Any], pattern: regex.Pattern[str], seen: set[str]) -> str:
    name = step.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid("Each step must have a name.")
    if not pattern.match(name):
        raise _invalid(f"Step name {name} is not valid.")
    if name in seen:
        raise _invalid(f"Step name {name} is used by more than one step. Step names must be unique.")
    seen.add(name)
    return name


def _precondition_platforms(step: dict[str, Any], name: str) -> frozenset[str] | None:
    precondition = step.get("precondition")
    if precondition is None:
        return None
    if not isinstance(precondition, dict) or set(precondition) != {"StringEquals"}:
        raise _invalid(f"Step {name}: precondition supports only the StringEquals operator.")
    operands = precondition["StringEquals"]
    if not isinstance(operands, list) or len(operands) != 2 or not all(isinstance(o, str) for o in operands):
        raise _invalid(f"Step {name}: StringEquals takes a list of two strings.")
    if operands[0] == "platformType":
        if operands[1] not in ALL_PLATFORMS:
            raise _invalid(f"Step {name}: platformType must be one of Windows, Linux, MacOS.")
        return frozenset({operands[1]})
    return None


def validate_command(parsed: dict[str, Any], schema_version: str | None) -> tuple[str, ...]:
    """Check a Command document; returns its platform types."""
    if schema_version not in COMMAND_TOP_LEVEL:
        raise _unsupported_schema(schema_version, "Command")
    _check_top_level(parsed, COMMAND_TOP_LEVEL[schema_version])
    platforms: set[str] = set()
    if schema_version == "1.2":
        runtime_config = parsed.get("runtimeConfig")
        if not isinstance(runtime_config, dict) or not runtime_config:
            raise _invalid("A schema 1.2 document must have a runtimeConfig with at least one plugin.")
        for plugin, config in runtime_config.items():
            if plugin not in COMMAND_PLUGINS:
                raise _invalid(f"Plugin {plugin} is not supported.")
            if not isinstance(config, dict):
                raise _invalid(f"Plugin {plugin} must be an object.")
            properties = config.get("properties")
            if properties is not None and not isinstance(properties, dict | list):
                raise _invalid(f"Plugin {plugin}: properties must be an object or a list.")
            if isinstance(properties, list) and not all(isinstance(p, dict) for p in properties):
                raise _invalid(f"Plugin {plugin}: each item of properties must be an object.")
            platforms |= COMMAND_PLUGINS[plugin]
        return order_platforms(platforms)
    seen: set[str] = set()
    for step in _steps(parsed):
        name = _step_name(step, COMMAND_STEP_NAME, seen)
        action = step.get("action")
        if not isinstance(action, str) or not action:
            raise _invalid(f"Step {name} must have an action.")
        if action not in COMMAND_PLUGINS:
            raise _invalid(f"Step {name}: action {action} is not supported.")
        inputs = step.get("inputs")
        if inputs is not None and not isinstance(inputs, dict):
            raise _invalid(f"Step {name}: inputs must be an object.")
        step_platforms = COMMAND_PLUGINS[action]
        only = _precondition_platforms(step, name)
        if only is not None:
            if schema_version != "2.2":
                raise _invalid(f"Step {name}: preconditions need schema version 2.2.")
            step_platforms = step_platforms & only
        platforms |= step_platforms
    return order_platforms(platforms)


def _contains_ssm_reference(value: Any) -> bool:
    if isinstance(value, str):
        return _SSM_REFERENCE.search(value) is not None
    if isinstance(value, list):
        return any(_contains_ssm_reference(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_ssm_reference(v) for v in value.values())
    return False


def _check_target(name: str, field: str, target: Any, names: set[str], *, allow_abort: bool) -> None:
    if not isinstance(target, str):
        raise _invalid(f"Step {name}: {field} must be a string.")
    allowed = {"Abort"} | ({"Continue"} if field == "onFailure" else set())
    if allow_abort and target in allowed:
        return
    step = target[len("step:") :] if target.startswith("step:") and allow_abort else target
    if step not in names:
        raise _invalid(f"Step {name}: {field} refers to step {step}, which does not exist.")


def _check_choice(name: str, choice: Any, names: set[str], *, top: bool) -> None:
    if not isinstance(choice, dict):
        raise _invalid(f"Step {name}: each branch choice must be an object.")
    keys = set(choice) - {"NextStep", "Variable"}
    if top:
        if "NextStep" not in choice:
            raise _invalid(f"Step {name}: each branch choice must have a NextStep.")
        _check_target(name, "NextStep", choice["NextStep"], names, allow_abort=False)
    if len(keys) != 1:
        raise _invalid(f"Step {name}: each branch choice must have exactly one operator.")
    operator = keys.pop()
    if operator in _BRANCH_LOGIC:
        operands = choice[operator]
        if operator == "Not":
            operands = [operands] if isinstance(operands, dict) else operands
        if not isinstance(operands, list) or not operands:
            raise _invalid(f"Step {name}: {operator} needs a list of conditions.")
        for operand in operands:
            _check_choice(name, operand, names, top=False)
        return
    if operator not in BRANCH_OPERATORS:
        raise _invalid(f"Step {name}: branch operator {operator} is not supported.")
    if "Variable" not in choice:
        raise _invalid(f"Step {name}: branch operator {operator} needs a Variable.")


def _check_branch(name: str, inputs: Any, names: set[str]) -> None:
    if not isinstance(inputs, dict) or not isinstance(inputs.get("Choices"), list) or not inputs["Choices"]:
        raise _invalid(f"Step {name}: aws:branch needs inputs with a non-empty Choices list.")
    for choice in inputs["Choices"]:
        _check_choice(name, choice, names, top=True)
    if "Default" in inputs:
        _check_target(name, "Default", inputs["Default"], names, allow_abort=False)


def validate_automation(parsed: dict[str, Any], schema_version: str | None) -> None:
    """Check an Automation runbook (schema 0.3)."""
    if schema_version != "0.3":
        raise _unsupported_schema(schema_version, "Automation")
    _check_top_level(parsed, AUTOMATION_TOP_LEVEL)
    assume_role = parsed.get("assumeRole")
    if assume_role is not None and not isinstance(assume_role, str):
        raise _invalid("assumeRole must be a string.")
    steps = _steps(parsed)
    seen: set[str] = set()
    names = [_step_name(step, AUTOMATION_STEP_NAME, seen) for step in steps]
    for name, step in zip(names, steps, strict=True):
        for key in step:
            if key not in AUTOMATION_STEP_KEYS:
                raise _invalid(f"Step {name}: {key} is not a valid step property.")
        action = step.get("action")
        if not isinstance(action, str) or not action:
            raise _invalid(f"Step {name} must have an action.")
        if action not in AUTOMATION_ACTIONS:
            raise _invalid(f"Step {name}: action {action} is not supported.")
        inputs = step.get("inputs")
        if inputs is not None and not isinstance(inputs, dict):
            raise _invalid(f"Step {name}: inputs must be an object.")
        if _contains_ssm_reference(inputs):
            raise _invalid(
                f"Step {name}: {{{{ssm:...}}}} parameter references are only allowed in parameter defaults."
            )
        if action == "aws:branch":
            _check_branch(name, inputs, seen)
        for field in ("onFailure", "onCancel"):
            if field in step:
                _check_target(name, field, step[field], seen, allow_abort=True)
        if "nextStep" in step:
            _check_target(name, "nextStep", step["nextStep"], seen, allow_abort=False)
        for flag in ("isEnd", "isCritical"):
            if flag in step and not isinstance(step[flag], bool | str):
                raise _invalid(f"Step {name}: {flag} must be a boolean.")
        for number in ("maxAttempts", "timeoutSeconds"):
            value = step.get(number)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | str)):
                raise _invalid(f"Step {name}: {number} must be an integer.")
    outputs = parsed.get("outputs")
    if outputs is not None:
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise _invalid("outputs must be a list of strings (step.Output).")
        for output in outputs:
            step_name = output.split(".", 1)[0]
            if "." not in output or step_name not in seen:
                raise _invalid(f"Output {output} must name an output of an existing step (step.Output).")
