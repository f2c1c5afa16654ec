"""The metric math openssm evaluates: arithmetic over query ids; the rest is refused."""

from __future__ import annotations

import pytest

from openssm.domain.alarms.expressions import UnsupportedExpression, compile_expression


def test_arithmetic_over_metric_ids() -> None:
    rate = compile_expression("errors / requests * 100")

    assert rate.references == {"errors", "requests"}
    assert rate({"errors": 5.0, "requests": 200.0}) == 2.5


def test_parentheses_unary_minus_and_numbers() -> None:
    assert compile_expression("-(m1 + m2) / 2")({"m1": 1.0, "m2": 3.0}) == -2.0


def test_a_missing_value_or_a_division_by_zero_has_no_value() -> None:
    ratio = compile_expression("a / b")

    assert ratio({"a": 1.0, "b": None}) is None
    assert ratio({"a": 1.0, "b": 0.0}) is None


@pytest.mark.parametrize(
    "text",
    ["FILL(m1, 0)", "METRICS()", "ANOMALY_DETECTION_BAND(m1, 2)", "m1 ** 2", "m1 +", "SELECT AVG(x) FROM y"],
)
def test_other_expressions_are_unsupported(text: str) -> None:
    with pytest.raises(UnsupportedExpression):
        compile_expression(text)
