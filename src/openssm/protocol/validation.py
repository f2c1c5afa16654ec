"""Input validation and typing, walking the model's shapes, worded as AWS (Coral) words it.

A value of the wrong JSON type is a `SerializationException` with Coral's message (`Start of list
found where not expected`, `class java.lang.String can not be converted to an Integer`, …).
Constraint violations (required, length/count, range, pattern, enum) are gathered, at most 10, into
one `ValidationException`:
`2 validation errors detected: Value 'x' at 'maxConcurrency' failed to satisfy constraint: …; …`.
(Scalar typing and its SerializationException wordings are in `scalars.py`.)

Paths are the members' names with a lower-case first letter; a list element is `targets.1.member`,
a map value `parameters.<key>.member`. A constraint on the elements of a list (or on the keys or
values of a map) is reported once, at the collection, with the whole collection as the value and
every constraint of the element shape: `Value '[i-1]' at 'instanceIds' failed to satisfy
constraint: Member must satisfy constraint: [Member must have length less than or equal to 19, …]`
(`Map keys must satisfy constraint: […]`, `Map value must satisfy constraint: […]`). A value of a
`sensitive` shape is not echoed: `Value at 'value' failed to satisfy constraint: …`. Patterns are
Java regular expressions matched against the whole value (`openssm.protocol.patterns`).
Sources of these wordings: docs/protocol.md; checked by tests/unit/protocol/test_validation.py.

Timestamps (epoch seconds; ISO 8601 strings too, which the Query protocol sends) become aware
datetimes and blobs (base64) bytes; members not in the model and null members are dropped.
Validators are compiled once per shape into closures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from openssm.core.errors import ApiError
from openssm.protocol.patterns import compile_java
from openssm.protocol.scalars import SerializationError, converter, unexpected

Validator = Callable[[Any, str, list[str]], Any]
"""(raw value, path, violations) -> typed value; appends violations, raises SerializationError."""

Check = tuple[str, Callable[[Any], bool]]
"""(constraint as AWS words it, does a typed value satisfy it?)"""

MAX_REPORTED = 10  # Coral reports at most ten violations


def describe_value(value: Any) -> str:
    """A value as Coral prints it inside `Value '…'` (Java's `toString`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(describe_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _violation(value: Any, path: str, constraint: str, hidden: bool = False) -> str:
    """One violation; a `sensitive` value is never echoed (`Value at 'value' …`, as SSM does)."""
    if value is None:
        shown = "Value null"
    elif hidden:
        shown = "Value"
    else:
        shown = f"Value '{describe_value(value)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


def format_violations(errors: list[str]) -> str:
    errors = errors[:MAX_REPORTED]
    noun = "error" if len(errors) == 1 else "errors"
    return f"{len(errors)} validation {noun} detected: " + "; ".join(errors)


def _wire_name(member: str) -> str:
    return member[:1].lower() + member[1:]


def _join(path: str, member: str) -> str:
    return f"{path}.{_wire_name(member)}" if path else _wire_name(member)


def own_checks(shape: Shape) -> tuple[Check, ...]:
    """The constraints on a shape's own value, in the order AWS lists them."""
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    checks: list[Check] = []
    kind = shape.type_name
    if kind in ("integer", "long", "double", "float"):
        show: Callable[[Any], Any] = float if kind in ("double", "float") else int
        if high is not None:
            checks.append((f"Member must have value less than or equal to {show(high)}", lambda v: v <= high))
        if low is not None:
            checks.append(
                (f"Member must have value greater than or equal to {show(low)}", lambda v: v >= low)
            )
        return tuple(checks)
    if kind not in ("string", "blob", "list", "map"):
        return ()
    if high is not None:
        checks.append((f"Member must have length less than or equal to {high}", lambda v: len(v) <= high))
    if low is not None:
        checks.append((f"Member must have length greater than or equal to {low}", lambda v: len(v) >= low))
    pattern = meta.get("pattern")
    if pattern is not None and kind == "string":
        compiled = compile_java(pattern)
        text = f"Member must satisfy regular expression pattern: {pattern}"
        checks.append((text, lambda v: compiled.fullmatch(v) is not None))
    if kind == "string" and shape.enum:
        allowed = frozenset(shape.enum)
        enum_text = f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
        checks.append((enum_text, allowed.__contains__))
    return tuple(checks)


def _sensitive(*shapes: Shape) -> bool:
    return any(shape.metadata.get("sensitive") for shape in shapes)


def _bracket(checks: tuple[Check, ...], *, nulls: bool = False) -> str:
    texts = [text for text, _ in checks] + (["Member must not be null"] if nulls else [])
    return "[" + ", ".join(texts) + "]"


def _satisfies(checks: tuple[Check, ...]) -> Callable[[Any], bool]:
    """One predicate for all the checks of an element (a null element satisfies none)."""
    tests = tuple(test for _, test in checks)
    if not tests:
        return _not_null
    if len(tests) == 1:
        (test,) = tests
        return lambda v: v is not None and test(v)
    return lambda v: v is not None and all(test(v) for test in tests)


def _not_null(value: Any) -> bool:
    return value is not None


def _nested(shape: Shape) -> bool:
    """Can a value of this shape hold violations of its own (so its elements need their paths)?"""
    return shape.type_name in ("structure", "list", "map")


class InputCompiler:
    """Compiles and caches one validator per shape of one service model (recursive shapes included).

    Shapes are told apart by name: botocore builds a new `Shape` object at every resolution, so
    neither identity nor `id()` names a shape (a recursive shape is new at every level).

    `validator(shape)` checks a value against the shape and its own constraints; `_convert(shape)`
    types the value and checks what lies inside it (members, elements), but not its own constraints:
    a collection reports those of its elements itself, worded for the collection.
    """

    def __init__(self) -> None:
        self._validators: dict[str, Validator] = {}
        self._converters: dict[str, Validator] = {}

    def validator(self, shape: Shape) -> Validator:
        def build() -> Validator:
            convert = self._converter(shape)
            checks = own_checks(shape)
            hidden = _sensitive(shape)
            if not checks:
                return convert

            def check(value: Any, path: str, errors: list[str]) -> Any:
                typed = convert(value, path, errors)
                for text, test in checks:
                    if not test(typed):
                        errors.append(_violation(typed, path, text, hidden))
                return typed

            return check

        return self._cached(self._validators, shape, build)

    def _converter(self, shape: Shape) -> Validator:
        return self._cached(self._converters, shape, lambda: self._compile(shape))

    @staticmethod
    def _cached(cache: dict[str, Validator], shape: Shape, build: Callable[[], Validator]) -> Validator:
        key = shape.name
        found = cache.get(key)
        if found is not None:
            return found
        holder: list[Validator] = []

        def deferred(value: Any, path: str, errors: list[str]) -> Any:
            return holder[0](value, path, errors)

        cache[key] = deferred  # breaks the cycles of recursive shapes
        compiled = build()
        holder.append(compiled)
        cache[key] = compiled
        return compiled

    def _compile(self, shape: Shape) -> Validator:
        if isinstance(shape, StructureShape):
            return self._structure(shape)
        if isinstance(shape, ListShape):
            return self._list(shape)
        if isinstance(shape, MapShape):
            return self._map(shape)
        return converter(shape.type_name)

    def _structure(self, shape: StructureShape) -> Validator:
        required = frozenset(shape.required_members)
        members = [(name, _wire_name(name), self.validator(member)) for name, member in shape.members.items()]

        def check(value: Any, path: str, errors: list[str]) -> Any:
            if not isinstance(value, dict):
                if isinstance(value, list):
                    raise unexpected(value, "")
                raise SerializationError("Expected null")
            out: dict[str, Any] = {}
            for name, wire, validate in members:
                item = value.get(name)
                if item is None:
                    if name in required:
                        errors.append(_violation(None, _join(path, name), "Member must not be null"))
                    continue
                out[name] = validate(item, f"{path}.{wire}" if path else wire, errors)
            return out

        return check

    def _list(self, shape: ListShape) -> Validator:
        convert = self._converter(shape.member)
        checks = own_checks(shape.member)
        satisfied = _satisfies(checks)
        nested = _nested(shape.member)
        hidden = _sensitive(shape, shape.member)

        def check(value: Any, path: str, errors: list[str]) -> Any:
            if not isinstance(value, list):
                if isinstance(value, dict):
                    raise unexpected(value, "")
                raise SerializationError("Expected list or null")
            if nested:
                typed = [
                    None if item is None else convert(item, f"{path}.{i}.member", errors)
                    for i, item in enumerate(value, 1)
                ]
            else:
                typed = [None if item is None else convert(item, path, errors) for item in value]
            if not all(map(satisfied, typed)):
                bracket = _bracket(checks, nulls=None in typed)
                errors.append(_violation(typed, path, f"Member must satisfy constraint: {bracket}", hidden))
            return typed

        return check

    def _map(self, shape: MapShape) -> Validator:
        convert_key = self._converter(shape.key)
        key_checks = own_checks(shape.key)
        convert_value = self._converter(shape.value)
        value_checks = own_checks(shape.value)
        keys_satisfied, values_satisfied = _satisfies(key_checks), _satisfies(value_checks)
        keys_constraint = f"Map keys must satisfy constraint: {_bracket(key_checks)}"
        hidden = _sensitive(shape, shape.key, shape.value)

        def check(value: Any, path: str, errors: list[str]) -> Any:
            if not isinstance(value, dict):
                if isinstance(value, list):
                    raise unexpected(value, "")
                raise SerializationError("Expected map or null")
            typed = {
                convert_key(k, path, errors): (
                    None if v is None else convert_value(v, f"{path}.{k}.member", errors)
                )
                for k, v in value.items()
            }
            if not all(map(keys_satisfied, typed)):
                errors.append(_violation(typed, path, keys_constraint, hidden))
            if not all(map(values_satisfied, typed.values())):
                bracket = _bracket(value_checks, nulls=None in typed.values())
                errors.append(
                    _violation(typed, path, f"Map value must satisfy constraint: {bracket}", hidden)
                )
            return typed

        return check


def validate_input(compiler: InputCompiler, shape: Shape | None, body: Any) -> dict[str, Any]:
    """Validate one request body against the operation's input shape."""
    if shape is None:
        return {}
    errors: list[str] = []
    try:
        value = compiler.validator(shape)(body, "", errors)
    except RecursionError:  # a recursive shape (e.g. OpsAggregator) nested absurdly deep
        raise SerializationError("The request is nested too deeply.") from None
    if errors:
        raise ApiError("ValidationException", format_violations(errors))
    result: dict[str, Any] = value
    return result
