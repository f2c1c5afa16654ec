"""The supplementary models: well formed, self-contained, and mergeable into botocore's ssm model."""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

import botocore
import pytest
from botocore.model import ServiceModel

from tests.unit.agent.fake_node_api import MDS_MODEL, SSM_MODEL

with gzip.open(
    os.path.join(os.path.dirname(botocore.__file__), "data/ssm/2014-11-06/service-2.json.gz")
) as _f:
    PUBLIC = json.loads(_f.read())

SSM_OPERATIONS = {
    "RegisterManagedInstance",
    "RequestManagedInstanceRoleToken",
    "UpdateInstanceInformation",
    "UpdateManagedInstancePublicKey",
    "ListInstanceAssociations",
    "UpdateInstanceAssociationStatus",
}
MDS_OPERATIONS = {
    "GetMessages",
    "AcknowledgeMessage",
    "SendReply",
    "FailMessage",
    "DeleteMessage",
    "GetEndpoint",
}


def referenced(model: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for operation in model["operations"].values():
        names |= {operation["input"]["shape"], operation["output"]["shape"]}
        names |= {error["shape"] for error in operation.get("errors", [])}
    for shape in model["shapes"].values():
        names |= {member["shape"] for member in shape.get("members", {}).values()}
        names |= {shape[k]["shape"] for k in ("member", "key", "value") if k in shape}
    return names


@pytest.mark.parametrize(("model", "operations"), [(SSM_MODEL, SSM_OPERATIONS), (MDS_MODEL, MDS_OPERATIONS)])
def test_every_operation_is_post_slash_and_every_shape_is_defined(
    model: dict[str, Any], operations: set[str]
) -> None:
    assert set(model["operations"]) == operations
    for name, operation in model["operations"].items():
        assert operation["name"] == name
        assert operation["http"] == {"method": "POST", "requestUri": "/"}
        for error in operation["errors"]:
            assert model["shapes"][error["shape"]]["exception"] is True
    assert referenced(model) <= set(model["shapes"])
    service = ServiceModel(model)
    for name in operations:
        service.operation_model(name)


def test_metadata() -> None:
    assert {k: SSM_MODEL["metadata"][k] for k in ("apiVersion", "protocol", "jsonVersion", "targetPrefix",
            "signingName", "endpointPrefix", "serviceId")} == {  # fmt: skip
        "apiVersion": "2014-11-06", "protocol": "json", "jsonVersion": "1.1", "targetPrefix": "AmazonSSM",
        "signingName": "ssm", "endpointPrefix": "ssm", "serviceId": "SSM",
    }  # fmt: skip
    assert MDS_MODEL["metadata"]["targetPrefix"] == "EC2WindowsMessageDeliveryService"
    assert MDS_MODEL["metadata"]["signingName"] == MDS_MODEL["metadata"]["endpointPrefix"] == "ec2messages"


def test_ssm_agent_model_merges_into_the_public_model_without_conflicts() -> None:
    assert not set(SSM_MODEL["operations"]) & set(PUBLIC["operations"])
    for name, shape in SSM_MODEL["shapes"].items():
        if name in PUBLIC["shapes"]:
            assert shape == PUBLIC["shapes"][name], f"{name} differs from the public shape"
    merged = dict(PUBLIC, operations={**PUBLIC["operations"], **SSM_MODEL["operations"]},
                  shapes={**PUBLIC["shapes"], **SSM_MODEL["shapes"]})  # fmt: skip
    service = ServiceModel(merged, "ssm")
    token = service.operation_model("RequestManagedInstanceRoleToken")
    assert token.output_shape.members["TokenExpirationDate"].type_name == "timestamp"
    assert service.operation_model("RegisterManagedInstance").auth_type == "none"


def test_wire_error_names_and_their_message_member_match_the_agents_sdk() -> None:
    lower = {
        "MachineFingerprintDoesNotMatch",
        "ActivationExpired",
        "RegistrationLimitExceeded",
        "InvalidInstanceInformationValue",
    }
    upper = {"InvalidPublicKey", "InstanceAlreadyRegistered", "PublicKeyAlreadyRegistered"}
    for name in lower:
        assert list(SSM_MODEL["shapes"][name]["members"]) == ["message"]
    for name in upper:
        assert list(SSM_MODEL["shapes"][name]["members"]) == ["Message"]
    for name, shape in MDS_MODEL["shapes"].items():
        if shape.get("exception"):
            assert list(shape["members"]) == ["message"], name


def test_botocore_serializes_the_agent_operations_with_our_models() -> None:
    from botocore.validate import validate_parameters

    service = ServiceModel(MDS_MODEL, "ec2messages")
    validate_parameters(
        {
            "Destination": "mi-0123456789abcdef0",
            "MessagesRequestId": "9a4c5f2e-1111-4222-8333-944455556666",
            "VisibilityTimeoutInSeconds": 10,
        },  # fmt: skip
        service.operation_model("GetMessages").input_shape,
    )
