"""The simple metric math openssm evaluates: arithmetic over query ids and numbers.

`errors / requests * 100`, `(m1 + m2) / 2`, `-m1`: the operators + - * / and parentheses. A period
in which any referenced value is missing, or that divides by zero, has no value. Anything else
(functions such as FILL or ANOMALY_DETECTION_BAND, METRICS(), Metrics Insights queries) is
`UnsupportedExpression`: the alarm is stored but stays INSUFFICIENT_DATA with that reason.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Values = Mapping[str, float | None]

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class UnsupportedExpression(ValueError):
    pass


@dataclass(frozen=True)
class Expression:
    text: str
    references: frozenset[str]
    _fn: Callable[[Values], float | None]

    def __call__(self, values: Values) -> float | None:
        return self._fn(values)


def compile_expression(text: str) -> Expression:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise UnsupportedExpression(f"openssm cannot evaluate the expression {text!r}.") from None
    references: set[str] = set()
    fn = _compile(tree.body, text, references)
    return Expression(text, frozenset(references), fn)


def _compile(node: ast.expr, text: str, references: set[str]) -> Callable[[Values], float | None]:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        constant = float(node.value)
        return lambda values: constant
    if isinstance(node, ast.Name) and node.id[:1].islower():
        name = node.id
        references.add(name)
        return lambda values: values.get(name)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _compile(node.operand, text, references)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0

        def unary(values: Values) -> float | None:
            value = inner(values)
            return None if value is None else sign * value

        return unary
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _compile(node.left, text, references)
        right = _compile(node.right, text, references)
        apply = _BINARY[type(node.op)]

        def binary(values: Values) -> float | None:
            a, b = left(values), right(values)
            if a is None or b is None:
                return None
            try:
                return apply(a, b)
            except ZeroDivisionError:
                return None

        return binary
    raise UnsupportedExpression(
        f"openssm evaluates only arithmetic (+ - * / and parentheses) over metric ids and numbers; "
        f"it cannot evaluate {text!r}."
    )
