"""Document parameters: their definitions, the values a caller gives, and `{{ name }}` substitution.

A document declares parameters (`type`, `default`, `allowedValues`, `allowedPattern`, item and
character bounds); API callers give values as lists of strings. `validate_parameters` checks the
given values against the definitions and fills in defaults; `substitute` renders `{{ name }}`
placeholders in a document's step inputs (spec §4.3).

Messages follow the wording AWS uses for Automation parameters (`Missing required parameter: X in
user inputs.`, `Parameter "X" has value "v" not found in [a, b].`); the same wording is used for
Run Command's `InvalidParameters`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from openssm.core.errors import ApiError

PARAMETER_NAME = regex.compile(r"^[a-zA-Z0-9_.\-]+$")
PLACEHOLDER = regex.compile(r"\{\{\s*([a-zA-Z0-9_.\-]+)\s*\}\}")
BASIC_TYPES = ("String", "StringList", "Integer", "Boolean", "MapList", "StringMap")
DISPLAY_TYPES = ("textarea", "textfield")
_DEFINITION_KEYS = {
    "type": "type",
    "description": "description",
    "default": "default",
    "allowedValues": "allowed_values",
    "allowedPattern": "allowed_pattern",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minChars": "min_chars",
    "maxChars": "max_chars",
    "displayType": "display_type",
}

ParameterValue = list[str] | str


@dataclass(frozen=True)
class DocumentParameter:
    """One parameter a document declares."""

    name: str
    type: str
    """`String`, `StringList`, `Integer`, `Boolean`, `MapList`, `StringMap` or (Automation) an
    `AWS::…` type."""
    description: str | None = None
    default: Any = None
    """The default as written in the document; None means the parameter is required."""
    allowed_values: tuple[str, ...] | None = None
    allowed_pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    display_type: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def is_list(self) -> bool:
        return self.type == "StringList" or self.type.startswith("List<")

    def default_text(self) -> str | None:
        """The default as DescribeDocument shows it (`DefaultValue`)."""
        if self.default is None:
            return None
        return scalar_text(self.default)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        for wire, attr in _DEFINITION_KEYS.items():
            value = getattr(self, attr)
            if value is not None:
                data[wire] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocumentParameter:
        values: dict[str, Any] = {"name": data["name"]}
        for wire, attr in _DEFINITION_KEYS.items():
            if wire in data:
                values[attr] = data[wire]
        if values.get("allowed_values") is not None:
            values["allowed_values"] = tuple(values["allowed_values"])
        return cls(**values)


def scalar_text(value: Any) -> str:
    """A parameter value as a string: booleans as `true`/`false`, lists and maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _content_error(message: str) -> ApiError:
    return ApiError("InvalidDocumentContent", message)


