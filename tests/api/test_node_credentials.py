"""Node credentials on the wire: temporary credentials with a session token pass SigV4 for the
node operations, only about the node itself; they are refused for the user API, user credentials
are refused for node operations, and deregistration revokes them at once."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.databases import database_url
from tests.support.node_client import NodeApiError, NodeClient, NodeCredentials, registered_node
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """This module's server holds an empty GetMessages for 1 s only."""
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    with database_url(backend, tmp) as url:
        process = ServerProcess(tmp / "data", url, "--long-poll-seconds", "1").start()
        try:
            yield process
        finally:
            process.stop()


def node(server: ServerProcess, ssm: Any) -> NodeClient:
    created = ssm.create_activation(IamRole="SSMServiceRole")
    return registered_node(server.endpoint, created["ActivationId"], created["ActivationCode"])


def error_code(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(NodeApiError) as error:
        call(*args, **kwargs)
    return error.value.code


def test_session_credentials_are_accepted_for_the_nodes_own_heartbeat(
    server: ServerProcess, ssm: Any
) -> None:
    me = node(server, ssm)
    me.ping(
        IPAddress="192.0.2.10", ComputerName="web-1.example", PlatformName="Ubuntu", PlatformVersion="24.04"
    )
    [info] = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [me.instance_id]}])[
        "InstanceInformationList"
    ]
    assert (info["PingStatus"], info["IPAddress"], info["ComputerName"]) == (
        "Online",
        "192.0.2.10",
        "web-1.example",
    )


def test_a_node_cannot_report_for_another_node(server: ServerProcess, ssm: Any) -> None:
    me, other = node(server, ssm), node(server, ssm)
    body = {"InstanceId": other.instance_id, "AgentName": "amazon-ssm-agent", "AgentVersion": "3.3.1142.0"}
    assert error_code(me.ssm, "UpdateInstanceInformation", body) == "AccessDeniedException"


def test_session_credentials_are_refused_for_the_user_api(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    assert me.credentials is not None
    as_node = boto3.client(
        "ssm",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=me.credentials.access_key_id,
        aws_secret_access_key=me.credentials.secret_access_key,
        aws_session_token=me.credentials.session_token,
        config=Config(retries={"max_attempts": 1}),
    )
    for call in (as_node.describe_instance_information, as_node.describe_activations):
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == "AccessDeniedException"


def test_user_credentials_are_refused_for_node_operations(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    creds = server.credentials
    user = NodeCredentials(creds["access_key_id"], creds["secret_access_key"], "", 0)
    body = {"InstanceId": me.instance_id, "AgentName": "amazon-ssm-agent", "AgentVersion": "3.3.1142.0"}
    code = error_code(me.send, "AmazonSSM.UpdateInstanceInformation", body, me.signer("ssm", user))
    assert code == "AccessDeniedException"
    poll = {"Destination": me.instance_id, "MessagesRequestId": "7a3f6e0e-0000-4000-8000-000000000000"}
    code = error_code(
        me.send, "EC2WindowsMessageDeliveryService.GetMessages", poll, me.signer("ec2messages", user)
    )
    assert code == "AccessDeniedException"


def test_a_node_cannot_read_another_nodes_messages(server: ServerProcess, ssm: Any) -> None:
    me, other = node(server, ssm), node(server, ssm)
    assert error_code(me.get_messages, destination=other.instance_id) == "AccessDeniedException"


def test_a_forged_session_token_is_refused(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    assert me.credentials is not None
    me.credentials.session_token += "x"
    assert error_code(me.ping) == "UnrecognizedClientException"


def test_deregistration_revokes_the_nodes_credentials_at_once(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    me.ping()
    ssm.deregister_managed_instance(InstanceId=me.instance_id)
    assert error_code(me.ping) == "UnrecognizedClientException"
    assert error_code(me.get_messages) == "UnrecognizedClientException"


def test_a_refreshed_token_leaves_the_previous_one_valid_until_it_expires(
    server: ServerProcess, ssm: Any
) -> None:
    me = node(server, ssm)
    previous = me.credentials
    me.request_token()
    assert me.credentials != previous
    me.ping()
    me.credentials = previous
    me.ping()


def test_unknown_message_ids_are_invalid_message_id(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    missing = f"aws.ssm.00000000-0000-4000-8000-000000000000.{me.instance_id}"
    for call in (me.acknowledge, me.fail, me.delete):
        assert error_code(call, missing) == "InvalidMessageIdException"
    assert error_code(me.reply, missing, {"documentStatus": "InProgress"}) == "InvalidMessageIdException"


def test_an_empty_long_poll_answers_empty_with_the_request_echoed(server: ServerProcess, ssm: Any) -> None:
    me = node(server, ssm)
    result = me.get_messages()
    assert result["Destination"] == me.instance_id
    assert result["Messages"] == []
    assert result["MessagesRequestId"]


def test_session_manager_channels_are_never_answered_successfully(server: ServerProcess) -> None:
    for method, path in (("POST", "/v1/control-channel/mi-0123456789abcdef0"), ("GET", "/v1/data-channel/x")):
        request = urllib.request.Request(
            server.endpoint + path, data=b"{}" if method == "POST" else None, method=method
        )
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code >= 400
    me = NodeClient(server.endpoint)
    with pytest.raises(NodeApiError) as failure:
        me.send("AmazonSSMMessageGatewayService.CreateControlChannel", {}, None)
    assert failure.value.status >= 400
