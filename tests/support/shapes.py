"""Hypothesis strategies that build valid values for any botocore shape.

Values respect what the model says: required members, string length, list and map counts,
numeric ranges, enums, unions (exactly one member) and patterns. Patterns are Java regular
expressions: `hypothesis.strategies.from_regex` (Python `re`) draws from them after the Unicode
classes it lacks (`\\p{L}`, `\\p{Z}`, `\\p{N}`) are narrowed to ASCII stand-ins, over printable
ASCII; the server's own matcher (`openssm.protocol.patterns`) must then agree, which the round-trip
and pattern tests check. Sizes are kept small and recursion is cut at `max_depth` (recursive
shapes such as `OpsAggregator` stop adding optional members), so a whole model runs in seconds.

`Python` values are produced: timestamps as aware UTC datetimes (whole seconds for requests, as
botocore sends them; milliseconds for responses), blobs as bytes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import strategies as st

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
MAX_TEXT = 12  # extra characters beyond a string's minimum length
MAX_ITEMS = 2  # extra items beyond a collection's minimum count
EARLIEST = datetime(1971, 1, 1)
LATEST = datetime(2099, 12, 31)

_UNICODE_CLASSES = {"\\p{L}": "a-zA-Z", "\\p{Z}": " ", "\\p{N}": "0-9"}


def generation_pattern(pattern: str) -> str:
    """The Java pattern in Python `re` syntax, Unicode classes narrowed to ASCII stand-ins."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        token = pattern[i : i + 5]
        if token in _UNICODE_CLASSES:
            stand_in = _UNICODE_CLASSES[token]
            out.append(stand_in if depth else f"[{stand_in}]")
            i += 5
            continue
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        out.append(char)
        i += 1
    return "".join(out)


class ShapeValues:
    """Strategies for the values of shapes; `response=True` for output shapes. With
    `complete=True` every optional member is present too (down to `max_depth`), so that one
    example exercises every member of the shape."""

    def __init__(self, *, response: bool = False, complete: bool = False, max_depth: int = 3) -> None:
        self.response = response
        self.complete = complete
        self.max_depth = max_depth
        self._cache: dict[tuple[int, int], st.SearchStrategy[Any]] = {}

    def of(self, shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
        key = (id(shape), min(depth, self.max_depth))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(shape, key[1])
        return found

    def _inner(self, shape: Shape, depth: int) -> st.SearchStrategy[Any]:
        """A member's strategy, built when first drawn (recursive shapes)."""
        return st.deferred(lambda: self.of(shape, depth + 1))

    def _build(self, shape: Shape, depth: int) -> st.SearchStrategy[Any]:
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        kind = shape.type_name
        if isinstance(shape, StructureShape):
            return self._structure(shape, depth)
        if isinstance(shape, ListShape):
            lowest, highest = self._counts(low, high, depth)
            return st.lists(self._inner(shape.member, depth), min_size=lowest, max_size=highest)
        if isinstance(shape, MapShape):
            lowest, highest = self._counts(low, high, depth)
            return st.dictionaries(
                self._inner(shape.key, depth),
                self._inner(shape.value, depth),
                min_size=lowest,
                max_size=highest,
            )
        if kind == "string":
            return string(shape)
        if kind in ("integer", "long"):
            bits = 31 if kind == "integer" else 63
            return st.integers(
                min_value=-(2**bits) if low is None else int(low),
                max_value=2**bits - 1 if high is None else int(high),
            )
        if kind in ("double", "float"):
            return st.floats(
                min_value=low,
                max_value=high,
                allow_nan=False,
                allow_infinity=not self.response and low is None and high is None,
            )
        if kind == "boolean":
            return st.booleans()
        if kind == "timestamp":
            moments = st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC))
            if self.response:
                return moments.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
            return moments.map(lambda d: d.replace(microsecond=0))
        if kind == "blob":
            lowest, highest = self._counts(low, high, 0, extra=MAX_TEXT)
            return st.binary(min_size=lowest, max_size=highest)
        raise NotImplementedError(f"shape type {kind}")

    def _counts(self, low: Any, high: Any, depth: int, extra: int = MAX_ITEMS) -> tuple[int, int]:
        lowest = int(low or 0)
        highest = lowest if depth >= self.max_depth else lowest + extra
        return lowest, highest if high is None else min(highest, int(high))

    def _structure(self, shape: StructureShape, depth: int) -> st.SearchStrategy[Any]:
        members = {name: self._inner(member, depth) for name, member in shape.members.items()}
        if shape.metadata.get("union"):
            return st.one_of([st.fixed_dictionaries({name: value}) for name, value in members.items()])
        required = set(shape.required_members)
        if depth < self.max_depth and self.complete:
            required = set(members)
        optional = {} if depth >= self.max_depth else {n: s for n, s in members.items() if n not in required}
        return st.fixed_dictionaries({n: members[n] for n in required}, optional=optional)


def string(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    lowest = int(meta.get("min", 0))
    highest = int(meta["max"]) if "max" in meta else None
    if shape.enum:
        return st.sampled_from(list(shape.enum))
    pattern = meta.get("pattern")
    if pattern is None:
        top = lowest + MAX_TEXT if highest is None else min(highest, lowest + MAX_TEXT)
        return st.text(PRINTABLE, min_size=lowest, max_size=top)
    compiled = re.compile(generation_pattern(pattern))
    drawn = st.from_regex(compiled, fullmatch=True, alphabet=PRINTABLE)
    return drawn.filter(lambda v: len(v) >= lowest and (highest is None or len(v) <= highest))
