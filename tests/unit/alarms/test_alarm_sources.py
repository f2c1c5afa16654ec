"""The three alarm sources against real peers: the local alarms table, moto's server as a remote
CloudWatch, and an HTTP server speaking Alertmanager's v2 alerts API; and the polled-state cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from openssm.core.clock import FakeClock
from openssm.domain.alarms.configuration import AlarmReading
from openssm.domain.alarms.models import StateValue
from openssm.engine.alarm_sources.alertmanager import AlertmanagerAlarmSource
from openssm.engine.alarm_sources.builtin import BuiltinAlarmSource
from openssm.engine.alarm_sources.cloudwatch import CloudWatchAlarmSource
from openssm.engine.alarm_sources.polled import PolledAlarmStates
from tests.support.alertmanager import FakeAlertmanager, alert
from tests.support.moto_server import MotoServer
from tests.support.server import free_port
from tests.unit.alarms.conftest import ACCOUNT, World

OK, ALARM, INSUFFICIENT = StateValue.OK, StateValue.ALARM, StateValue.INSUFFICIENT_DATA


def remote_alarm(moto: MotoServer, name: str, state: str | None) -> None:
    cloudwatch = moto.client()
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="5xx",
        Namespace="App",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )
    if state is not None:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def cloudwatch_source(moto: MotoServer) -> CloudWatchAlarmSource:
    return CloudWatchAlarmSource(
        endpoint_url=moto.endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        timeout=2,
    )


def test_builtin_reads_the_alarms_of_the_account(world: World) -> None:
    world.put_alarm("ok")
    world.put_alarm("alarm")
    world.alarms.set_alarm_state(ACCOUNT, "ok", OK, "x", None)
    world.alarms.set_alarm_state(ACCOUNT, "alarm", ALARM, "x", None)
    source = BuiltinAlarmSource(world.db)

    readings = source.read(ACCOUNT, ["ok", "alarm", "missing"])
    other_account = source.read("999999999999", ["ok"])

    assert readings["ok"] == AlarmReading.of(OK)
    assert readings["alarm"] == AlarmReading.of(ALARM)
    assert readings["missing"].is_failure and "does not exist" in (readings["missing"].failure or "")
    assert other_account["ok"].is_failure


def test_cloudwatch_reads_remote_alarm_states(moto: MotoServer) -> None:
    remote_alarm(moto, "cw-ok", "OK")
    remote_alarm(moto, "cw-alarm", "ALARM")
    remote_alarm(moto, "cw-new", "INSUFFICIENT_DATA")

    readings = cloudwatch_source(moto).read(ACCOUNT, ["cw-ok", "cw-alarm", "cw-new", "cw-unknown"])

    assert readings["cw-ok"] == AlarmReading.of(OK)
    assert readings["cw-alarm"] == AlarmReading.of(ALARM)
    assert readings["cw-new"] == AlarmReading.of(INSUFFICIENT)
    assert readings["cw-unknown"].is_failure
    assert "cw-unknown was not found in " + moto.endpoint in (readings["cw-unknown"].failure or "")


def test_cloudwatch_reads_more_than_one_page_of_names(moto: MotoServer) -> None:
    names = [f"page-{i:03d}" for i in range(130)]
    for name in names:
        remote_alarm(moto, name, "ALARM")

    readings = cloudwatch_source(moto).read(ACCOUNT, names)

    assert {r.state for r in readings.values()} == {ALARM}


def test_an_unreachable_cloudwatch_is_a_poll_failure() -> None:
    source = CloudWatchAlarmSource(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region="us-east-1",
        access_key_id="a",
        secret_access_key="b",
        timeout=1,
    )

    reading = source.read(ACCOUNT, ["web"])["web"]

    assert reading.is_failure and "source unreachable" in (reading.failure or "")


def test_refused_credentials_are_a_permission_failure(tmp_path: Path) -> None:
    strict = MotoServer(tmp_path, env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"}).start()
    try:
        source = CloudWatchAlarmSource(
            endpoint_url=strict.endpoint,
            region="us-east-1",
            access_key_id="AKIAUNKNOWN",
            secret_access_key="x",
            timeout=2,
        )
        reading = source.read(ACCOUNT, ["web"])["web"]
    finally:
        strict.stop()

    assert reading.is_failure and "permission denied" in (reading.failure or "")


def test_alertmanager_active_alerts_are_alarms(alertmanager: FakeAlertmanager) -> None:
    alertmanager.alerts = [
        alert("Web5xx", severity="page"),
        alert("Silenced", silenced=True),
        alert("Inhibited", inhibited=True),
    ]

    readings = AlertmanagerAlarmSource(alertmanager.url).read(
        ACCOUNT, ["Web5xx", "Silenced", "Inhibited", "Quiet"]
    )

    assert {name: r.state for name, r in readings.items()} == {
        "Web5xx": ALARM,
        "Silenced": OK,
        "Inhibited": OK,
        "Quiet": OK,
    }
    assert alertmanager.queries[-1] == {"active": ["true"], "silenced": ["false"], "inhibited": ["false"]}


def test_alertmanager_suppressed_alerts_are_not_alarms_even_unfiltered(
    alertmanager: FakeAlertmanager,
) -> None:
    alertmanager.ignore_filters = True  # e.g. a proxy that drops the query string
    alertmanager.alerts = [alert("Silenced", silenced=True), alert("Inhibited", inhibited=True)]

    readings = AlertmanagerAlarmSource(alertmanager.url).read(ACCOUNT, ["Silenced", "Inhibited"])

    assert {r.state for r in readings.values()} == {OK}


@pytest.mark.parametrize(
    ("status", "words"), [(500, "HTTP 500"), (401, "permission denied"), (403, "permission denied")]
)
def test_alertmanager_http_failures_are_poll_failures(
    alertmanager: FakeAlertmanager, status: int, words: str
) -> None:
    alertmanager.status = status

    readings = AlertmanagerAlarmSource(alertmanager.url).read(ACCOUNT, ["a", "b"])

    assert all(r.is_failure and words in (r.failure or "") for r in readings.values())


def test_an_unreachable_alertmanager_is_a_poll_failure() -> None:
    reading = AlertmanagerAlarmSource(f"http://127.0.0.1:{free_port()}", timeout=1).read(ACCOUNT, ["a"])["a"]

    assert reading.is_failure and "source unreachable" in (reading.failure or "")


def test_alertmanager_credentials_in_the_url_are_sent_as_basic_auth(alertmanager: FakeAlertmanager) -> None:
    url = alertmanager.url.replace("http://", "http://ops:s3cret@")

    AlertmanagerAlarmSource(url).read(ACCOUNT, ["a"])

    assert alertmanager.authorizations[-1] == "Basic b3BzOnMzY3JldA=="


class StubSource:
    """A scripted remote source (only to exercise the cache's bookkeeping)."""

    kind = "stub"
    remote = True

    def __init__(self) -> None:
        self.states: dict[str, StateValue] = {}
        self.reads: list[list[str]] = []

    def read(self, account_id: str, names: list[str]) -> dict[str, AlarmReading]:  # type: ignore[override]
        self.reads.append(list(names))
        return {
            n: AlarmReading.of(self.states[n]) if n in self.states else AlarmReading.failed("gone")
            for n in names
        }


def test_polled_states_publish_changes_only() -> None:
    source, clock, published = StubSource(), FakeClock(), []
    states = PolledAlarmStates(source, clock, lambda a, n: published.append((a, n)), poll_interval=10)
    source.states = {"web": OK}

    states.refresh(["web"])
    states.refresh(["web"])
    source.states = {"web": ALARM}
    states.refresh(["web"])
    source.states = {}
    states.refresh(["web"])

    assert published == [("remote", "web"), ("remote", "web")]
    assert states.cached(["web"])["web"].is_failure


def test_polled_states_poll_wanted_alarms_each_interval_and_forget_unwanted_ones() -> None:
    source, clock = StubSource(), FakeClock()
    states = PolledAlarmStates(source, clock, lambda a, n: None, poll_interval=10, interest_ttl=60)
    states.want(["web"])

    assert states.due() == ["web"]
    states.refresh(["web"])
    assert states.due() == []
    clock.advance(10)
    assert states.due() == ["web"]
    clock.advance(61)
    assert states.due() == []
    assert states.cached(["web"]) == {}
