"""The gate's decision table (spec §1.3) and TriggeredAlarms (§1.6)."""

from __future__ import annotations

import pytest

from openssm.domain.alarms.configuration import (
    AlarmConfiguration,
    AlarmReading,
    TriggeredAlarm,
    TriggeredAlarmState,
    decide,
)
from openssm.domain.alarms.models import StateValue
from openssm.protocol import spec

OK = AlarmReading.of(StateValue.OK)
INSUFFICIENT = AlarmReading.of(StateValue.INSUFFICIENT_DATA)
ALARM = AlarmReading.of(StateValue.ALARM)
FAILED = AlarmReading.failed("The alarm web does not exist.")


@pytest.mark.parametrize(
    ("reading", "ignore_failure", "proceed", "triggered"),
    [
        (OK, False, True, ()),
        (OK, True, True, ()),
        (INSUFFICIENT, False, True, ()),
        (INSUFFICIENT, True, True, ()),
        (ALARM, False, False, (TriggeredAlarm("web", TriggeredAlarmState.ALARM),)),
        (ALARM, True, False, (TriggeredAlarm("web", TriggeredAlarmState.ALARM),)),
        (FAILED, False, False, (TriggeredAlarm("web", TriggeredAlarmState.UNKNOWN),)),
        (FAILED, True, True, ()),
    ],
)
def test_decision_table(reading: AlarmReading, ignore_failure: bool, proceed: bool, triggered: tuple) -> None:  # type: ignore[type-arg]
    decision = decide(AlarmConfiguration(("web",), ignore_failure), {"web": reading})

    assert decision.proceed is proceed
    assert decision.triggered_alarms == triggered


def test_work_without_an_alarm_configuration_proceeds() -> None:
    assert decide(None, {}).proceed


def test_an_alarm_without_a_reading_is_a_poll_failure() -> None:
    decision = decide(AlarmConfiguration(("web",)), {})

    assert decision.triggered_alarms_wire() == [{"Name": "web", "State": "UNKNOWN"}]


def test_the_configuration_reads_and_writes_the_wire_form() -> None:
    wire = {"Alarms": [{"Name": "web-5xx"}], "IgnorePollAlarmFailure": True}
    config = AlarmConfiguration.from_wire(wire)

    assert config == AlarmConfiguration(("web-5xx",), True)
    assert config.to_wire() == wire
    assert AlarmConfiguration.from_wire({"Alarms": [{"Name": "x"}]}) == AlarmConfiguration(("x",), False)
    assert AlarmConfiguration.from_wire(None) is None
    assert AlarmConfiguration.from_wire({"Alarms": [], "IgnorePollAlarmFailure": False}) is None


def test_triggered_alarm_states_are_the_ssm_models_enum() -> None:
    shape = spec.ssm().model.shape_for("AlarmStateInformation").members["State"]

    assert {s.value for s in TriggeredAlarmState} == set(shape.enum)
