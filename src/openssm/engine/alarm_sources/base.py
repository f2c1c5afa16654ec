"""The alarm source interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from openssm.domain.alarms.configuration import AlarmReading


class AlarmStateProvider(Protocol):
    """Reads alarm states. `read` blocks (database or network) and never raises for a failed
    read: every asked name gets an `AlarmReading`, a state or a poll failure with its reason
    (unknown alarm, source down, permission denied)."""

    kind: str
    """"builtin", "cloudwatch" or "alertmanager"."""

    remote: bool
    """True when states must be polled (no change events)."""

    def read(self, account_id: str, names: Sequence[str]) -> dict[str, AlarmReading]: ...
