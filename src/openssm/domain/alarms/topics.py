"""Notifier topics of the alarm feature.

`alarm:<account>:<name>` and `alarms` fire right after a built-in alarm's state (or existence)
changed and committed; the remote-source poller fires `alarm:remote:<name>` and `alarms` when a
polled state changes. `alarm-evaluator` wakes the evaluator (new metric data, a new alarm).
"""

from __future__ import annotations

from collections.abc import Callable

from openssm.core.signals import Notifier

ALARMS_TOPIC = "alarms"
EVALUATOR_TOPIC = "alarm-evaluator"
REMOTE_ACCOUNT = "remote"

Publish = Callable[[str, str], None]
"""(account id, alarm name) -> tell whoever listens that this alarm may have changed."""


def alarm_topic(account_id: str, name: str) -> str:
    return f"alarm:{account_id}:{name}"


def publisher(notifier: Notifier) -> Publish:
    def publish(account_id: str, name: str) -> None:
        notifier.notify(alarm_topic(account_id, name))
        notifier.notify(ALARMS_TOPIC)

    return publish
