"""AWS JSON 1.0 / 1.1: `X-Amz-Target: <Prefix>.<Operation>` and a JSON body.

Decodes a request into (service, operation, body) and encodes results and errors. Services whose
model is `awsQueryCompatible` (CloudWatch) also get the `x-amzn-query-error` header their SDKs read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from botocore.model import OperationModel

from openssm.core.errors import ApiError
from openssm.protocol.serializer import OutputCompiler, error_body
from openssm.protocol.spec import ServiceSpec
from openssm.protocol.validation import InputCompiler, validate_input


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ServiceCodec:
    """Parse and serialize for one service; shape walkers are compiled once and cached."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.inputs = InputCompiler()
        self.outputs = OutputCompiler()
        version = spec.model.metadata.get("jsonVersion", "1.1")
        self.content_type = f"application/x-amz-json-{version}"
        self.query_compatible = "awsQueryCompatible" in spec.model.metadata

    def parse(self, operation: OperationModel, body: bytes) -> dict[str, Any]:
        if body.strip():
            try:
                raw = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise ApiError("SerializationException", "The request body is not valid JSON.") from None
        else:
            raw = {}
        return validate_input(self.inputs, operation.input_shape, raw)

    def result(
        self, operation: OperationModel, result: dict[str, Any] | None, request_id: str = ""
    ) -> Response:
        body = self.outputs.serialize(operation.output_shape, result)
        return Response(200, [("content-type", self.content_type)], body)

    def error(self, error: ApiError, request_id: str = "") -> Response:
        status = error.status or self.spec.error_status(error.code)
        headers = [("content-type", self.content_type)]
        if self.query_compatible:
            # botocore takes the code from this header (`<Query code>;<fault>`) and finds the modeled
            # exception by the shape's `error.code` (test_cloudwatch_errors_map_to_modeled_exceptions).
            fault = "Receiver" if status >= 500 else "Sender"
            headers.append(("x-amzn-query-error", f"{self.spec.query_error_code(error.code)};{fault}"))
        return Response(status, headers, error_body(error.code, error.message))


def split_target(target: str, services: Iterable[ServiceSpec]) -> tuple[ServiceSpec, str]:
    prefix, _, name = target.partition(".")
    for spec in services:
        if spec.target_prefix == prefix and name:
            return spec, name
    raise ApiError("UnknownOperationException", f"Unknown operation {target!r}.")
