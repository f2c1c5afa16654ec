"""The Query protocol, with botocore as the oracle: every CloudWatch operation survives botocore's
Query serializer -> our parser, and our XML serializer -> botocore's Query parser; errors parse
into the modeled exceptions; the decoder honours `locationName` and `flattened` (which CloudWatch
does not use) on a small model of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openssm.core.errors import ApiError
from openssm.protocol import spec
from openssm.protocol.query_protocol import QueryCodec
from openssm.protocol.spec import ServiceSpec
from tests.support.shapes import ShapeValues

EXAMPLES = settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
REQUESTS = ShapeValues(complete=True)
RESPONSES = ShapeValues(response=True, complete=True)
CODEC = QueryCodec(spec.cloudwatch())
MODEL = spec.cloudwatch().model


def utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {k: utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [utc(v) for v in value]
    return value


def has_empty_structure(value: Any) -> bool:
    """The Query protocol cannot say "an empty structure" (it sends no key at all)."""
    if isinstance(value, dict):
        return not value or any(has_empty_structure(v) for v in value.values())
    if isinstance(value, list):
        return any(has_empty_structure(v) for v in value)
    return False


def form(params: dict[str, Any], operation: Any) -> bytes:
    request = create_serializer("query").serialize_to_request(params, operation)
    return urlencode(request["body"], doseq=True).encode()


def parse_response(
    codec: QueryCodec, operation: Any, body: bytes, status: int, headers: Any
) -> dict[str, Any]:
    parsed: dict[str, Any] = create_parser("query").parse(
        {"body": body, "headers": dict(headers), "status_code": status}, operation.output_shape
    )
    return parsed


@pytest.mark.parametrize("name", MODEL.operation_names)
@EXAMPLES
@given(data=st.data())
def test_botocore_query_requests_parse_to_the_same_values(name: str, data: st.DataObject) -> None:
    operation = MODEL.operation_model(name)
    params = data.draw(REQUESTS.of(operation.input_shape), label="params") if operation.input_shape else {}
    assume(not any(has_empty_structure(v) for v in params.values()))
    body = form(params, operation)

    assert CODEC.action(body) == name
    assert CODEC.parse(operation, body) == utc(params)


@pytest.mark.parametrize("name", MODEL.operation_names)
@EXAMPLES
@given(data=st.data())
def test_our_xml_responses_parse_in_botocore_to_the_same_values(name: str, data: st.DataObject) -> None:
    operation = MODEL.operation_model(name)
    result = data.draw(RESPONSES.of(operation.output_shape), label="result") if operation.output_shape else {}
    response = CODEC.result(operation, result, "req-1")

    parsed = parse_response(CODEC, operation, response.body, response.status, response.headers)

    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
    assert utc(parsed) == result


@pytest.mark.parametrize(
    ("code", "wire_code", "status"),
    [
        ("ResourceNotFound", "ResourceNotFound", 404),
        ("InvalidParameterValueException", "InvalidParameterValue", 400),
        ("MissingRequiredParameterException", "MissingParameter", 400),
        ("ValidationException", "ValidationError", 400),
        ("InternalServerError", "InternalFailure", 500),
    ],
)
def test_errors_are_error_responses_with_the_query_code(code: str, wire_code: str, status: int) -> None:
    operation = MODEL.operation_model("SetAlarmState")
    response = CODEC.error(ApiError(code, "it <went> wrong & more"), "req-2")

    parsed = create_parser("query").parse(
        {"body": response.body, "headers": dict(response.headers), "status_code": response.status},
        operation.output_shape,
    )

    assert response.status == status
    assert parsed["Error"]["Code"] == wire_code
    assert parsed["Error"]["Message"] == "it <went> wrong & more"
    assert parsed["Error"]["Type"] == ("Receiver" if status >= 500 else "Sender")
    assert parsed["ResponseMetadata"]["RequestId"] == "req-2"


def test_a_form_without_action_or_with_another_version_is_refused() -> None:
    with pytest.raises(ApiError) as missing:
        CODEC.action(b"Version=2010-08-01")
    with pytest.raises(ApiError) as version:
        CODEC.action(b"Action=DescribeAlarms&Version=2099-01-01")

    assert missing.value.code == version.value.code == "UnknownOperationException"
    assert "Could not find operation DescribeAlarms for version 2099-01-01" in version.value.message


def test_a_malformed_number_is_a_validation_error_naming_the_parameter() -> None:
    operation = MODEL.operation_model("PutMetricAlarm")

    with pytest.raises(ApiError) as caught:
        CODEC.parse(operation, b"Action=PutMetricAlarm&AlarmName=a&Period=ten")

    assert caught.value.code == "ValidationException"
    assert "'Period'" in caught.value.message and "integer" in caught.value.message


def test_constraint_violations_are_reported_like_the_json_protocol() -> None:
    operation = MODEL.operation_model("DescribeAlarms")

    with pytest.raises(ApiError) as caught:
        CODEC.parse(operation, b"Action=DescribeAlarms&MaxRecords=500")

    assert caught.value.code == "ValidationException"
    assert "Member must have value less than or equal to 100" in caught.value.message


def test_an_empty_list_parameter_is_an_empty_list() -> None:
    operation = MODEL.operation_model("DescribeAlarms")
    body = form({"AlarmNames": []}, operation)

    assert CODEC.parse(operation, body) == {"AlarmNames": []}


ODD_MODEL = {
    "metadata": {
        "apiVersion": "2020-01-01",
        "protocol": "query",
        "serviceId": "Odd",
        "endpointPrefix": "odd",
        "signatureVersion": "v4",
        "xmlNamespace": "http://odd.example/doc/2020-01-01/",
    },
    "operations": {
        "Echo": {
            "name": "Echo",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "EchoInput"},
            "output": {"shape": "EchoOutput", "resultWrapper": "EchoResult"},
        }
    },
    "shapes": {
        "EchoInput": {
            "type": "structure",
            "members": {
                "Flat": {"shape": "FlatList"},
                "Named": {"shape": "NamedList", "locationName": "Renamed"},
                "Pairs": {"shape": "Pairs"},
                "FlatPairs": {"shape": "FlatPairs"},
                "When": {"shape": "When"},
                "On": {"shape": "On"},
            },
        },
        "EchoOutput": {
            "type": "structure",
            "members": {
                "Flat": {"shape": "FlatList"},
                "Named": {"shape": "NamedList"},
                "Pairs": {"shape": "Pairs"},
                "FlatPairs": {"shape": "FlatPairs"},
                "When": {"shape": "When"},
                "On": {"shape": "On"},
            },
        },
        "FlatList": {"type": "list", "member": {"shape": "Text"}, "flattened": True},
        "NamedList": {"type": "list", "member": {"shape": "Text", "locationName": "item"}},
        "Pairs": {
            "type": "map",
            "key": {"shape": "Text", "locationName": "k"},
            "value": {"shape": "Text", "locationName": "v"},
        },
        "FlatPairs": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Text"}, "flattened": True},
        "Text": {"type": "string"},
        "When": {"type": "timestamp"},
        "On": {"type": "boolean"},
    },
}


def test_location_names_and_flattened_collections_round_trip() -> None:
    service = ServiceSpec("odd", ServiceModel(ODD_MODEL, "odd"), "", "odd")
    codec = QueryCodec(service)
    operation = service.model.operation_model("Echo")
    params = {
        "Flat": ["a", "b"],
        "Named": ["c"],
        "Pairs": {"x": "1", "y": "2"},
        "FlatPairs": {"z": "3"},
        "When": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "On": False,
    }

    parsed = codec.parse(operation, form(params, operation))
    response = codec.result(operation, parsed, "r")
    echoed = parse_response(codec, operation, response.body, 200, response.headers)
    echoed.pop("ResponseMetadata")

    assert parsed == params
    assert utc(echoed) == params


@pytest.mark.parametrize(
    ("code", "wire_code"),
    [
        ("InvalidParameterValueException", "InvalidParameterValue"),
        ("ResourceNotFound", "ResourceNotFound"),
        ("ValidationException", "ValidationError"),
    ],
)
def test_cloudwatch_errors_map_to_modeled_exceptions(code: str, wire_code: str) -> None:
    """JSON 1.0 with awsQueryCompatible: botocore reads the Query code from `x-amzn-query-error`
    and finds the modeled exception class by it."""
    import boto3

    from openssm.protocol.json_protocol import ServiceCodec

    response = ServiceCodec(spec.cloudwatch()).error(ApiError(code, "nope"))
    parsed = create_parser("json").parse(
        {"body": response.body, "headers": dict(response.headers), "status_code": response.status},
        MODEL.operation_model("SetAlarmState").output_shape,
    )
    client = boto3.client(
        "cloudwatch", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )

    assert parsed["Error"]["Code"] == wire_code
    assert parsed["Error"]["Type"] == "Sender"
    exception = client.exceptions.from_code(wire_code)
    assert (exception is client.exceptions.ClientError) == (code == "ValidationException")
