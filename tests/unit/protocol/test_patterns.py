"""The models' patterns are Java regular expressions and are matched as Java matches them."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openssm.protocol import patterns, spec
from tests.support.shapes import PRINTABLE, generation_pattern


def model_patterns() -> list[str]:
    found: set[str] = set()
    for service in (spec.ssm(), spec.cloudwatch()):
        for name in service.model.shape_names:
            pattern = service.model.shape_for(name).metadata.get("pattern")
            if pattern:
                found.add(pattern)
    return sorted(found)


@pytest.mark.parametrize("pattern", model_patterns())
def test_every_model_pattern_compiles(pattern: str) -> None:
    patterns.compile_java(pattern)


@pytest.mark.parametrize("pattern", model_patterns())
@settings(max_examples=5, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_values_drawn_from_a_pattern_match_it_on_the_server(pattern: str, data: st.DataObject) -> None:
    strategy = st.from_regex(re.compile(generation_pattern(pattern)), fullmatch=True, alphabet=PRINTABLE)
    value = data.draw(strategy)

    assert patterns.matches(pattern, value), (pattern, value)


@pytest.mark.parametrize(
    ("pattern", "value", "java"),
    [
        ("abc", "xabcx", False),  # matches() wants the whole value
        ("[$]LATEST|^[1-9][0-9]*$", "$LATEST", True),
        ("[$]LATEST|^[1-9][0-9]*$", "x$LATEST", False),
        ("(?i)all|[0-9]{12}", "ALL", True),
        ("\\w+", "\u00e9t\u00e9", False),  # \w, \d, \s are ASCII in Java
        ("\\d", "\u0663", False),
        ("\\s", "\u00a0", False),
        ("[\\w+=,.@/-]+", "a-b/c@d", True),
        ("[\\p{L}\\p{Z}\\p{N}_]+", "\u00e9t\u00e9 2024", True),  # \p{...} classes are Unicode
        ("[\\s\\S]*\\S[\\s\\S]*", " \u00a0 ", True),
        ("[\\s\\S]*\\S[\\s\\S]*", " \t ", False),
        ("^(?!\\s*$).+", "a\rb", False),  # `.` stops at every line terminator
        ("^(?!\\s*$).+", "a\u2028b", False),
        ("^(?!\\s*$).+", "   ", False),
        ("^(?!\\s*$).+", "a.b", True),
        ("[.]+", "..", True),
    ],
)
def test_java_semantics(pattern: str, value: str, java: bool) -> None:
    assert patterns.matches(pattern, value) is java
