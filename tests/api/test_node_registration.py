"""The node protocol's registration and credentials, as the official agent speaks them: unsigned
RegisterManagedInstance, RSA-PSS-signed RequestManagedInstanceRoleToken and
UpdateManagedInstancePublicKey (tests/support/node_client.py builds the requests)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.node_client import NodeApiError, NodeClient, RsaSigV4Auth, new_key, public_key_b64
from tests.support.server import ServerProcess

MANAGED_INSTANCE_ID = re.compile(r"^mi-[0-9a-f]{17}$")


def activation(ssm: Any, **kwargs: Any) -> tuple[str, str]:
    created = ssm.create_activation(IamRole="SSMServiceRole", **kwargs)
    return created["ActivationId"], created["ActivationCode"]


def error_code(call: Any) -> str:
    with pytest.raises(NodeApiError) as error:
        call()
    return error.value.code


def test_an_unsigned_registration_with_a_valid_activation_makes_a_managed_instance(
    server: ServerProcess, ssm: Any
) -> None:
    activation_id, code = activation(ssm, RegistrationLimit=2)
    node = NodeClient(server.endpoint)
    instance_id = node.register(activation_id, code)
    assert MANAGED_INSTANCE_ID.match(instance_id)
    [found] = ssm.describe_activations(
        Filters=[{"FilterKey": "ActivationIds", "FilterValues": [activation_id]}]
    )["ActivationList"]
    assert found["RegistrationsCount"] == 1


def test_a_wrong_activation_code_is_invalid_activation(server: ServerProcess, ssm: Any) -> None:
    activation_id, code = activation(ssm)
    wrong = ("B" if code[0] == "A" else "A") + code[1:]
    assert (
        error_code(lambda: NodeClient(server.endpoint).register(activation_id, wrong)) == "InvalidActivation"
    )


def test_a_deleted_activation_is_invalid_activation(server: ServerProcess, ssm: Any) -> None:
    activation_id, code = activation(ssm)
    ssm.delete_activation(ActivationId=activation_id)
    assert (
        error_code(lambda: NodeClient(server.endpoint).register(activation_id, code)) == "InvalidActivation"
    )


def test_an_expired_activation_is_refused(server: ServerProcess, ssm: Any) -> None:
    activation_id, code = activation(ssm, ExpirationDate=datetime.now(UTC) + timedelta(seconds=2))
    time.sleep(2.5)  # expiry itself is covered with a fake clock in tests/unit/nodes
    assert (
        error_code(lambda: NodeClient(server.endpoint).register(activation_id, code)) == "ActivationExpired"
    )


def test_registrations_beyond_the_limit_are_refused(server: ServerProcess, ssm: Any) -> None:
    activation_id, code = activation(ssm, RegistrationLimit=1)
    NodeClient(server.endpoint).register(activation_id, code)
    assert (
        error_code(lambda: NodeClient(server.endpoint).register(activation_id, code))
        == "RegistrationLimitExceeded"
    )


def test_a_public_key_that_is_not_an_rsa_key_is_invalid(server: ServerProcess, ssm: Any) -> None:
    activation_id, code = activation(ssm)
    node = NodeClient(server.endpoint)
    bad = "A" * 392
    assert error_code(lambda: node.register(activation_id, code, PublicKey=bad)) == "InvalidPublicKey"


def test_the_token_request_signed_with_the_node_key_returns_temporary_credentials(
    server: ServerProcess, ssm: Any
) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    before = time.time()
    result = node.request_token()
    assert result["AccessKeyId"].startswith("ASIA")
    assert result["SecretAccessKey"] and result["SessionToken"]
    assert result["UpdateKeyPair"] is False
    assert before + 3600 - 60 <= result["TokenExpirationDate"] <= time.time() + 3600 + 60  # epoch seconds


def test_a_token_request_signed_with_another_key_is_refused(server: ServerProcess, ssm: Any) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    assert error_code(lambda: node.request_token(key=new_key())) == "InvalidSignatureException"


def test_a_token_request_with_another_fingerprint_is_refused(server: ServerProcess, ssm: Any) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    assert (
        error_code(lambda: node.request_token(fingerprint="another-machine"))
        == "MachineFingerprintDoesNotMatch"
    )


def test_a_token_request_for_an_unknown_node_is_invalid_instance_id(server: ServerProcess) -> None:
    node = NodeClient(server.endpoint)
    assert error_code(lambda: node.request_token(instance_id="mi-00000000000000000")) == "InvalidInstanceId"


def test_an_unsigned_token_request_is_refused(server: ServerProcess, ssm: Any) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    with pytest.raises(NodeApiError) as error:
        node.send("AmazonSSM.RequestManagedInstanceRoleToken", {"Fingerprint": node.fingerprint}, None)
    assert error.value.code == "MissingAuthenticationTokenException"


def test_a_token_request_scoped_to_another_service_is_refused(server: ServerProcess, ssm: Any) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    auth = RsaSigV4Auth(node.instance_id, node.key, node.region)
    auth._service_name = "ec2messages"
    with pytest.raises(NodeApiError) as error:
        node.send("AmazonSSM.RequestManagedInstanceRoleToken", {"Fingerprint": node.fingerprint}, auth)
    assert error.value.code == "InvalidSignatureException"


def test_the_public_key_can_be_replaced_with_a_request_signed_by_the_old_key(
    server: ServerProcess, ssm: Any
) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    old = node.key
    replacement = new_key()
    node.update_public_key(replacement)
    node.request_token()  # signed with the new key
    assert error_code(lambda: node.request_token(key=old)) == "InvalidSignatureException"
    assert error_code(lambda: node.update_public_key(replacement)) == "PublicKeyAlreadyRegistered"
    stranger = new_key()
    assert (
        error_code(lambda: node.update_public_key(new_key(), signing_key=stranger))
        == "InvalidSignatureException"
    )
    assert public_key_b64(node.key) == public_key_b64(replacement)


def test_a_deregistered_node_cannot_get_credentials(server: ServerProcess, ssm: Any) -> None:
    node = NodeClient(server.endpoint)
    node.register(*activation(ssm))
    ssm.deregister_managed_instance(InstanceId=node.instance_id)
    assert error_code(node.request_token) == "InvalidInstanceId"
