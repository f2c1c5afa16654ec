"""Results and errors -> AWS JSON bodies.

Handlers return plain dicts keyed by the model's member names, with Python values; this module
turns them into the wire form the output shape asks for: timestamps as epoch seconds (with
milliseconds), blobs as base64, and a datetime placed in a string member as an ISO-8601 string
(the fields SSM sends as strings, e.g. GetCommandInvocation's ExecutionStartDateTime). `None`
members are omitted.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from botocore.model import ListShape, MapShape, Shape, StructureShape

Converter = Callable[[Any], Any]


def _utc(value: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (never the server's local time)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso8601(value: datetime) -> str:
    """`2026-11-25T20:49:16.123Z`, the form SSM uses in its string date fields."""
    value = _utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def epoch_seconds(value: datetime) -> float:
    """Epoch seconds with milliseconds, as AWS JSON services send timestamps (`1557593493.483`)."""
    return round(_utc(value).timestamp(), 3)


def _double(value: Any) -> Any:
    """Non-finite doubles as the strings SDKs read (JSON has no literal for them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _identity(value: Any) -> Any:
    return value


class OutputCompiler:
    """Compiles one converter per shape of one service model; recursive shapes are handled lazily.
    Shapes are keyed by name (botocore makes a new `Shape` object at every resolution)."""

    def __init__(self) -> None:
        self._cache: dict[str, Converter] = {}

    def converter(self, shape: Shape) -> Converter:
        key = shape.name
        found = self._cache.get(key)
        if found is not None:
            return found
        holder: list[Converter] = []
        self._cache[key] = lambda value: holder[0](value)
        compiled = self._compile(shape)
        holder.append(compiled)
        self._cache[key] = compiled
        return compiled

    def _compile(self, shape: Shape) -> Converter:
        kind = shape.type_name
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            members = {name: self.converter(m) for name, m in shape.members.items()}

            def structure(value: Any) -> Any:
                return {
                    name: members[name](item) if name in members else item
                    for name, item in value.items()
                    if item is not None
                }

            return structure
        if kind == "list":
            assert isinstance(shape, ListShape)
            member = self.converter(shape.member)
            return lambda value: [member(v) for v in value]
        if kind == "map":
            assert isinstance(shape, MapShape)
            item_converter = self.converter(shape.value)
            return lambda value: {k: item_converter(v) for k, v in value.items() if v is not None}
        if kind == "timestamp":
            return lambda value: epoch_seconds(value) if isinstance(value, datetime) else value
        if kind == "blob":
            return lambda value: base64.b64encode(value).decode() if isinstance(value, bytes) else value
        if kind == "string":
            return lambda value: iso8601(value) if isinstance(value, datetime) else value
        if kind in ("double", "float"):
            return _double
        return _identity

    def serialize(self, shape: Shape | None, result: dict[str, Any] | None) -> bytes:
        if shape is None or not result:
            return b"{}"
        return orjson.dumps(self.converter(shape)(result))


def error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"__type": code, "message": message})
