"""Command documents (schema 1.0/1.2 and 2.x) turned into the steps to run, parameters filled in.

Substitution follows agent/framework/docparser/parameters/parameters.go: a string that is exactly
`{{ name }}` becomes the parameter's value itself (so `runCommand: ["{{ commands }}"]` becomes a
list inside the list, flattened by the plugin); elsewhere `{{ name }}` is replaced by the value as
text (JSON for lists), and `$$` in a value becomes `$`. Parameter names are `^[a-zA-Z0-9]+$`;
missing parameters take the document's `default`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_SCHEMA_VERSIONS = ("1.0", "1.2", "2.0", "2.0.1", "2.0.2", "2.0.3", "2.2")
_PARAM_NAME = re.compile(r"^[a-zA-Z0-9]+$")


class DocumentError(ValueError):
    """The document cannot be run; the message is reported as the document trace output."""


@dataclass(frozen=True)
class PreconditionArgument:
    initial: str
    resolved: str


@dataclass(frozen=True)
class Step:
    """One plugin invocation: a 2.x main step, or one plugin of a 1.x runtimeConfig."""

    step_id: str
    """Key of the step in `runtimeStatus`: the step name (2.x) or the plugin name (1.x)."""
    plugin: str
    """The action, e.g. `aws:runShellScript`."""
    properties: Any
    """The step's inputs (2.x) or properties (1.x, often a list), parameters substituted."""
    preconditions: dict[str, list[PreconditionArgument]] = field(default_factory=dict)
    precondition_enabled: bool = False
    """True for schema 2.2 and later, where preconditions decide whether a step runs."""


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


def _go_json(value: Any) -> str:
    """Go's json.Marshal text of a value (compact, HTML characters escaped, UTF-8 kept)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else _go_json(value)


def _normalize(value: Any, definition: Any) -> Any:
    """Values the API gives as lists of strings: unwrap a one-element list for a String
    parameter, wrap a lone string for a StringList."""
    kind = definition.get("type") if isinstance(definition, dict) else None
    if kind == "StringList" and isinstance(value, str):
        return [value]
    if kind in ("String", "StringMap") and isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def effective_parameters(content: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    definitions = content.get("parameters")
    if not isinstance(definitions, dict):
        definitions = {}
    params = {name: value for name, value in given.items() if _PARAM_NAME.match(name)}
    for name, definition in definitions.items():
        if name not in params and _PARAM_NAME.match(name):
            params[name] = definition.get("default") if isinstance(definition, dict) else None
    return {name: _normalize(value, definitions.get(name)) for name, value in params.items()}


def replace_parameters(value: Any, params: dict[str, Any]) -> Any:
    """Substitute `{{ name }}` everywhere in a JSON value."""
    if isinstance(value, str):
        for name, param in params.items():
            if re.fullmatch(r"\{\{\s*" + name + r"\s*\}\}", value):
                return param
        return replace_in_text(value, params)
    if isinstance(value, list):
        return [replace_parameters(item, params) for item in value]
    if isinstance(value, dict):
        return {key: replace_parameters(item, params) for key, item in value.items()}
    return value


def replace_in_text(text: str, params: dict[str, Any]) -> str:
    tokens: list[tuple[int, int, str]] = []
    for name, param in params.items():
        replacement = _as_text(param).replace("$$", "$")
        for match in re.finditer(r"\{\{\s*" + name + r"\s*\}\}", text):
            tokens.append((match.start(), match.end(), replacement))
    if not tokens:
        return text
    tokens.sort()
    parts, position = [], 0
    for start, end, replacement in tokens:
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _preconditions(raw: Any, params: dict[str, Any]) -> dict[str, list[PreconditionArgument]]:
    if not isinstance(raw, dict):
        return {}
    parsed: dict[str, list[PreconditionArgument]] = {}
    for operator, args in raw.items():
        items = args if isinstance(args, list) else [args]
        parsed[str(operator)] = [
            PreconditionArgument(initial=str(arg), resolved=_as_text(replace_in_text(str(arg), params)))
            for arg in items
        ]
    return parsed


def parse_document(content: dict[str, Any], given: dict[str, Any]) -> list[Step]:
    """The steps of a Command document, in order, with parameters substituted."""
    schema = str(content.get("schemaVersion", ""))
    if schema not in SUPPORTED_SCHEMA_VERSIONS:
        raise DocumentError(
            f"Document with schema version {schema} is not supported by this version of "
            "openssm-agent, please update to latest version"
        )
    params = effective_parameters(content, given)
    if schema.startswith("1."):
        runtime_config = content.get("runtimeConfig")
        if not isinstance(runtime_config, dict) or not runtime_config:
            raise DocumentError("Unsupported schema format")
        steps = []
        for plugin, config in runtime_config.items():
            properties = config.get("properties") if isinstance(config, dict) else None
            steps.append(
                Step(step_id=plugin, plugin=plugin, properties=replace_parameters(properties, params))
            )
        return steps
    main_steps = content.get("mainSteps")
    if not isinstance(main_steps, list) or not main_steps:
        raise DocumentError("Unsupported schema format")
    enabled = _version_tuple(schema) >= (2, 2)
    steps = []
    for raw in main_steps:
        if not isinstance(raw, dict):
            raise DocumentError("Unsupported schema format")
        steps.append(
            Step(
                step_id=str(raw.get("name", "")),
                plugin=str(raw.get("action", "")),
                properties=replace_parameters(raw.get("inputs"), params),
                preconditions=_preconditions(raw.get("precondition"), params),
                precondition_enabled=enabled,
            )
        )
    return steps
