"""Input validation answers as AWS (Coral) does, word for word.

The wordings come from real AWS responses (sources in docs/protocol.md); the constraints themselves
(patterns, enums, bounds) are read from the model, never copied.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from botocore.model import Shape

from openssm.core.errors import ApiError
from openssm.protocol import spec
from openssm.protocol.json_protocol import ServiceCodec

SSM = ServiceCodec(spec.ssm())
CLOUDWATCH = ServiceCodec(spec.cloudwatch())


def shape_at(operation: str, *members: str, codec: ServiceCodec = SSM) -> Shape:
    """The shape of a (nested) input member; `[]` steps into a list, `{}` into a map's value."""
    shape = codec.spec.model.operation_model(operation).input_shape
    for name in members:
        if name == "[]":
            shape = shape.member
        elif name == "{}":
            shape = shape.value
        else:
            shape = shape.members[name]
    return shape


def meta(operation: str, *members: str) -> dict[str, Any]:
    return dict(shape_at(operation, *members).metadata)


def parse(operation: str, body: Any, codec: ServiceCodec = SSM) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return codec.parse(codec.spec.model.operation_model(operation), raw)


def error(operation: str, body: Any, codec: ServiceCodec = SSM) -> ApiError:
    with pytest.raises(ApiError) as caught:
        parse(operation, body, codec)
    return caught.value


def violation(operation: str, body: Any) -> str:
    """The message of a ValidationException that must report exactly one violation."""
    raised = error(operation, body)
    assert raised.code == "ValidationException"
    assert raised.message.startswith("1 validation error detected: "), raised.message
    return raised.message.removeprefix("1 validation error detected: ")


SEND = {"DocumentName": "AWS-RunShellScript"}


def test_a_pattern_violation_quotes_the_value_the_camel_case_member_and_the_model_pattern() -> None:
    pattern = meta("SendCommand", "MaxConcurrency")["pattern"]

    raised = error("SendCommand", {**SEND, "MaxConcurrency": "x"})

    assert raised.code == "ValidationException"
    assert raised.message == (
        "1 validation error detected: Value 'x' at 'maxConcurrency' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}"
    )


def test_a_pattern_must_match_the_whole_value_as_in_java() -> None:
    version = shape_at("SendCommand", "DocumentVersion")
    assert parse("SendCommand", {**SEND, "DocumentVersion": "$LATEST"})["DocumentVersion"] == "$LATEST"

    assert violation("SendCommand", {**SEND, "DocumentVersion": "x$LATESTx"}) == (
        "Value 'x$LATESTx' at 'documentVersion' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {version.metadata['pattern']}"
    )


@pytest.mark.parametrize("body", [{}, {"DocumentName": None}], ids=["absent", "json-null"])
def test_a_missing_required_member_is_value_null(body: dict[str, Any]) -> None:
    assert violation("SendCommand", body) == (
        "Value null at 'documentName' failed to satisfy constraint: Member must not be null"
    )


def test_a_string_shorter_than_its_minimum() -> None:
    low = meta("SendCommand", "OutputS3Region")["min"]
    short = "x" * (low - 1)

    assert violation("SendCommand", {**SEND, "OutputS3Region": short}) == (
        f"Value '{short}' at 'outputS3Region' failed to satisfy constraint: "
        f"Member must have length greater than or equal to {low}"
    )


def test_a_string_longer_than_its_maximum() -> None:
    high = meta("SendCommand", "Comment")["max"]
    long = "c" * (high + 1)

    assert violation("SendCommand", {**SEND, "Comment": long}) == (
        f"Value '{long}' at 'comment' failed to satisfy constraint: "
        f"Member must have length less than or equal to {high}"
    )


