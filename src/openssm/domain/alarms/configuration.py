"""The alarm configuration SSM work carries, and the gate's decision rule (spec §1.3, §1.6).

`AlarmConfiguration` is what SendCommand, CreateAssociation, StartAutomationExecution and
maintenance-window tasks accept; an alarm source answers each alarm with an `AlarmReading`;
`decide` applies the decision table:

| reading               | IgnorePollAlarmFailure false | true     |
|-----------------------|------------------------------|----------|
| OK, INSUFFICIENT_DATA | proceed                      | proceed  |
| ALARM                 | stop (State ALARM)           | stop     |
| poll failure          | stop (State UNKNOWN)         | proceed  |

Pure: no I/O. The engine's `AlarmGate` reads the sources and calls `decide`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from openssm.domain.alarms.models import StateValue


class TriggeredAlarmState(StrEnum):
    """The SSM model's ExternalAlarmState."""

    UNKNOWN = "UNKNOWN"
    ALARM = "ALARM"


@dataclass(frozen=True, slots=True)
class AlarmConfiguration:
    alarms: tuple[str, ...]
    ignore_poll_alarm_failure: bool = False

    @classmethod
    def from_wire(cls, value: Mapping[str, Any] | None) -> AlarmConfiguration | None:
        """`{"Alarms": [{"Name": …}], "IgnorePollAlarmFailure": bool}` -> the configuration; None
        (or no alarms) means the work is not gated."""
        if not value:
            return None
        names = tuple(alarm["Name"] for alarm in value.get("Alarms") or () if alarm.get("Name"))
        if not names:
            return None
        return cls(names, bool(value.get("IgnorePollAlarmFailure", False)))

    def to_wire(self) -> dict[str, Any]:
        return {
            "IgnorePollAlarmFailure": self.ignore_poll_alarm_failure,
            "Alarms": [{"Name": name} for name in self.alarms],
        }


@dataclass(frozen=True, slots=True)
class TriggeredAlarm:
    name: str
    state: TriggeredAlarmState

    def to_wire(self) -> dict[str, str]:
        return {"Name": self.name, "State": self.state.value}


@dataclass(frozen=True, slots=True)
class AlarmReading:
    """One alarm as a source saw it: a state, or a poll failure with its reason."""

    state: StateValue | None
    failure: str | None = None

    @classmethod
    def of(cls, state: StateValue | str) -> AlarmReading:
        return cls(StateValue(state))

    @classmethod
    def failed(cls, reason: str) -> AlarmReading:
        return cls(None, reason)

    @property
    def is_failure(self) -> bool:
        return self.state is None


@dataclass(frozen=True, slots=True)
class GateDecision:
    proceed: bool
    triggered_alarms: tuple[TriggeredAlarm, ...] = ()
    readings: Mapping[str, AlarmReading] | None = None  # what was read, for logs and diagnostics

    @property
    def stop(self) -> bool:
        return not self.proceed

    def triggered_alarms_wire(self) -> list[dict[str, str]]:
        return [alarm.to_wire() for alarm in self.triggered_alarms]


PROCEED = GateDecision(True)


def decide(config: AlarmConfiguration | None, readings: Mapping[str, AlarmReading]) -> GateDecision:
    """Apply the decision table to one reading per configured alarm (a missing reading is a poll
    failure)."""
    if config is None:
        return PROCEED
    triggered: list[TriggeredAlarm] = []
    for name in config.alarms:
        reading = readings.get(name) or AlarmReading.failed("no reading")
        if reading.state == StateValue.ALARM:
            triggered.append(TriggeredAlarm(name, TriggeredAlarmState.ALARM))
        elif reading.is_failure and not config.ignore_poll_alarm_failure:
            triggered.append(TriggeredAlarm(name, TriggeredAlarmState.UNKNOWN))
    return GateDecision(not triggered, tuple(triggered), dict(readings))
