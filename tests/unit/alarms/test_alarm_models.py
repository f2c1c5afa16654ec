"""The alarm StrEnums mirror the cloudwatch model's enums."""

from __future__ import annotations

from enum import StrEnum

import pytest

from openssm.domain.alarms.models import (
    AlarmType,
    ComparisonOperator,
    EvaluationState,
    HistoryItemType,
    StateValue,
    Statistic,
)
from openssm.protocol import spec


@pytest.mark.parametrize(
    ("enum", "shape", "subset"),
    [
        (StateValue, "StateValue", False),
        (ComparisonOperator, "ComparisonOperator", False),
        (Statistic, "Statistic", False),
        (AlarmType, "AlarmType", False),
        (EvaluationState, "EvaluationState", False),
        (HistoryItemType, "HistoryItemType", True),  # the contributor item types are not produced
    ],
)
def test_enums_match_the_model(enum: type[StrEnum], shape: str, subset: bool) -> None:
    modeled = set(spec.cloudwatch().model.shape_for(shape).enum)
    ours = {member.value for member in enum}

    assert ours <= modeled if subset else ours == modeled