def _bound(raw: Mapping[str, Any], key: str, name: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _content_error(f"Parameter {name}: {key} must be a non-negative integer.")
    return int(value)


def _check_default(name: str, type_: str, default: Any) -> None:
    if default is None:
        return
    if isinstance(default, str) and "{{" in default:
        return  # a {{ssm:…}} reference or another parameter, resolved at run time
    ok = {
        "String": isinstance(default, str | int | float) and not isinstance(default, bool),
        "StringList": isinstance(default, list) and all(isinstance(v, str | int | float) for v in default),
        "Integer": isinstance(default, int) and not isinstance(default, bool),
        "Boolean": isinstance(default, bool),
        "MapList": isinstance(default, list) and all(isinstance(v, dict) for v in default),
        "StringMap": isinstance(default, dict),
    }.get(type_, True)
    if not ok:
        raise _content_error(f"Parameter {name}: the default value does not match the type {type_}.")


def definitions_from_content(raw: Any, *, automation: bool) -> tuple[DocumentParameter, ...]:
    """Parse and check the `parameters` section of a document (InvalidDocumentContent if wrong)."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _content_error("The parameters section must be an object.")
    result = []
    for name, definition in raw.items():
        if not isinstance(name, str) or not PARAMETER_NAME.match(name):
            raise _content_error(f"Parameter name {name} is not valid.")
        if not isinstance(definition, dict):
            raise _content_error(f"Parameter {name} must be an object.")
        type_ = definition.get("type")
        if not isinstance(type_, str):
            raise _content_error(f"Parameter {name} must have a type.")
        aws_type = automation and (type_.startswith("AWS::") or type_.startswith("List<AWS::"))
        if type_ not in BASIC_TYPES and not aws_type:
            raise _content_error(f"Parameter {name} has an unsupported type {type_}.")
        default = definition.get("default")
        _check_default(name, type_, default)
        allowed_values = definition.get("allowedValues")
        if allowed_values is not None:
            if not isinstance(allowed_values, list) or not allowed_values:
                raise _content_error(f"Parameter {name}: allowedValues must be a non-empty list.")
            allowed_values = tuple(scalar_text(v) for v in allowed_values)
        pattern = definition.get("allowedPattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                raise _content_error(f"Parameter {name}: allowedPattern must be a string.")
            try:
                regex.compile(pattern)
            except regex.error:
                raise _content_error(
                    f"Parameter {name}: allowedPattern is not a valid regular expression."
                ) from None
        display_type = definition.get("displayType")
        if display_type is not None and display_type not in DISPLAY_TYPES:
            raise _content_error(f"Parameter {name}: displayType must be textarea or textfield.")
        description = definition.get("description")
        result.append(
            DocumentParameter(
                name=name,
                type=type_,
                description=None if description is None else str(description),
                default=default,
                allowed_values=allowed_values,
                allowed_pattern=pattern or None,
                min_items=_bound(definition, "minItems", name),
                max_items=_bound(definition, "maxItems", name),
                min_chars=_bound(definition, "minChars", name),
                max_chars=_bound(definition, "maxChars", name),
                display_type=display_type,
            )
        )
    return tuple(result)


def _default_value(param: DocumentParameter) -> ParameterValue:
    if param.is_list:
        default = param.default if isinstance(param.default, list) else [param.default]
        return [scalar_text(v) for v in default]
    return scalar_text(param.default)


def _check_value(param: DocumentParameter, value: str, code: str) -> None:
    name = param.name
    if param.allowed_values is not None and value not in param.allowed_values:
        allowed = ", ".join(param.allowed_values)
        raise ApiError(code, f'Parameter "{name}" has value "{value}" not found in [{allowed}].')
    if param.allowed_pattern is not None and not regex.fullmatch(param.allowed_pattern, value):
        raise ApiError(
            code, f'Parameter "{name}" has value "{value}" not matching pattern {param.allowed_pattern}.'
        )
    if param.min_chars is not None and len(value) < param.min_chars:
        raise ApiError(
            code, f'Parameter "{name}" has value "{value}" shorter than {param.min_chars} characters.'
        )
    if param.max_chars is not None and len(value) > param.max_chars:
        raise ApiError(code, f'Parameter "{name}" has a value longer than {param.max_chars} characters.')
    if param.type == "Integer" and not regex.fullmatch(r"-?[0-9]+", value):
        raise ApiError(code, f'Parameter "{name}" has value "{value}" that is not an Integer.')
    if param.type == "Boolean" and value.lower() not in ("true", "false"):
        raise ApiError(code, f'Parameter "{name}" has value "{value}" that is not a Boolean.')
    if param.type in ("MapList", "StringMap"):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        expected = list if param.type == "MapList" else dict
        if not isinstance(parsed, expected):
            raise ApiError(code, f'Parameter "{name}" has a value that is not a valid {param.type}.')


def validate_parameters(
    doc_params: Sequence[DocumentParameter],
    given: Mapping[str, Sequence[str]],
    error_code: str = "InvalidParameters",
) -> dict[str, ParameterValue]:
    """Check the values a caller gave against the document's definitions.

    Returns every declared parameter's value, defaults filled in: a `str` for single-valued types,
    a `list[str]` for `StringList` (and `List<…>` types). Raises `ApiError(error_code)` for an
    unknown name, a missing required parameter, or a value outside allowedValues / allowedPattern
    / the item and character bounds.
    """
    declared = {p.name: p for p in doc_params}
    for name in given:
        if name not in declared:
            raise ApiError(error_code, f'Parameter "{name}" is not defined in the document.')
    result: dict[str, ParameterValue] = {}
    for param in doc_params:
        values = list(given.get(param.name) or [])
        if not values:
            if param.required:
                raise ApiError(error_code, f"Missing required parameter: {param.name} in user inputs.")
            result[param.name] = _default_value(param)
            continue
        if param.is_list:
            if param.min_items is not None and len(values) < param.min_items:
                raise ApiError(
                    error_code, f'Parameter "{param.name}" must have at least {param.min_items} item(s).'
                )
            if param.max_items is not None and len(values) > param.max_items:
                raise ApiError(
                    error_code, f'Parameter "{param.name}" can have at most {param.max_items} item(s).'
                )
            for value in values:
                _check_value(param, value, error_code)
            result[param.name] = values
        else:
            if len(values) > 1:
                raise ApiError(error_code, f'Parameter "{param.name}" of type {param.type} takes one value.')
            _check_value(param, values[0], error_code)
            result[param.name] = values[0]
    return result


def substitute(value: Any, params: Mapping[str, ParameterValue]) -> Any:
    """Replace `{{ name }}` placeholders (spaces optional) in a document fragment.

    A string that is exactly one placeholder takes the parameter's value whole (a list stays a
    list); a list element that is exactly a list-valued placeholder expands in place to the list's
    items (`runCommand: ["{{ commands }}"]`); a placeholder inside a longer string is replaced by
    the value's text (list items joined with newlines). Placeholders that name no given parameter
    (e.g. `{{ssm:…}}`, Automation's `{{ step.Output }}`) are left as they are.
    """
    if isinstance(value, str):
        return _substitute_text(value, params)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            replaced = substitute(item, params)
            if isinstance(item, str) and isinstance(replaced, list) and _whole_placeholder(item, params):
                out.extend(replaced)
            else:
                out.append(replaced)
        return out
    if isinstance(value, dict):
        return {key: substitute(item, params) for key, item in value.items()}
    return value


def _whole_placeholder(text: str, params: Mapping[str, ParameterValue]) -> str | None:
    match = PLACEHOLDER.fullmatch(text.strip())
    if match and match.group(1) in params:
        return str(match.group(1))
    return None


def _substitute_text(text: str, params: Mapping[str, ParameterValue]) -> Any:
    whole = _whole_placeholder(text, params)
    if whole is not None:
        value = params[whole]
        return list(value) if isinstance(value, list) else value

    def replace(match: regex.Match[str]) -> str:
        name = str(match.group(1))
        if name not in params:
            return str(match.group(0))
        value = params[name]
        return "\n".join(value) if isinstance(value, list) else value

    return PLACEHOLDER.sub(replace, text)
