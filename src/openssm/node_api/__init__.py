"""The official SSM agent's protocol (spec/agent-protocol.md), server side: registration, the
RSA-signed credential request, instance information, and ec2messages (long poll, acknowledge,
reply, fail, delete). Served from our supplementary botocore-format models
(`protocol/models/ssm-agent.json`, `ec2messages.json`) by the same gateway as the public API."""
