"""DescribeInstanceInformation (every field, every filter key, paging), tags on ManagedInstance
and DeregisterManagedInstance, through boto3 against a live server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique
from tests.support.databases import database_url
from tests.support.node_client import NodeClient, registered_node
from tests.support.server import ServerProcess


def fleet(server: ServerProcess, ssm: Any, count: int, **activation: Any) -> tuple[str, list[NodeClient]]:
    created = ssm.create_activation(
        IamRole=activation.pop("IamRole", "SSMServiceRole"), RegistrationLimit=count, **activation
    )
    nodes = [
        registered_node(server.endpoint, created["ActivationId"], created["ActivationCode"])
        for _ in range(count)
    ]
    return created["ActivationId"], nodes


def describe(ssm: Any, **kwargs: Any) -> list[dict[str, Any]]:
    pages = ssm.get_paginator("describe_instance_information").paginate(**kwargs)
    return [item for page in pages for item in page["InstanceInformationList"]]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["InstanceId"] for item in items]


def error_code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return str(error.value.response["Error"]["Code"])


def test_every_field_the_agent_reports_is_described(server: ServerProcess, ssm: Any) -> None:
    name = unique("web")
    activation_id, [node] = fleet(server, ssm, 1, IamRole="service-role/Hybrid", DefaultInstanceName=name)
    node.ping(
        AgentVersion="3.3.1142.0",
        PlatformType="Linux",
        PlatformName="Ubuntu",
        PlatformVersion="24.04",
        IPAddress="192.0.2.7",
        ComputerName="web-7.example",
        AgentStatus="Active",
    )
    [info] = describe(ssm, Filters=[{"Key": "ActivationIds", "Values": [activation_id]}])
    assert info["InstanceId"] == node.instance_id
    assert info["PingStatus"] == "Online"
    assert info["AgentVersion"] == "3.3.1142.0"
    assert info["IsLatestVersion"] is True
    assert (info["PlatformType"], info["PlatformName"], info["PlatformVersion"]) == (
        "Linux",
        "Ubuntu",
        "24.04",
    )
    assert (info["ActivationId"], info["IamRole"], info["Name"]) == (
        activation_id,
        "service-role/Hybrid",
        name,
    )
    assert (info["IPAddress"], info["ComputerName"]) == ("192.0.2.7", "web-7.example")
    assert info["ResourceType"] == "ManagedInstance"
    assert (info["SourceId"], info["SourceType"]) == (node.instance_id, "AWS::SSM::ManagedInstance")
    assert info["RegistrationDate"] <= info["LastPingDateTime"]
    assert "AssociationStatus" not in info


def test_a_registered_node_that_never_pinged_is_connection_lost(server: ServerProcess, ssm: Any) -> None:
    activation_id, [node] = fleet(server, ssm, 1)
    [info] = describe(
        ssm, InstanceInformationFilterList=[{"key": "ActivationIds", "valueSet": [activation_id]}]
    )
    assert info["PingStatus"] == "ConnectionLost"
    assert "LastPingDateTime" not in info


def test_pages_of_five_cover_every_node_once_in_order(server: ServerProcess, ssm: Any) -> None:
    activation_id, nodes = fleet(server, ssm, 7)
    selection = [{"Key": "ActivationIds", "Values": [activation_id]}]
    first = ssm.describe_instance_information(Filters=selection, MaxResults=5)
    assert len(first["InstanceInformationList"]) == 5 and first["NextToken"]
    listed = describe(ssm, Filters=selection, PaginationConfig={"PageSize": 5})
    assert ids(listed) == sorted(n.instance_id for n in nodes)


def test_max_results_is_between_5_and_50(server: ServerProcess) -> None:
    unchecked = server.client("ssm", parameter_validation=False)
    for value in (4, 51):
        assert error_code(unchecked.describe_instance_information, MaxResults=value) == "ValidationException"


def test_column_filters_combine_and_their_values_are_alternatives(server: ServerProcess, ssm: Any) -> None:
    activation_id, nodes = fleet(server, ssm, 3)
    nodes[0].ping(PlatformType="Linux", AgentVersion="3.3.1142.0")
    nodes[1].ping(PlatformType="Windows", AgentVersion="3.3.987.0")
    by_activation = {"Key": "ActivationIds", "Values": [activation_id]}

    def select(*filters: dict[str, Any]) -> list[str]:
        return ids(describe(ssm, Filters=[by_activation, *filters]))

    expected_online = sorted([nodes[0].instance_id, nodes[1].instance_id])
    assert select({"Key": "PingStatus", "Values": ["Online"]}) == expected_online
    assert select({"Key": "PingStatus", "Values": ["ConnectionLost"]}) == [nodes[2].instance_id]
    assert select({"Key": "PlatformType", "Values": ["Windows"]}) == [nodes[1].instance_id]
    assert select({"Key": "AgentVersion", "Values": ["3.3.1142.0", "3.3.987.0"]}) == expected_online
    assert select({"Key": "InstanceIds", "Values": [nodes[2].instance_id]}) == [nodes[2].instance_id]
    assert select({"Key": "SourceIds", "Values": [nodes[1].instance_id]}) == [nodes[1].instance_id]
    assert select({"Key": "ResourceType", "Values": ["ManagedInstance"]}) == sorted(
        n.instance_id for n in nodes
    )
    assert select({"Key": "ResourceType", "Values": ["EC2Instance"]}) == []
    assert select({"Key": "SourceTypes", "Values": ["AWS::SSM::ManagedInstance"]}) == sorted(
        n.instance_id for n in nodes
    )
    assert select({"Key": "IamRole", "Values": ["SSMServiceRole"]}) == sorted(n.instance_id for n in nodes)
    assert select({"Key": "AssociationStatus", "Values": ["Success"]}) == []
    legacy = describe(
        ssm,
        InstanceInformationFilterList=[
            {"key": "ActivationIds", "valueSet": [activation_id]},
            {"key": "PlatformTypes", "valueSet": ["Linux"]},
        ],
    )
    assert ids(legacy) == [nodes[0].instance_id]


def test_filter_errors_are_the_ones_aws_gives(server: ServerProcess, ssm: Any) -> None:
    call = ssm.describe_instance_information
    assert error_code(call, Filters=[{"Key": "Colour", "Values": ["x"]}]) == "InvalidFilterKey"
    assert error_code(call, Filters=[{"Key": "PingStatus", "Values": ["Asleep"]}]) == (
        "InvalidInstanceInformationFilterValue"
    )
    assert error_code(
        call, Filters=[{"Key": "ResourceType", "Values": ["ManagedInstance", "EC2Instance"]}]
    ) == ("InvalidInstanceInformationFilterValue")
    mixed = [{"Key": "tag:Role", "Values": ["web"]}, {"Key": "PingStatus", "Values": ["Online"]}]
    assert error_code(call, Filters=mixed) == "ValidationException"
    both = {
        "Filters": [{"Key": "PingStatus", "Values": ["Online"]}],
        "InstanceInformationFilterList": [{"key": "PingStatus", "valueSet": ["Online"]}],
    }
    assert error_code(call, **both) == "ValidationException"


def test_nodes_are_tagged_listed_untagged_and_found_by_tag(server: ServerProcess, ssm: Any) -> None:
    role = unique("role")
    _, nodes = fleet(server, ssm, 3)
    web = sorted(n.instance_id for n in nodes[:2])
    for instance_id in web:
        ssm.add_tags_to_resource(
            ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": role, "Value": "web"}]
        )
    ssm.add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=nodes[2].instance_id, Tags=[{"Key": role, "Value": "db"}]
    )
    assert ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=web[0])["TagList"] == [
        {"Key": role, "Value": "web"}
    ]
    assert ids(describe(ssm, Filters=[{"Key": f"tag:{role}", "Values": ["web"]}])) == web
    assert len(describe(ssm, Filters=[{"Key": "tag-key", "Values": [role]}])) == 3

    ssm.remove_tags_from_resource(ResourceType="ManagedInstance", ResourceId=web[0], TagKeys=[role])
    assert ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=web[0])["TagList"] == []
    assert ids(describe(ssm, Filters=[{"Key": f"tag:{role}", "Values": ["web"]}])) == web[1:]


def test_activation_tags_are_on_the_nodes_that_register_with_it(server: ServerProcess, ssm: Any) -> None:
    team = unique("team")
    _, [node] = fleet(server, ssm, 1, Tags=[{"Key": "Team", "Value": team}])
    assert ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=node.instance_id)[
        "TagList"
    ] == [{"Key": "Team", "Value": team}]
    assert ids(describe(ssm, Filters=[{"Key": "tag:Team", "Values": [team]}])) == [node.instance_id]


def test_tags_need_an_existing_node_id(ssm: Any) -> None:
    for resource_id in ("mi-00000000000000000", "i-0123456789abcdef0", "web"):
        code = error_code(
            ssm.add_tags_to_resource,
            ResourceType="ManagedInstance",
            ResourceId=resource_id,
            Tags=[{"Key": "a", "Value": "b"}],
        )
        assert code == "InvalidResourceId"


def test_deregistered_nodes_are_omitted_and_cannot_be_deregistered_twice(
    server: ServerProcess, ssm: Any
) -> None:
    activation_id, nodes = fleet(server, ssm, 2)
    ssm.deregister_managed_instance(InstanceId=nodes[0].instance_id)
    assert ids(describe(ssm, Filters=[{"Key": "ActivationIds", "Values": [activation_id]}])) == [
        nodes[1].instance_id
    ]
    assert error_code(ssm.deregister_managed_instance, InstanceId=nodes[0].instance_id) == "InvalidInstanceId"
    assert (
        error_code(ssm.deregister_managed_instance, InstanceId="mi-00000000000000000") == "InvalidInstanceId"
    )
    code = error_code(
        ssm.list_tags_for_resource, ResourceType="ManagedInstance", ResourceId=nodes[0].instance_id
    )
    assert code == "InvalidResourceId"


def test_nodes_of_another_account_are_not_visible(backend: str, tmp_path: Path) -> None:
    config = tmp_path / "openssm.toml"
    config.write_text(
        '[[principals]]\naccess_key_id = "AKIAOTHERACCOUNT0001"\n'
        'secret_access_key = "other-secret"\naccount_id = "210987654321"\n'
    )
    with database_url(backend, tmp_path) as url:
        server = ServerProcess(tmp_path / "data", url, "--config", str(config)).start()
        try:
            mine = server.client("ssm")
            theirs = server.client(
                "ssm", aws_access_key_id="AKIAOTHERACCOUNT0001", aws_secret_access_key="other-secret"
            )
            _, [node] = fleet(server, mine, 1)
            assert ids(describe(mine)) == [node.instance_id]
            assert describe(theirs) == []
            assert (
                error_code(theirs.deregister_managed_instance, InstanceId=node.instance_id)
                == "InvalidInstanceId"
            )
            code = error_code(
                theirs.list_tags_for_resource, ResourceType="ManagedInstance", ResourceId=node.instance_id
            )
            assert code == "InvalidResourceId"
        finally:
            server.stop()
