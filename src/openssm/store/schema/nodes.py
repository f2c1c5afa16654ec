"""Activations, managed nodes, their credentials and the ec2messages queue (with seen reply ids)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from openssm.store.schema.base import Json, UtcDateTime, metadata

activations = Table(
    "activations",
    metadata,
    Column("activation_id", String(36), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column(
        "code_hash", String(64), nullable=False
    ),  # SHA-256 of the activation code; the code is never stored
    Column("description", String(256)),
    Column("default_instance_name", String(256)),
    Column("iam_role", String(64), nullable=False),
    Column("registration_limit", Integer, nullable=False),
    Column("registrations_count", Integer, nullable=False, default=0),
    Column("expiration_date", UtcDateTime, nullable=False),
    Column("created_date", UtcDateTime, nullable=False),
    Column("tags", Json, nullable=False),  # [{"Key","Value"}] applied to nodes that register
    Column("registration_metadata", Json, nullable=False),  # accepted and kept, not used
    # A deleted activation's row is removed: registrations with it then fail like an unknown one.
    Index("ix_activations_account", "account_id", "created_date", "activation_id"),
)

managed_instances = Table(
    "managed_instances",
    metadata,
    Column("instance_id", String(20), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("activation_id", String(36), nullable=False),
    Column("iam_role", String(64), nullable=False),
    Column("name", String(256)),
    Column("fingerprint", String(256), nullable=False),
    Column("public_key", Text, nullable=False),  # base64 DER SubjectPublicKeyInfo
    Column("public_key_type", String(16), nullable=False),
    Column("registration_date", UtcDateTime, nullable=False),
    Column("last_ping", UtcDateTime),
    Column("agent_name", String(64)),
    Column("agent_version", String(32)),
    Column("agent_status", String(32)),
    Column("platform_type", String(16)),
    Column("platform_name", String(128)),
    Column("platform_version", String(128)),
    Column("ip_address", String(46)),
    Column("computer_name", String(255)),
    Column("deregistered", Boolean, nullable=False, default=False),
    Column("deregistered_date", UtcDateTime),
    Index("ix_managed_instances_account", "account_id", "deregistered", "instance_id"),
)

node_credentials = Table(
    "node_credentials",
    metadata,
    Column("access_key_id", String(32), primary_key=True),
    Column("instance_id", String(20), nullable=False, index=True),
    Column("account_id", String(12), nullable=False),
    # The secret is kept as is: SigV4 verification needs it. The session token is only compared,
    # so only its SHA-256 is kept.
    Column("secret_access_key", String(64), nullable=False),
    Column("session_token_hash", String(64), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

node_messages = Table(
    "node_messages",
    metadata,
    Column("message_id", String(128), primary_key=True),  # aws.ssm.<CommandId>.<InstanceId>
    Column("instance_id", String(20), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # the JSON text sent as `Payload`
    Column("created_date", UtcDateTime, nullable=False),
    Column("visible_at", UtcDateTime, nullable=False),  # due column: deliverable from this instant
    Column("expires_at", UtcDateTime, nullable=False, index=True),  # never delivered after this instant
    Column("delivery_count", Integer, nullable=False, default=0),
    # queued | delivered | acknowledged | failed | deleted | withdrawn (see domain/nodes/messages.py)
    Column("state", String(16), nullable=False),
    Column("acknowledged_date", UtcDateTime),
    Index("ix_node_messages_due", "instance_id", "state", "visible_at"),
)

node_replies = Table(
    "node_replies",
    metadata,
    Column("message_id", String(128), primary_key=True),
    Column("reply_id", String(64), primary_key=True),
    Column("received_date", UtcDateTime, nullable=False, index=True),
)
