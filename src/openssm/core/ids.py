"""Identifier formats of SSM (spec §9): UUIDs, `mi-`/`mw-` ids, activation codes."""

from __future__ import annotations

import secrets
import uuid
from typing import NewType

CommandId = NewType("CommandId", str)
InstanceId = NewType("InstanceId", str)
ActivationId = NewType("ActivationId", str)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_command_id() -> CommandId:
    return CommandId(new_uuid())


def new_managed_instance_id() -> InstanceId:
    """`mi-` followed by 17 lowercase hex digits."""
    return InstanceId("mi-" + secrets.token_hex(9)[:17])


def new_window_id() -> str:
    return "mw-" + secrets.token_hex(9)[:17]


def new_activation_id() -> ActivationId:
    return ActivationId(new_uuid())


def new_activation_code() -> str:
    """A 20-character code (the official agent rejects shorter ones)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(secrets.choice(alphabet) for _ in range(20))


def new_secret(n_bytes: int = 30) -> str:
    return secrets.token_urlsafe(n_bytes)
