"""The managed-node protocol of the official SSM Agent (spec/agent-protocol.md), server side."""
