"""Managed-node values: the stored node, the `Node` other features see, and PingStatus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

RESOURCE_TYPE = "ManagedInstance"
"""The ResourceType of every openssm node, and the tag resource type of nodes."""

SOURCE_TYPE = "AWS::SSM::ManagedInstance"


class PingStatus(StrEnum):
    ONLINE = "Online"
    CONNECTION_LOST = "ConnectionLost"
    INACTIVE = "Inactive"  # deprecated by AWS; never reported


def ping_status(last_ping: datetime | None, now: datetime, timeout: timedelta) -> PingStatus:
    """Online while the last heartbeat is at most `timeout` old; a node that never sent one is
    ConnectionLost."""
    if last_ping is not None and now - last_ping <= timeout:
        return PingStatus.ONLINE
    return PingStatus.CONNECTION_LOST


@dataclass(frozen=True)
class Node:
    """A registered (not deregistered) managed node, as Run Command and other features see it."""

    instance_id: str
    account_id: str
    name: str | None
    platform_type: str | None
    """Windows | Linux | MacOS, as last reported by the agent (None before its first report)."""
    platform_name: str | None
    ping_status: str
    """PingStatus value at the instant the node was read."""
    last_ping: datetime | None
    computer_name: str | None
    ip_address: str | None


@dataclass(frozen=True, slots=True)
class ManagedInstance:
    """Everything stored about a node."""

    instance_id: str
    account_id: str
    activation_id: str
    iam_role: str
    name: str | None
    registration_date: datetime
    last_ping: datetime | None
    agent_name: str | None
    agent_version: str | None
    agent_status: str | None
    platform_type: str | None
    platform_name: str | None
    platform_version: str | None
    ip_address: str | None
    computer_name: str | None

    def as_node(self, now: datetime, timeout: timedelta) -> Node:
        return Node(
            instance_id=self.instance_id,
            account_id=self.account_id,
            name=self.name,
            platform_type=self.platform_type,
            platform_name=self.platform_name,
            ping_status=ping_status(self.last_ping, now, timeout).value,
            last_ping=self.last_ping,
            computer_name=self.computer_name,
            ip_address=self.ip_address,
        )


@dataclass(frozen=True, slots=True)
class NodeIdentity:
    """What the node protocol checks a node's RSA-signed requests against."""

    instance_id: str
    account_id: str
    fingerprint: str
    public_key: str
    """Base64 DER SubjectPublicKeyInfo."""


@dataclass(frozen=True, slots=True)
class Registration:
    """RegisterManagedInstance, as the agent sends it."""

    activation_id: str
    activation_code: str
    public_key: str
    public_key_type: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class InstanceReport:
    """UpdateInstanceInformation: what the agent says about itself (None = not reported)."""

    agent_name: str | None = None
    agent_version: str | None = None
    agent_status: str | None = None
    platform_type: str | None = None
    platform_name: str | None = None
    platform_version: str | None = None
    ip_address: str | None = None
    computer_name: str | None = None


@dataclass(frozen=True, slots=True)
class InstanceInformation:
    """One DescribeInstanceInformation entry."""

    instance: ManagedInstance
    ping_status: PingStatus


@dataclass(frozen=True, slots=True)
class InstanceInformationPage:
    items: list[InstanceInformation]
    next_token: str | None
