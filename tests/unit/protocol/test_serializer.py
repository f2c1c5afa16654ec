"""Output details the round trip cannot show: how Python values the handlers return are written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

from openssm.protocol import spec
from openssm.protocol.json_protocol import ServiceCodec

SSM = ServiceCodec(spec.ssm())
CLOUDWATCH = ServiceCodec(spec.cloudwatch())


def written(codec: ServiceCodec, operation: str, result: dict[str, Any]) -> Any:
    return orjson.loads(codec.result(codec.spec.model.operation_model(operation), result).body)


def test_timestamps_are_epoch_seconds_with_milliseconds_whatever_the_time_zone() -> None:
    moment = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
    elsewhere = moment.astimezone(timezone(timedelta(hours=-7)))
    naive = moment.replace(tzinfo=None)  # taken as UTC, never as the server's local time

    for value in (moment, elsewhere, naive):
        body = written(SSM, "DescribeDocument", {"Document": {"Name": "d", "CreatedDate": value}})
        assert body["Document"]["CreatedDate"] == 1767268800.123


def test_a_datetime_in_a_string_member_is_iso_8601_as_ssm_sends_it() -> None:
    moment = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)

    body = written(SSM, "GetCommandInvocation", {"ExecutionStartDateTime": moment})

    assert body["ExecutionStartDateTime"] == "2026-01-01T12:00:00.123Z"


def test_non_finite_doubles_are_written_as_sdks_read_them() -> None:
    alarm = {"AlarmName": "a", "Threshold": float("inf")}

    body = written(CLOUDWATCH, "DescribeAlarms", {"MetricAlarms": [alarm]})

    assert body["MetricAlarms"][0]["Threshold"] == "Infinity"


def test_none_members_are_left_out() -> None:
    assert written(SSM, "SendCommand", {"Command": {"CommandId": "c", "Comment": None}}) == {
        "Command": {"CommandId": "c"}
    }
