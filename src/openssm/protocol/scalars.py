"""JSON scalars to Python values, refused with the `SerializationException` messages of AWS (Coral).

A string where a number belongs is not a constraint violation but a serialization error, worded as
Coral's JSON reader words it (`class java.lang.String can not be converted to an Integer`, `Start
of list found where not expected`, …; sources in docs/protocol.md). Each converter has the
`(value, path, violations)` form of the validators in `validation.py`.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from openssm.core.errors import ApiError

Converter = Callable[[Any, str, list[str]], Any]

_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_SPECIAL_FLOATS = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


class SerializationError(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__("SerializationException", message)


def unexpected(value: Any, expected: str) -> SerializationError:
    """Coral's message for a JSON value that cannot become `expected`."""
    if isinstance(value, list):
        return SerializationError("Start of list found where not expected")
    if isinstance(value, dict):
        return SerializationError("Start of structure or map found where not expected.")
    if isinstance(value, bool):
        kind = "java.lang.Boolean"
    elif isinstance(value, int | float):
        kind = "com.amazon.coral.value.json.numbers.TruncatingBigNumber"
    else:
        kind = "java.lang.String"
    return SerializationError(f"class {kind} can not be converted to {expected}")


def _string(value: Any, path: str, errors: list[str]) -> Any:
    if not isinstance(value, str):
        raise unexpected(value, "an String")
    return value


def _integer(expected: str, lowest: int, highest: int) -> Converter:
    def check(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise unexpected(value, expected)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise unexpected(str(value), expected)
            value = math.floor(value)  # Coral truncates
        return min(max(value, lowest), highest)

    return check


def _double(value: Any, path: str, errors: list[str]) -> Any:
    if isinstance(value, str) and value in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[value]  # how SDKs send non-finite doubles
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise unexpected(value, "a Double")
    return float(value)


def _boolean(value: Any, path: str, errors: list[str]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        raise SerializationError(f"'{value.upper()}' can not be converted to an Boolean")
    raise unexpected(value, "an Boolean")


def _timestamp(value: Any, path: str, errors: list[str]) -> Any:
    if isinstance(value, str):  # ISO 8601: what the Query protocol sends (AWS JSON services want numbers)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise unexpected(value, "milliseconds since epoch") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise unexpected(value, "milliseconds since epoch")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise SerializationError(f"'{value}' can not be converted to milliseconds since epoch") from None


def _blob(value: Any, path: str, errors: list[str]) -> Any:
    if not isinstance(value, str):
        raise unexpected(value, "a Blob")
    prefix = f"'{value}' can not be converted to a Blob: "
    if len(value) % 4:
        raise SerializationError(
            prefix + f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(value)}"
        )
    bad = next((c for c in value if c.encode() not in _BASE64 or len(c.encode()) != 1), None)
    if bad is not None:
        raise SerializationError(prefix + f"Invalid Base64 character: '{bad}'")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationError(prefix + "Invalid last non-pad Base64 character dectected") from None


def converter(kind: str) -> Converter:
    """The converter of a scalar shape type (`string`, `integer`, `timestamp`, …)."""
    if kind in _INT_RANGE:
        return _integer("an Integer" if kind == "integer" else "a Long", *_INT_RANGE[kind])
    found = {
        "string": _string,
        "double": _double,
        "float": _double,
        "boolean": _boolean,
        "timestamp": _timestamp,
        "blob": _blob,
    }.get(kind)
    if found is None:
        raise NotImplementedError(f"shape type {kind}")
    return found
