"""The models' `pattern` constraints are Java regular expressions; run them as Java would.

AWS (Coral) checks a value with `Pattern.matcher(value).matches()`: the whole value must match,
whatever anchors the pattern has. Java's `\\w`, `\\d`, `\\s` (and their negations) are ASCII-only
and its `.` stops at every line terminator, while `\\p{L}`-style classes are Unicode. The `regex`
module reads the Java syntax (`\\p{…}`, nested classes); this module rewrites the few shorthands
whose meaning differs and compiles with `regex.VERSION1`, where `[[a][b]]` unions and `&&`
intersections behave as in Java. Checked by tests/unit/protocol/test_patterns.py.
"""

from __future__ import annotations

from functools import lru_cache

import regex

_WORD = "A-Za-z0-9_"
_DIGIT = "0-9"
_SPACE = " \\t\\n\\x0B\\f\\r"
_LINE_TERMINATORS = "\\n\\r\\x85\\u2028\\u2029"

# shorthand -> the class it stands for in Java (no Unicode flag)
_SHORTHAND = {
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "d": f"[{_DIGIT}]",
    "D": f"[^{_DIGIT}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}


def to_python(pattern: str) -> str:
    """Rewrite a Java pattern into `regex` (VERSION1) syntax with the same meaning."""
    out: list[str] = []
    depth = 0  # inside how many character classes
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            # inside a class a nested class is a union member (VERSION1), as in Java
            out.append(_SHORTHAND.get(escaped, char + escaped))
            i += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        out.append(f"[^{_LINE_TERMINATORS}]" if char == "." and not depth else char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_java(pattern: str) -> regex.Pattern[str]:
    return regex.compile(to_python(pattern), regex.VERSION1)


def matches(pattern: str, value: str) -> bool:
    """`Pattern.matches(pattern, value)`: does the whole value match?"""
    return compile_java(pattern).fullmatch(value) is not None
