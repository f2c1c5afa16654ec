"""openssm-agent: the node agent of openssm.

It speaks the managed-node protocol of the official AWS SSM Agent (spec/agent-protocol.md):
registration with an activation, RSA-signed credential requests, UpdateInstanceInformation
heartbeats and the ec2messages long poll for Run Command. It stands alone: it imports nothing
from openssm outside this package, and needs only the standard library and `cryptography`.
"""

AGENT_NAME = "openssm-agent"
"""Reported as `AgentName` and as `additionalInfo.agent.name` in replies."""

AGENT_VERSION = "3.3.0.0"
"""Reported as `AgentVersion` (must match `^[0-9]{1,6}(\\.[0-9]{1,6}){2,3}$`). The 3.3 line is the
release line of the official agent whose protocol this agent speaks."""

__all__ = ["AGENT_NAME", "AGENT_VERSION"]
