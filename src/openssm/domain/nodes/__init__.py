"""Managed nodes: registration, instance information, deregistration, target resolution, the node
credentials and the ec2messages queue. The wire side of the node protocol is in `node_api/`."""
