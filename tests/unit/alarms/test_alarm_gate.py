"""The alarm gate's decisions (spec §1.3, §1.6) for each source, against real peers."""

from __future__ import annotations

import asyncio

import pytest

from openssm.core.clock import FakeClock
from openssm.domain.alarms.models import StateValue
from openssm.engine.alarm_gate import AlarmConfiguration, AlarmGate, GateDecision, build_source
from openssm.engine.alarm_poller import RemoteAlarmPoller
from openssm.engine.alarm_sources.builtin import BuiltinAlarmSource
from openssm.engine.alarm_sources.polled import PolledAlarmStates
from tests.support.alertmanager import FakeAlertmanager, alert
from tests.support.moto_server import MotoServer
from tests.support.server import free_port
from tests.unit.alarms.conftest import ACCOUNT, World
from tests.unit.alarms.test_alarm_sources import remote_alarm

# (alarm state or None for "does not exist", IgnorePollAlarmFailure) -> (proceed, TriggeredAlarms)
TABLE = [
    ("OK", False, True, []),
    ("OK", True, True, []),
    ("INSUFFICIENT_DATA", False, True, []),
    ("INSUFFICIENT_DATA", True, True, []),
    ("ALARM", False, False, [{"Name": "{name}", "State": "ALARM"}]),
    ("ALARM", True, False, [{"Name": "{name}", "State": "ALARM"}]),
    (None, False, False, [{"Name": "{name}", "State": "UNKNOWN"}]),
    (None, True, True, []),
]
IDS = [f"{state or 'missing'}-ignore={ignore}" for state, ignore, _, _ in TABLE]


def expected(triggered: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    return [{k: v.format(name=name) for k, v in t.items()} for t in triggered]


def remote_gate(
    world: World, kind: str, **settings: str
) -> tuple[AlarmGate, PolledAlarmStates, list[tuple[str, str]]]:
    published: list[tuple[str, str]] = []
    source = build_source(
        kind,
        db=world.db,
        clock=world.clock,
        publish=lambda a, n: published.append((a, n)),
        region="us-east-1",
        poll_interval=10,
        timeout=2,
        **settings,
    )
    assert isinstance(source, PolledAlarmStates)
    return AlarmGate(world.db, source), source, published


@pytest.mark.parametrize(("state", "ignore", "proceed", "triggered"), TABLE, ids=IDS)
def test_builtin_gate_decisions(
    world: World, state: str | None, ignore: bool, proceed: bool, triggered: list
) -> None:  # type: ignore[type-arg]
    if state is not None:
        world.put_alarm("web")
        world.alarms.set_alarm_state(ACCOUNT, "web", StateValue(state), "test", None)
    gate = AlarmGate(world.db, BuiltinAlarmSource(world.db))
    config = AlarmConfiguration(("web",), ignore)

    decision = asyncio.run(gate.check(ACCOUNT, config))
    with world.db.begin() as conn:
        in_transaction = gate.check_blocking(ACCOUNT, config, conn=conn)

    for d in (decision, in_transaction, gate.check_blocking(ACCOUNT, config)):
        assert d.proceed is proceed
        assert d.triggered_alarms_wire() == expected(triggered, "web")


def test_builtin_gate_topics_fire_for_the_accounts_alarm(world: World) -> None:
    gate = AlarmGate(world.db, BuiltinAlarmSource(world.db))

    assert gate.kind == "builtin"
    assert gate.topics(ACCOUNT, AlarmConfiguration(("web",))) == [f"alarm:{ACCOUNT}:web"]
    assert gate.topics(ACCOUNT, None) == []


def test_ungated_work_proceeds(world: World) -> None:
    gate = AlarmGate(world.db, BuiltinAlarmSource(world.db))

    assert asyncio.run(gate.check(ACCOUNT, None)) == GateDecision(True)


@pytest.mark.parametrize(("state", "ignore", "proceed", "triggered"), TABLE, ids=IDS)
def test_cloudwatch_gate_decisions(
    world: World,
    moto: MotoServer,
    state: str | None,
    ignore: bool,
    proceed: bool,
    triggered: list,  # type: ignore[type-arg]
) -> None:
    name = f"cw-{state or 'missing'}-{ignore}-{world.db.dialect}"
    if state is not None:
        remote_alarm(moto, name, state)
    gate, _, _ = remote_gate(
        world,
        "cloudwatch",
        cloudwatch_endpoint=moto.endpoint,
        cloudwatch_access_key_id="testing",
        cloudwatch_secret_access_key="testing",
    )
    config = AlarmConfiguration((name,), ignore)

    decision = asyncio.run(gate.check(ACCOUNT, config, fresh=True))

    assert decision.proceed is proceed
    assert decision.triggered_alarms_wire() == expected(triggered, name)
    assert gate.check_blocking(ACCOUNT, config) == decision


def test_cloudwatch_gate_answers_from_the_poll_and_rereads_when_fresh(world: World, moto: MotoServer) -> None:
    name = f"cw-flip-{world.db.dialect}"
    remote_alarm(moto, name, "OK")
    gate, states, published = remote_gate(
        world,
        "cloudwatch",
        cloudwatch_endpoint=moto.endpoint,
        cloudwatch_access_key_id="testing",
        cloudwatch_secret_access_key="testing",
    )
    config = AlarmConfiguration((name,))
    assert asyncio.run(gate.check(ACCOUNT, config)).proceed
    moto.client().set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="flip")

    cached = asyncio.run(gate.check(ACCOUNT, config))
    fresh = asyncio.run(gate.check(ACCOUNT, config, fresh=True))

    assert cached.proceed  # not polled again yet
    assert fresh.triggered_alarms_wire() == [{"Name": name, "State": "ALARM"}]
    assert published == [("remote", name)]
    assert gate.topics(ACCOUNT, config) == [f"alarm:remote:{name}"]


