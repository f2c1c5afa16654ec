"""The agent's client against a local node API that checks every request against our models
and its authentication with botocore and `cryptography`."""

from __future__ import annotations

import stat
import time

import pytest

from openssm.agent.client import NodeClient
from openssm.agent.credentials import CredentialProvider
from openssm.agent.identity import NodeKey, RegistrationError, register
from openssm.agent.state import Registration, StateDir
from openssm.agent.transport import AwsError, JsonTransport, TransportError
from tests.unit.agent.fake_node_api import FakeNodeApiServer, NodeApi


def signed_client(
    server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> tuple[NodeClient, CredentialProvider]:
    client = NodeClient(JsonTransport(server.url), region="us-east-1")
    provider = CredentialProvider(
        client,
        instance_id=registration.instance_id,
        fingerprint=registration.fingerprint,
        key=NodeKey.load(state),
    )
    client.credentials = provider.get
    return client, provider


def test_register_is_unsigned_and_stores_key_and_registration(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    api = api_server.api
    (call,) = api.calls_of("RegisterManagedInstance")
    assert "authorization" not in call.headers
    assert call.body["PublicKeyType"] == "Rsa" and len(call.body["PublicKey"]) == 392
    assert registration.instance_id in api.nodes
    assert state.load_registration() == registration
    assert stat.S_IMODE(state.private_key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.root.stat().st_mode) == 0o700
    assert api.errors == []


def test_registering_again_needs_force(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    client = NodeClient(JsonTransport(api_server.url), region="us-east-1")
    api = api_server.api

    def again(force: bool) -> Registration:
        return register(
            state,
            client,
            server_url=api_server.url,
            region="us-east-1",
            activation_id=api.activation_id,
            activation_code=api.activation_code,
            force=force,
        )

    with pytest.raises(RegistrationError, match="already registered"):
        again(False)
    assert again(True).instance_id != registration.instance_id


def test_a_bad_activation_is_a_typed_error(api_server: FakeNodeApiServer, state: StateDir) -> None:
    client = NodeClient(JsonTransport(api_server.url), region="us-east-1")
    with pytest.raises(AwsError) as caught:
        register(state, client, server_url=api_server.url, region="us-east-1",
                 activation_id=api_server.api.activation_id, activation_code="B" * 25)  # fmt: skip
    assert caught.value.code == "InvalidActivation"
    assert caught.value.message == "Activation is not valid"
    assert caught.value.status == 400
    assert state.load_registration() is None


def test_short_activation_codes_are_refused_locally(api_server: FakeNodeApiServer, state: StateDir) -> None:
    client = NodeClient(JsonTransport(api_server.url), region="us-east-1")
    with pytest.raises(RegistrationError, match="at least 20"):
        register(state, client, server_url=api_server.url, region="us-east-1",
                 activation_id=api_server.api.activation_id, activation_code="short")  # fmt: skip
    assert api_server.api.calls == []


def test_token_request_is_rsa_signed_and_later_calls_use_sigv4_with_the_token(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    client, _ = signed_client(api_server, state, registration)
    client.update_instance_information(
        {
            "AgentName": "openssm-agent",
            "AgentVersion": "3.3.0.0",
            "InstanceId": registration.instance_id,
            "PlatformType": "Linux",
        }  # fmt: skip
    )
    messages = client.get_messages(registration.instance_id)
    client.acknowledge_message(f"aws.ssm.11111111-2222-3333-4444-555555555555.{registration.instance_id}")
    client.send_reply(f"aws.ssm.11111111-2222-3333-4444-555555555555.{registration.instance_id}",
                      "3f2e1d0c-1111-2222-3333-444455556666", "{}")  # fmt: skip
    client.fail_message(
        f"aws.ssm.11111111-2222-3333-4444-555555555555.{registration.instance_id}", "NoHandlerExists"
    )
    client.list_instance_associations(registration.instance_id)
    api = api_server.api
    assert messages == []
    assert api.errors == []
    assert [c.operation for c in api.calls] == [
        "RegisterManagedInstance",
        "RequestManagedInstanceRoleToken",
        "UpdateInstanceInformation",
        "GetMessages",
        "AcknowledgeMessage",
        "SendReply",
        "FailMessage",
        "ListInstanceAssociations",
    ]
    (token_call,) = api.calls_of("RequestManagedInstanceRoleToken")
    assert f"Credential={registration.instance_id}/" in token_call.headers["authorization"]
    get = api.calls_of("GetMessages")[0]
    assert "/ec2messages/aws4_request" in get.headers["authorization"]
    assert get.body["VisibilityTimeoutInSeconds"] == 10


def test_credentials_are_refreshed_at_half_their_lifetime(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    api_server.api.token_lifetime = 1.0
    client, provider = signed_client(api_server, state, registration)
    first = provider.get()
    assert provider.get() is first
    time.sleep(0.6)
    assert provider.get() is not first
    assert len(api_server.api.calls_of("RequestManagedInstanceRoleToken")) == 2


def test_update_key_pair_rotates_the_key(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    api_server.api.update_key_pair = True
    before = state.load_private_key_pem()
    _, provider = signed_client(api_server, state, registration)
    provider.get()
    assert state.load_private_key_pem() != before
    assert len(api_server.api.calls_of("UpdateManagedInstancePublicKey")) == 1
    provider.invalidate()
    provider.get()  # signed with the new key, which the server now holds
    assert api_server.api.errors == []


def test_connections_are_kept_alive(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    client, _ = signed_client(api_server, state, registration)
    for _ in range(3):
        client.acknowledge_message(f"aws.ssm.11111111-2222-3333-4444-555555555555.{registration.instance_id}")
    ports = {c.headers.get("host") for c in api_server.api.calls}
    assert len(ports) == 1
    assert len(client.transport._idle) == 1


def test_an_unreachable_server_is_a_transport_error() -> None:
    client = NodeClient(JsonTransport("http://127.0.0.1:9"), region="us-east-1", request_timeout=2)
    with pytest.raises(TransportError):
        client.register_managed_instance(
            activation_code="x" * 20, activation_id="y" * 36, public_key="k", fingerprint="f"
        )


def test_long_poll_waits_for_the_server_and_interrupt_ends_it(
    api_server: FakeNodeApiServer, state: StateDir, registration: Registration
) -> None:
    import threading

    api_server.api.hold = 10.0
    client, _ = signed_client(api_server, state, registration)
    threading.Timer(0.5, client.transport.interrupt).start()
    started = time.monotonic()
    with pytest.raises(TransportError):
        client.get_messages(registration.instance_id)
    assert time.monotonic() - started < 3


def test_node_api_fixture_rejects_what_the_model_rejects() -> None:
    from tests.unit.agent.fake_node_api import MDS_MODEL, SSM_MODEL, ShapeError, validate

    with pytest.raises(ShapeError):
        validate(MDS_MODEL, "GetMessagesRequest", {"Destination": "mi-1", "MessagesRequestId": "x" * 36})
    with pytest.raises(ShapeError):
        validate(
            SSM_MODEL, "UpdateInstanceInformationRequest", {"InstanceId": "mi-0123456789abcdef0", "Bogus": 1}
        )
    with pytest.raises(ShapeError):
        validate(
            SSM_MODEL,
            "UpdateInstanceInformationRequest",
            {"InstanceId": "mi-0123456789abcdef0", "AgentVersion": "3.3"},
        )
    NodeApi()  # constructible without a server
