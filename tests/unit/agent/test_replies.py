"""SendReply payloads: fields, their order, dates, runtimeStatus rules, truncation of streams."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from openssm.agent.replies import AgentInfo, ReplyBuilder, encode, iso8601, runtime_status
from openssm.agent.results import PluginResult, ResultStatus

NOW = datetime(2024, 5, 17, 9, 30, 5, 123456, tzinfo=UTC)
AGENT = AgentInfo(name="openssm-agent", version="3.3.0.0", os="linux")


def result(step_id: str, status: ResultStatus, code: int = 0, **kw: object) -> PluginResult:
    values: dict[str, object] = {
        "step_id": step_id, "plugin": "aws:runShellScript", "status": status, "code": code,
        "output": "out", "stdout": b"out", "stderr": b"", "start": NOW, "end": NOW,
    }  # fmt: skip
    values.update(kw)
    return PluginResult(**values)  # type: ignore[arg-type]


def test_dates_are_iso8601_utc_with_milliseconds() -> None:
    assert iso8601(NOW) == "2024-05-17T09:30:05.123Z"


def test_first_reply_is_document_level_in_progress_without_runtime_status() -> None:
    payload = ReplyBuilder(AGENT, lambda: NOW).document_status(ResultStatus.IN_PROGRESS)
    assert payload == {
        "additionalInfo": {
            "agent": {
                "lang": "en-US",
                "name": "openssm-agent",
                "os": "linux",
                "osver": "1",
                "ver": "3.3.0.0",
            },
            "dateTime": "2024-05-17T09:30:05.123Z",
            "runId": "",
            "runtimeStatusCounts": None,
            "ableToOpenMGSConnection": False,
        },
        "documentStatus": "InProgress",
        "documentTraceOutput": "",
        "runtimeStatus": None,
    }
    assert list(json.loads(encode(payload))) == [
        "additionalInfo",
        "documentStatus",
        "documentTraceOutput",
        "runtimeStatus",
    ]


def test_plugin_update_holds_only_that_plugin_and_counts_the_finished_ones() -> None:
    first = result("one", ResultStatus.SUCCESS)
    second = result("two", ResultStatus.FAILED, 3)
    payload = ReplyBuilder(AGENT, lambda: NOW).plugin_update([first, second], second)
    assert payload["documentStatus"] == "InProgress"
    assert list(payload["additionalInfo"]["runtimeStatusCounts"].items()) == [("Failed", 1), ("Success", 1)]
    assert list(payload["runtimeStatus"]) == ["two"]
    assert list(payload["runtimeStatus"]["two"]) == [
        "status", "code", "name", "output", "startDateTime", "endDateTime",
        "outputS3BucketName", "outputS3KeyPrefix", "stepName", "standardOutput", "standardError",
    ]  # fmt: skip


def test_final_reply_has_the_plugin_when_alone_and_an_empty_object_when_several() -> None:
    builder = ReplyBuilder(AGENT, lambda: NOW)
    only = builder.final([result("only", ResultStatus.SUCCESS)])
    assert only["documentStatus"] == "Success"
    assert list(only["runtimeStatus"]) == ["only"]
    several = builder.final([result("a", ResultStatus.SUCCESS), result("b", ResultStatus.SKIPPED)])
    assert several["documentStatus"] == "Success"
    assert several["runtimeStatus"] == {}
    assert several["additionalInfo"]["runtimeStatusCounts"] == {"Skipped": 1, "Success": 1}


def test_document_status_precedence() -> None:
    builder = ReplyBuilder(AGENT, lambda: NOW)

    def final(*statuses: ResultStatus) -> str:
        status: str = builder.final([result(str(i), s) for i, s in enumerate(statuses)])["documentStatus"]
        return status

    assert final(ResultStatus.SUCCESS, ResultStatus.TIMED_OUT, ResultStatus.FAILED) == "Failed"
    assert final(ResultStatus.CANCELLED, ResultStatus.TIMED_OUT) == "TimedOut"
    assert final(ResultStatus.SUCCESS, ResultStatus.CANCELLED) == "Cancelled"
    assert final(ResultStatus.SKIPPED, ResultStatus.SKIPPED) == "Success"


def test_runtime_status_of_a_failed_step_without_a_code_is_code_1_and_shows_the_error() -> None:
    entry = runtime_status(
        result("s", ResultStatus.FAILED, 0, output="", error="Plugin with name x is not supported")
    )
    assert entry["code"] == 1
    assert entry["output"] == "Plugin with name x is not supported"
    assert entry["startDateTime"] == entry["endDateTime"] == "2024-05-17T09:30:05.123Z"
    assert entry["outputS3BucketName"] == entry["outputS3KeyPrefix"] == entry["stepName"] == ""


def test_standard_streams_are_cut_at_24000_and_8000() -> None:
    entry = runtime_status(result("s", ResultStatus.SUCCESS, stdout=b"o" * 30000, stderr=b"e" * 30000))
    assert len(entry["standardOutput"]) == 24000 and entry["standardOutput"].endswith("--output truncated--")
    assert len(entry["standardError"]) == 8000 and entry["standardError"].endswith("--output truncated--")
