"""Wire <-> domain for the user-facing node operations: DescribeInstanceInformation and
DeregisterManagedInstance."""

from __future__ import annotations

from typing import Any

from openssm.core.context import RequestContext
from openssm.domain.nodes.filters import parse_filters
from openssm.domain.nodes.models import RESOURCE_TYPE, SOURCE_TYPE, InstanceInformation
from openssm.domain.nodes.service import NodeService
from openssm.protocol.registry import operation


def information_to_wire(item: InstanceInformation) -> dict[str, Any]:
    node = item.instance
    return {
        "InstanceId": node.instance_id,
        "PingStatus": item.ping_status.value,
        "LastPingDateTime": node.last_ping,
        "AgentVersion": node.agent_version,
        # openssm does not track agent releases: every agent counts as the latest (unconfirmed).
        "IsLatestVersion": True,
        "PlatformType": node.platform_type,
        "PlatformName": node.platform_name,
        "PlatformVersion": node.platform_version,
        "ActivationId": node.activation_id,
        "IamRole": node.iam_role,
        "RegistrationDate": node.registration_date,
        "ResourceType": RESOURCE_TYPE,
        "Name": node.name,
        "IPAddress": node.ip_address,
        "ComputerName": node.computer_name,
        "SourceId": node.instance_id,
        "SourceType": SOURCE_TYPE,
    }


class NodeHandlers:
    def __init__(self, service: NodeService) -> None:
        self._service = service

    @operation("DescribeInstanceInformation")
    def describe_instance_information(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        legacy = [(f["key"], f["valueSet"]) for f in params.get("InstanceInformationFilterList") or ()]
        string_filters = [(f["Key"], f["Values"]) for f in params.get("Filters") or ()]
        filters = parse_filters(legacy, string_filters)
        page = self._service.describe(
            ctx.account_id, filters, params.get("MaxResults"), params.get("NextToken")
        )
        return {
            "InstanceInformationList": [information_to_wire(item) for item in page.items],
            "NextToken": page.next_token,
        }

    @operation("DeregisterManagedInstance")
    def deregister_managed_instance(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._service.deregister(ctx.account_id, params["InstanceId"])
        return {}
