"""Who this node is: registration with an activation, and the RSA key that proves it."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from openssm.agent import keys
from openssm.agent.client import NodeClient
from openssm.agent.state import Registration, StateDir

log = logging.getLogger(__name__)

# The official agent refuses these locally before calling the server (spec/agent-protocol.md).
MIN_ACTIVATION_CODE_LENGTH = 20
ACTIVATION_ID_LENGTH = 36


class RegistrationError(Exception):
    """Registration cannot proceed (bad input, or already registered without --force)."""


class NodeKey:
    """The node's private key, persisted in the state directory."""

    def __init__(self, state: StateDir, key: rsa.RSAPrivateKey) -> None:
        self.state = state
        self._key = key
        self._lock = threading.Lock()

    @classmethod
    def load(cls, state: StateDir) -> NodeKey:
        return cls(state, keys.load_private_key(state.load_private_key_pem()))

    def sign(self, message: str) -> str:
        with self._lock:
            key = self._key
        return keys.sign_pss(key, message)

    def public_key(self) -> str:
        with self._lock:
            return keys.public_key_base64(self._key)

    def rotate(self, client: NodeClient, instance_id: str) -> None:
        """Register a new public key (signed with the old one), then switch to the new key."""
        new_key = keys.generate_private_key()
        client.update_managed_instance_public_key(
            instance_id=instance_id, new_public_key=keys.public_key_base64(new_key), rsa_signer=self.sign
        )
        self.state.save_private_key_pem(keys.private_key_pem(new_key))
        with self._lock:
            self._key = new_key
        log.info("rotated the node key of %s", instance_id)


def validate_activation(activation_id: str, activation_code: str) -> None:
    if len(activation_code) < MIN_ACTIVATION_CODE_LENGTH:
        raise RegistrationError(
            f"the activation code must be at least {MIN_ACTIVATION_CODE_LENGTH} characters long"
        )
    try:
        uuid.UUID(activation_id)
    except ValueError:
        raise RegistrationError("the activation id must be a UUID (36 characters)") from None
    if len(activation_id) != ACTIVATION_ID_LENGTH:
        raise RegistrationError("the activation id must be a UUID (36 characters)")


def register(
    state: StateDir,
    client: NodeClient,
    *,
    server_url: str,
    region: str,
    activation_id: str,
    activation_code: str,
    ca_file: str | None = None,
    force: bool = False,
) -> Registration:
    """Register this node with an activation; persist the key and registration.json."""
    existing = state.load_registration()
    if existing is not None and not force:
        raise RegistrationError(
            f"already registered as {existing.instance_id} with {existing.server_url} "
            f"(state directory {state.root}); use --force to register again"
        )
    validate_activation(activation_id, activation_code)
    state.ensure()
    key = keys.generate_private_key()
    fingerprint = str(uuid.uuid4())
    instance_id = client.register_managed_instance(
        activation_code=activation_code,
        activation_id=activation_id,
        public_key=keys.public_key_base64(key),
        fingerprint=fingerprint,
    )
    # Key first: a registration.json must never point at a key that is not on disk.
    state.save_private_key_pem(keys.private_key_pem(key))
    registration = Registration(
        instance_id=instance_id,
        server_url=server_url,
        region=region,
        fingerprint=fingerprint,
        registered_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ca_file=ca_file,
    )
    state.save_registration(registration)
    return registration
