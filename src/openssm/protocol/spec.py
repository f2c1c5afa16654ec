"""Load the service models that define every operation, shape, constraint and error.

The installed botocore models (`ssm`, `cloudwatch`) are the single source of truth. The agent-only
operations (spec/agent-protocol.md) are described in our own botocore-format files under
`models/`: `ssm-agent.json` is merged into the public `ssm` model (same target prefix and signing
name), `ec2messages.json` is a service of its own.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel, Shape

_MODELS = resources.files("openssm.protocol") / "models"

QUERY_PROTOCOL_ERRORS = {
    "ValidationException": "ValidationError",
    "SerializationException": "MalformedQueryString",
    "UnknownOperationException": "InvalidAction",
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "IncompleteSignatureException": "IncompleteSignature",
    "UnrecognizedClientException": "InvalidClientTokenId",
    "InvalidSignatureException": "SignatureDoesNotMatch",
    "AccessDeniedException": "AccessDenied",
    "InternalServerError": "InternalFailure",
}
"""Protocol-level errors as the Query protocol names them (the JSON names are the keys)."""


@dataclass(frozen=True)
class ServiceSpec:
    """One service as the server speaks it."""

    name: str
    model: ServiceModel
    target_prefix: str
    signing_name: str

    def operation(self, name: str) -> OperationModel | None:
        if name not in self.model.operation_names:
            return None
        return self.model.operation_model(name)

    def error_shape(self, code: str) -> Shape | None:
        try:
            shape = self.model.shape_for(code)
        except Exception:
            return None
        return shape if shape.metadata.get("exception") else None

    def query_error_code(self, code: str) -> str:
        """The code Query-protocol clients know an error by (also sent in `x-amzn-query-error` by
        `awsQueryCompatible` JSON services): the modeled shape's `error.code` (CloudWatch's
        `InvalidParameterValueException` is `InvalidParameterValue`), or the Query name of a
        protocol-level error (`ValidationException` is `ValidationError`)."""
        shape = self.error_shape(code)
        if shape is not None:
            wire: str = shape.metadata.get("error", {}).get("code") or code
            return wire
        return QUERY_PROTOCOL_ERRORS.get(code, code)

    def error_status(self, code: str) -> int:
        shape = self.error_shape(code)
        if shape is not None:
            status = shape.metadata.get("error", {}).get("httpStatusCode")
            if status:
                return int(status)
        return 500 if code in {"InternalServerError", "InternalFailure"} else 400


def _botocore_model(name: str) -> dict[str, Any]:
    return dict(create_loader().load_service_model(name, "service-2"))


def _own_model(filename: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_MODELS / filename).read_text())
    return data


def has_own_model(filename: str) -> bool:
    return (_MODELS / filename).is_file()


def merge_models(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Add the operations and shapes of `extra` to `base`; a shape defined differently in both
    is an error in our supplementary model."""
    merged = copy.deepcopy(base)
    merged["operations"].update(extra["operations"])
    for name, shape in extra["shapes"].items():
        if name in merged["shapes"] and merged["shapes"][name] != shape:
            raise ValueError(f"supplementary shape {name!r} conflicts with the public model")
        merged["shapes"][name] = shape
    return merged


@cache
def ssm() -> ServiceSpec:
    model = _botocore_model("ssm")
    if (_MODELS / "ssm-agent.json").is_file():
        model = merge_models(model, _own_model("ssm-agent.json"))
    return ServiceSpec("ssm", ServiceModel(model, "ssm"), "AmazonSSM", "ssm")


@cache
def public_ssm() -> ServiceSpec:
    """The public ssm model alone (what AWS SDKs know)."""
    return ServiceSpec("ssm", ServiceModel(_botocore_model("ssm"), "ssm"), "AmazonSSM", "ssm")


@cache
def ec2messages() -> ServiceSpec:
    model = _own_model("ec2messages.json")
    return ServiceSpec(
        "ec2messages", ServiceModel(model, "ec2messages"), model["metadata"]["targetPrefix"], "ec2messages"
    )


@cache
def cloudwatch() -> ServiceSpec:
    model = _botocore_model("cloudwatch")
    return ServiceSpec(
        "cloudwatch", ServiceModel(model, "cloudwatch"), model["metadata"]["targetPrefix"], "monitoring"
    )


@cache
def openssm() -> ServiceSpec:
    """openssm's own extensions (e.g. whole command output), signed like ssm."""
    model = _own_model("openssm.json")
    return ServiceSpec("openssm", ServiceModel(model, "openssm"), model["metadata"]["targetPrefix"], "ssm")