def test_a_value_outside_the_enum_lists_the_allowed_values() -> None:
    allowed = shape_at("SendCommand", "DocumentHashType").enum

    assert violation("SendCommand", {**SEND, "DocumentHashType": "Md5"}) == (
        "Value 'Md5' at 'documentHashType' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


@pytest.mark.parametrize("side", ["min", "max"])
def test_an_integer_outside_its_range(side: str) -> None:
    bounds = meta("SendCommand", "TimeoutSeconds")
    value = bounds["min"] - 1 if side == "min" else bounds["max"] + 1
    words = "greater than or equal to" if side == "min" else "less than or equal to"

    assert violation("SendCommand", {**SEND, "TimeoutSeconds": value}) == (
        f"Value '{value}' at 'timeoutSeconds' failed to satisfy constraint: "
        f"Member must have value {words} {bounds[side]}"
    )


def test_a_list_with_too_many_items_is_shown_whole() -> None:
    high = meta("SendCommand", "InstanceIds")["max"]
    ids = [f"i-{n:08x}" for n in range(high + 1)]

    assert violation("SendCommand", {**SEND, "InstanceIds": ids}) == (
        f"Value '[{', '.join(ids)}]' at 'instanceIds' failed to satisfy constraint: "
        f"Member must have length less than or equal to {high}"
    )


def test_a_list_with_too_few_items_in_a_nested_structure() -> None:
    low = meta("SendCommand", "AlarmConfiguration", "Alarms")["min"]

    assert violation("SendCommand", {**SEND, "AlarmConfiguration": {"Alarms": []}}) == (
        "Value '[]' at 'alarmConfiguration.alarms' failed to satisfy constraint: "
        f"Member must have length greater than or equal to {low}"
    )


def test_a_bad_list_element_is_reported_at_the_list_with_every_constraint_of_the_element() -> None:
    # as AWS answered `aws ssm send-command --instance-ids "i-aaa    i-bbb"` (docs/protocol.md)
    pattern = meta("SendCommand", "InstanceIds", "[]")["pattern"]

    assert violation("SendCommand", {**SEND, "InstanceIds": ["i-aaa    i-bbb"]}) == (
        "Value '[i-aaa    i-bbb]' at 'instanceIds' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy regular expression pattern: {pattern}]"
    )


def test_a_member_of_a_structure_in_a_list_has_a_numbered_member_path() -> None:
    low = meta("SendCommand", "Targets", "[]", "Key")["min"]

    assert violation("SendCommand", {**SEND, "Targets": [{"Key": "tag:a", "Values": []}, {"Key": ""}]}) == (
        "Value '' at 'targets.2.member.key' failed to satisfy constraint: "
        f"Member must have length greater than or equal to {low}"
    )


def test_a_missing_required_member_inside_a_list() -> None:
    body = {"DocumentName": "AWS-RunShellScript", "Tags": [{"Key": "k"}]}

    assert violation("StartAutomationExecution", body) == (
        "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"
    )


def test_a_map_with_too_few_entries() -> None:
    low = meta("StartAutomationExecution", "Parameters")["min"]

    assert violation("StartAutomationExecution", {**SEND, "Parameters": {}}) == (
        "Value '{}' at 'parameters' failed to satisfy constraint: "
        f"Member must have length greater than or equal to {low}"
    )


def test_a_bad_map_key_is_reported_at_the_map_with_every_key_constraint() -> None:
    key = dict(shape_at("StartAutomationExecution", "Parameters").key.metadata)
    long = "k" * (key["max"] + 1)

    assert violation("StartAutomationExecution", {**SEND, "Parameters": {long: ["v"]}}) == (
        f"Value '{{{long}=[v]}}' at 'parameters' failed to satisfy constraint: "
        "Map keys must satisfy constraint: "
        f"[Member must have length less than or equal to {key['max']}, "
        f"Member must have length greater than or equal to {key['min']}]"
    )


def test_a_bad_map_value_is_reported_at_the_map_with_every_value_constraint() -> None:
    values = meta("StartAutomationExecution", "Parameters", "{}")
    too_many = ["v"] * (values["max"] + 1)

    assert violation("StartAutomationExecution", {**SEND, "Parameters": {"p": too_many}}) == (
        f"Value '{{p=[{', '.join(too_many)}]}}' at 'parameters' failed to satisfy constraint: "
        f"Map value must satisfy constraint: [Member must have length less than or equal to {values['max']}, "
        f"Member must have length greater than or equal to {values['min']}]"
    )


def test_inside_a_map_value_the_path_names_the_key() -> None:
    item = meta("StartAutomationExecution", "Parameters", "{}", "[]")

    assert violation("StartAutomationExecution", {**SEND, "Parameters": {"commands": [""]}}) == (
        "Value '[]' at 'parameters.commands.member' failed to satisfy constraint: Member must satisfy "
        f"constraint: [Member must have length less than or equal to {item['max']}, "
        f"Member must have length greater than or equal to {item['min']}]"
    )


def test_a_sensitive_value_is_not_echoed() -> None:
    # as SSM answers PutParameter with an empty Value (docs/protocol.md)
    description = meta("CreateMaintenanceWindow", "Description")
    assert description["sensitive"]
    window = {
        "Name": "window",
        "Schedule": "rate(1 day)",
        "Duration": 1,
        "Cutoff": 0,
        "AllowUnassociatedTargets": True,
    }

    assert violation("CreateMaintenanceWindow", {**window, "Description": ""}) == (
        "Value at 'description' failed to satisfy constraint: "
        f"Member must have length greater than or equal to {description['min']}"
    )


def test_several_violations_are_counted_and_joined_in_model_order() -> None:
    raised = error("SendCommand", {"MaxConcurrency": "x", "TimeoutSeconds": 1})
    pattern = meta("SendCommand", "MaxConcurrency")["pattern"]
    low = meta("SendCommand", "TimeoutSeconds")["min"]

    assert raised.message == (
        "3 validation errors detected: "
        "Value null at 'documentName' failed to satisfy constraint: Member must not be null; "
        "Value '1' at 'timeoutSeconds' failed to satisfy constraint: "
        f"Member must have value greater than or equal to {low}; "
        f"Value 'x' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression "
        f"pattern: {pattern}"
    )


def test_one_value_can_break_several_constraints() -> None:
    raised = error("SendCommand", {**SEND, "MaxConcurrency": "12345678%"})
    high = meta("SendCommand", "MaxConcurrency")["max"]
    pattern = meta("SendCommand", "MaxConcurrency")["pattern"]

    assert raised.message == (
        "2 validation errors detected: "
        f"Value '12345678%' at 'maxConcurrency' failed to satisfy constraint: "
        f"Member must have length less than or equal to {high}; "
        f"Value '12345678%' at 'maxConcurrency' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}"
    )


def test_at_most_ten_violations_are_reported() -> None:
    targets = [{"Key": ""} for _ in range(5)]
    body = {
        "Targets": targets,
        "InstanceIds": ["bad"],
        "TimeoutSeconds": 1,
        "Comment": "c" * 101,
        "MaxConcurrency": "x",
        "MaxErrors": "x",
        "OutputS3Region": "x",
        "DocumentHashType": "x",
    }

    raised = error("SendCommand", body)

    assert raised.message.startswith("10 validation errors detected: ")
    assert raised.message.count("failed to satisfy constraint") == 10


def test_members_outside_the_model_and_null_members_are_dropped() -> None:
    assert parse("SendCommand", {**SEND, "Bogus": 1, "Comment": None}) == SEND


def test_a_body_that_is_not_json_is_a_serialization_exception() -> None:
    raised = error("SendCommand", b"{not json")

    assert (raised.code, raised.status) == ("SerializationException", None)


@pytest.mark.parametrize(
    ("member", "value", "message"),
    [
        (
            "Comment",
            5,
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
        ),
        ("Comment", True, "class java.lang.Boolean can not be converted to an String"),
        ("Comment", ["x"], "Start of list found where not expected"),
        ("Comment", {"x": 1}, "Start of structure or map found where not expected."),
        ("TimeoutSeconds", "60", "class java.lang.String can not be converted to an Integer"),
        ("TimeoutSeconds", False, "class java.lang.Boolean can not be converted to an Integer"),
        ("InstanceIds", "i-12345678", "Expected list or null"),
        ("InstanceIds", {"a": "b"}, "Start of structure or map found where not expected."),
        ("Parameters", ["x"], "Start of list found where not expected"),
        ("Parameters", "x", "Expected map or null"),
        ("NotificationConfig", "x", "Expected null"),
        ("NotificationConfig", [], "Start of list found where not expected"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_serialization_exception(
    member: str, value: Any, message: str
) -> None:
    raised = error("SendCommand", {**SEND, member: value})

    assert (raised.code, raised.message) == ("SerializationException", message)


def test_a_body_that_is_not_an_object_is_a_serialization_exception() -> None:
    raised = error("SendCommand", b"[1]")

    assert (raised.code, raised.message) == (
        "SerializationException",
        "Start of list found where not expected",
    )


def test_a_boolean_sent_as_a_string_is_refused_as_coral_does() -> None:
    raised = error("GetParameter", {"Name": "p", "WithDecryption": "yes"})

    assert (raised.code, raised.message) == (
        "SerializationException",
        "'YES' can not be converted to an Boolean",
    )


def test_a_blob_must_be_base64() -> None:
    body = {
        "WindowId": "mw-0123456789abcdef0",
        "TaskArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "TaskType": "LAMBDA",
        "TaskInvocationParameters": {"Lambda": {"Payload": "abc"}},
    }
    raised = error("RegisterTaskWithMaintenanceWindow", body)

    assert raised.code == "SerializationException"
    assert raised.message == (
        "'abc' can not be converted to a Blob: "
        "Base64 encoded length is expected a multiple of 4 bytes but found: 3"
    )
    body["TaskInvocationParameters"] = {"Lambda": {"Payload": "aGk="}}
    assert (
        parse("RegisterTaskWithMaintenanceWindow", body)["TaskInvocationParameters"]["Lambda"]["Payload"]
        == b"hi"
    )


def test_timestamps_are_epoch_seconds_and_become_aware_datetimes() -> None:
    parsed = parse("CreateActivation", {"IamRole": "r", "ExpirationDate": 1700000000.5})

    assert parsed["ExpirationDate"].isoformat() == "2023-11-14T22:13:20.500000+00:00"
    raised = error("CreateActivation", {"IamRole": "r", "ExpirationDate": True})
    assert raised.message == "class java.lang.Boolean can not be converted to milliseconds since epoch"


def test_an_integer_sent_as_a_fraction_is_truncated_as_coral_does() -> None:
    assert parse("SendCommand", {**SEND, "TimeoutSeconds": 60.9})["TimeoutSeconds"] == 60


def test_non_finite_doubles_arrive_as_the_strings_sdks_send() -> None:
    body = {
        "AlarmName": "a",
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": "Infinity",
    }

    assert parse("PutMetricAlarm", body, CLOUDWATCH)["Threshold"] == float("inf")


def test_a_recursive_shape_nested_absurdly_deep_is_refused_without_crashing() -> None:
    depth = 400  # JSON nesting 800: within what the JSON parser takes, beyond Python's stack
    body = '{"Aggregators":' + '[{"AggregatorType":"count","Aggregators":' * depth + "[]" + "}]" * depth + "}"

    raised = error("GetOpsSummary", body.encode())

    assert (raised.code, raised.message) == ("SerializationException", "The request is nested too deeply.")
