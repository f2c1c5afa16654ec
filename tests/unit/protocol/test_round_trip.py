"""botocore is the oracle: every operation of every model we serve survives both directions.

Requests: values generated from the input shape are serialized by botocore's own client serializer
(with its parameter validation) and parsed by our `ServiceCodec.parse` (our validation included),
which must give the same values back (timestamps as aware datetimes, blobs as bytes). Responses:
values generated from the output shape are serialized by our `OutputCompiler` and parsed by
botocore's response parser, which must give them back. Covers the public `ssm` model, our agent-only
additions (merged `ssm-agent.json`, `ec2messages.json`) and CloudWatch's JSON 1.0 protocol.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openssm.protocol import spec
from openssm.protocol.json_protocol import ServiceCodec
from tests.support.shapes import ShapeValues

EXAMPLES = settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

SERVICES = {"ssm": spec.ssm, "cloudwatch": spec.cloudwatch, "ec2messages": spec.ec2messages}
REQUESTS = ShapeValues(complete=True)
RESPONSES = ShapeValues(response=True, complete=True)


def operations() -> list[Any]:
    params = []
    for service in ("ssm", "cloudwatch"):
        params += [
            pytest.param(service, name, id=f"{service}.{name}") for name in _model(service).operation_names
        ]
    if spec.has_own_model("ec2messages.json"):
        names = _model("ec2messages").operation_names
        params += [pytest.param("ec2messages", name, id=f"ec2messages.{name}") for name in names]
    else:
        params.append(
            pytest.param(
                "ec2messages", "-", marks=pytest.mark.skip(reason="models/ec2messages.json not written yet")
            )
        )
    return params


def _model(service: str) -> Any:
    return SERVICES[service]().model


@cache
def codec(service: str) -> ServiceCodec:
    return ServiceCodec(SERVICES[service]())


def utc(value: Any) -> Any:
    """The value with every datetime as aware UTC (botocore parses into tzlocal/tzutc)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {k: utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [utc(v) for v in value]
    return value


@pytest.mark.parametrize(("service", "name"), operations())
@EXAMPLES
@given(data=st.data())
def test_botocore_requests_parse_to_the_same_values(service: str, name: str, data: st.DataObject) -> None:
    operation = _model(service).operation_model(name)
    if operation.input_shape is None:
        assert codec(service).parse(operation, b"{}") == {}
        return
    params = data.draw(REQUESTS.of(operation.input_shape), label="params")
    request = create_serializer("json").serialize_to_request(params, operation)

    parsed = codec(service).parse(operation, request["body"])

    assert parsed == utc(params)


@pytest.mark.parametrize(("service", "name"), operations())
@EXAMPLES
@given(data=st.data())
def test_our_responses_parse_in_botocore_to_the_same_values(
    service: str, name: str, data: st.DataObject
) -> None:
    operation = _model(service).operation_model(name)
    result = data.draw(RESPONSES.of(operation.output_shape), label="result") if operation.output_shape else {}
    response = codec(service).result(operation, result)

    parsed = create_parser("json").parse(
        {"body": response.body, "headers": dict(response.headers), "status_code": response.status},
        operation.output_shape,
    )
    parsed.pop("ResponseMetadata", None)

    assert utc(parsed) == result


def test_the_agent_only_operations_are_in_the_ssm_model_we_serve() -> None:
    if not spec.has_own_model("ssm-agent.json"):
        pytest.skip("models/ssm-agent.json not written yet")
    agent_only = set(spec.ssm().model.operation_names) - set(spec.public_ssm().model.operation_names)
    assert {
        "RegisterManagedInstance",
        "RequestManagedInstanceRoleToken",
        "UpdateInstanceInformation",
    } <= agent_only