def test_the_poller_notices_a_remote_change_and_publishes_it(world: World, moto: MotoServer) -> None:
    name = f"cw-poll-{world.db.dialect}"
    remote_alarm(moto, name, "OK")
    gate, states, published = remote_gate(
        world,
        "cloudwatch",
        cloudwatch_endpoint=moto.endpoint,
        cloudwatch_access_key_id="testing",
        cloudwatch_secret_access_key="testing",
    )
    poller = RemoteAlarmPoller(states)
    config = AlarmConfiguration((name,))
    asyncio.run(gate.check(ACCOUNT, config))
    moto.client().set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="flip")

    asyncio.run(poller.run_once())
    assert published == []  # polled 0 s ago: not due
    assert isinstance(world.clock, FakeClock)
    world.clock.advance(10)
    asyncio.run(poller.run_once())

    assert published == [("remote", name)]
    assert not gate.check_blocking(ACCOUNT, config).proceed


def test_an_unreachable_remote_source_stops_work_unless_failures_are_ignored(world: World) -> None:
    gate, _, _ = remote_gate(world, "cloudwatch", cloudwatch_endpoint=f"http://127.0.0.1:{free_port()}")

    stopped = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("web",)), fresh=True))
    ignored = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("web",), True), fresh=True))

    assert stopped.triggered_alarms_wire() == [{"Name": "web", "State": "UNKNOWN"}]
    assert ignored.proceed
    assert stopped.readings is not None and "source unreachable" in (stopped.readings["web"].failure or "")


def test_alertmanager_gate_decisions(world: World, alertmanager: FakeAlertmanager) -> None:
    gate, _, _ = remote_gate(world, "alertmanager", alertmanager_url=alertmanager.url)
    alertmanager.alerts = [alert("Web5xx"), alert("Muted", silenced=True)]

    firing = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("Web5xx",)), fresh=True))
    muted = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("Muted",)), fresh=True))
    quiet = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("Quiet",)), fresh=True))
    alertmanager.status = 503
    down = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("Quiet",)), fresh=True))
    down_ignored = asyncio.run(gate.check(ACCOUNT, AlarmConfiguration(("Quiet",), True), fresh=True))

    assert gate.kind == "alertmanager"
    assert firing.triggered_alarms_wire() == [{"Name": "Web5xx", "State": "ALARM"}]
    assert muted.proceed and quiet.proceed
    assert down.triggered_alarms_wire() == [{"Name": "Quiet", "State": "UNKNOWN"}]
    assert down_ignored.proceed


def test_an_unknown_source_or_a_missing_url_is_a_configuration_error(world: World) -> None:
    with pytest.raises(ValueError):
        remote_gate(world, "pagerduty")
    with pytest.raises(ValueError):
        remote_gate(world, "alertmanager")
