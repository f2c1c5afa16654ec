"""Input validation and typing, walking the model's shapes.

For every input member: type, required, min/max length or count, numeric range, enum and pattern.
Constraint violations are gathered and reported the way AWS (Coral) words them:
`2 validation errors detected: Value 'x' at 'maxConcurrency' failed to satisfy constraint: …; …`.
A value of the wrong JSON type is a `SerializationException`, as on AWS. Timestamps (epoch
seconds) become aware datetimes and blobs (base64) bytes; members not in the model are dropped.

Validators are compiled once per shape into closures, so the hot path does no model look-ups.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import regex
from botocore.model import ListShape, MapShape, Shape, StructureShape

from openssm.core.errors import ApiError

Validator = Callable[[Any, str, list[str]], Any]


class SerializationError(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__("SerializationException", message)


def describe_value(value: Any) -> str:
    """A value as Coral prints it inside `Value '…'`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(describe_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _violation(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{describe_value(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def format_violations(errors: list[str]) -> str:
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(errors)


def _wire_name(member: str) -> str:
    return member[:1].lower() + member[1:]


def _join(path: str, member: str) -> str:
    return f"{path}.{_wire_name(member)}" if path else _wire_name(member)


class InputCompiler:
    """Compiles and caches one validator per shape (recursive shapes included)."""

    def __init__(self) -> None:
        self._cache: dict[int, Validator] = {}

    def validator(self, shape: Shape) -> Validator:
        key = id(shape)
        found = self._cache.get(key)
        if found is not None:
            return found
        holder: list[Validator] = []

        def deferred(value: Any, path: str, errors: list[str]) -> Any:
            return holder[0](value, path, errors)

        self._cache[key] = deferred  # breaks cycles of recursive shapes
        compiled = self._compile(shape)
        holder.append(compiled)
        self._cache[key] = compiled
        return compiled

    def _compile(self, shape: Shape) -> Validator:
        kind = shape.type_name
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            return self._structure(shape)
        if kind == "list":
            assert isinstance(shape, ListShape)
            return self._list(shape)
        if kind == "map":
            assert isinstance(shape, MapShape)
            return self._map(shape)
        if kind == "string":
            return _string(shape)
        if kind in ("integer", "long"):
            return _integer(shape)
        if kind in ("double", "float"):
            return _number(shape)
        if kind == "boolean":
            return _boolean
        if kind == "timestamp":
            return _timestamp
        if kind == "blob":
            return _blob(shape)
        raise NotImplementedError(f"shape type {kind}")

    def _structure(self, shape: StructureShape) -> Validator:
        required = tuple(shape.required_members)
        members = {name: self.validator(member) for name, member in shape.members.items()}

        def check(value: Any, path: str, errors: list[str]) -> Any:
            if not isinstance(value, dict):
                raise SerializationError(f"Expected a structure at '{path or shape.name}'")
            out: dict[str, Any] = {}
            for name in required:
                if value.get(name) is None:
                    errors.append(_violation(None, _join(path, name), "Member must not be null"))
            for name, item in value.items():
                validate = members.get(name)
                if validate is None or item is None:
                    continue
                out[name] = validate(item, _join(path, name), errors)
            return out

        return check

    def _list(self, shape: ListShape) -> Validator:
        member = self.validator(shape.member)
        low, high = shape.metadata.get("min"), shape.metadata.get("max")

        def check(value: Any, path: str, errors: list[str]) -> Any:
            if not isinstance(value, list):
                raise SerializationError(f"Expected a list at '{path}'")
            _check_length(value, len(value), low, high, path, errors)
            return [member(item, f"{path}.{i}.member", errors) for i, item in enumerate(value, 1)]

        return check

    def _map(self, shape: MapShape) -> Validator:
        key_check = self.validator(shape.key)
        value_check = self.validator(shape.value)
        low, high = shape.metadata.get("min"), shape.metadata.get("max")

        def check(value: Any, path: str, errors: list[str]) -> Any:
            if not isinstance(value, dict):
                raise SerializationError(f"Expected a map at '{path}'")
            _check_length(value, len(value), low, high, path, errors)
            out = {}
            for k, v in value.items():
                out[key_check(k, f"{path}.key", errors)] = value_check(v, f"{path}.{k}.member", errors)
            return out

        return check


def _check_length(value: Any, size: int, low: Any, high: Any, path: str, errors: list[str]) -> None:
    if low is not None and size < low:
        errors.append(_violation(value, path, f"Member must have length greater than or equal to {low}"))
    if high is not None and size > high:
        errors.append(_violation(value, path, f"Member must have length less than or equal to {high}"))


def _string(shape: Shape) -> Validator:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    enum = shape.enum or None
    enum_set = frozenset(enum) if enum else None
    enum_text = "[" + ", ".join(enum) + "]" if enum else ""
    pattern_text = shape.metadata.get("pattern")
    pattern = regex.compile(pattern_text) if pattern_text else None

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str):
            raise SerializationError(f"Expected a string at '{path}'")
        _check_length(value, len(value), low, high, path, errors)
        if enum_set is not None and value not in enum_set:
            errors.append(_violation(value, path, f"Member must satisfy enum value set: {enum_text}"))
        if pattern is not None and pattern.search(value) is None:
            errors.append(
                _violation(value, path, f"Member must satisfy regular expression pattern: {pattern_text}")
            )
        return value

    return check


def _range(value: Any, low: Any, high: Any, path: str, errors: list[str]) -> None:
    if low is not None and value < low:
        errors.append(_violation(value, path, f"Member must have value greater than or equal to {low}"))
    if high is not None and value > high:
        errors.append(_violation(value, path, f"Member must have value less than or equal to {high}"))


def _integer(shape: Shape) -> Validator:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise SerializationError(f"Expected an integer at '{path}'")
        _range(value, low, high, path, errors)
        return value

    return check


def _number(shape: Shape) -> Validator:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise SerializationError(f"Expected a number at '{path}'")
        _range(value, low, high, path, errors)
        return float(value)

    return check


def _boolean(value: Any, path: str, errors: list[str]) -> Any:
    if not isinstance(value, bool):
        raise SerializationError(f"Expected a boolean at '{path}'")
    return value


def _timestamp(value: Any, path: str, errors: list[str]) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SerializationError(f"Expected a timestamp at '{path}'") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise SerializationError(f"Expected a timestamp at '{path}'")


def _blob(shape: Shape) -> Validator:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str):
            raise SerializationError(f"Expected base64 data at '{path}'")
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise SerializationError(f"Invalid base64 data at '{path}'") from None
        _check_length(value, len(data), low, high, path, errors)
        return data

    return check


def validate_input(compiler: InputCompiler, shape: Shape | None, body: Any) -> dict[str, Any]:
    """Validate one request body against the operation's input shape."""
    if shape is None:
        return {}
    errors: list[str] = []
    value = compiler.validator(shape)(body, "", errors)
    if errors:
        raise ApiError("ValidationException", format_violations(errors))
    result: dict[str, Any] = value
    return result
