"""The `aws cloudwatch` CLI (awscli v1, as installed) against the built-in CloudWatch."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import unique
from tests.support.server import ServerProcess

AWS = str(Path(sys.executable).parent / "aws")


def aws(server: ServerProcess, *args: str) -> Any:
    result = subprocess.run(
        [AWS, "cloudwatch", *args, "--output", "json"],
        env=server.cli_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_put_metric_alarm_put_metric_data_and_describe(server: ServerProcess) -> None:
    name, metric = unique("cli"), unique("5xx")
    aws(
        server, "put-metric-alarm", "--alarm-name", name, "--metric-name", metric, "--namespace", "App",
        "--statistic", "Sum", "--period", "10", "--evaluation-periods", "1", "--threshold", "5",
        "--comparison-operator", "GreaterThanThreshold",
    )  # fmt: skip
    created = aws(server, "describe-alarms", "--alarm-names", name)["MetricAlarms"][0]
    assert (created["MetricName"], created["Period"], created["Threshold"]) == (metric, 10, 5.0)

    aws(server, "put-metric-data", "--namespace", "App", "--metric-name", metric, "--value", "50")

    deadline = time.monotonic() + 10  # evaluated as soon as the data arrives
    while (state := aws(server, "describe-alarms", "--alarm-names", name)["MetricAlarms"][0])[
        "StateValue"
    ] != "ALARM":
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    history = aws(
        server, "describe-alarm-history", "--alarm-name", name, "--history-item-type", "StateUpdate"
    )
    assert history["AlarmHistoryItems"][0]["HistorySummary"].endswith("to ALARM")


def test_set_alarm_state_and_errors_through_the_cli(server: ServerProcess) -> None:
    name = unique("cli")
    aws(
        server, "put-metric-alarm", "--alarm-name", name, "--metric-name", "m", "--namespace", "App",
        "--statistic", "Average", "--period", "3600", "--evaluation-periods", "1", "--threshold", "1",
        "--comparison-operator", "LessThanThreshold", "--treat-missing-data", "ignore",
    )  # fmt: skip

    aws(server, "set-alarm-state", "--alarm-name", name, "--state-value", "ALARM", "--state-reason", "drill")
    failed = subprocess.run(
        [AWS, "cloudwatch", "set-alarm-state", "--alarm-name", unique("none"), "--state-value", "OK",
         "--state-reason", "x"],
        env=server.cli_env(), capture_output=True, text=True,
    )  # fmt: skip

    assert aws(server, "describe-alarms", "--alarm-names", name)["MetricAlarms"][0]["StateValue"] == "ALARM"
    assert failed.returncode != 0
    assert "(ResourceNotFound)" in failed.stderr
