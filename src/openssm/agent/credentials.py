"""Temporary credentials for the node: requested with the RSA key, refreshed at half lifetime.

Like the official agent (common/identity/credentialproviders/onpremprovider), credentials are
treated as expiring at half of their remaining lifetime when they were issued, so a refresh can
survive transient network problems before the real expiry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from openssm.agent.client import Credentials, NodeClient

log = logging.getLogger(__name__)


class NodeKeyLike(Protocol):
    """The node's private key as the provider needs it (see identity.NodeKey)."""

    def sign(self, message: str) -> str: ...

    def rotate(self, client: NodeClient, instance_id: str) -> None: ...


class CredentialProvider:
    """Thread-safe holder of the current credentials; `get()` refreshes when due."""

    def __init__(
        self,
        client: NodeClient,
        *,
        instance_id: str,
        fingerprint: str,
        key: NodeKeyLike,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.instance_id = instance_id
        self.fingerprint = fingerprint
        self.key = key
        self.now = now
        self._lock = threading.Lock()
        self._current: Credentials | None = None
        self._refresh_at = 0.0

    def get(self) -> Credentials:
        with self._lock:
            if self._current is None or self.now() >= self._refresh_at:
                self._refresh()
            assert self._current is not None
            return self._current

    def invalidate(self) -> None:
        """Forget the credentials (the server rejected them); the next `get()` asks again."""
        with self._lock:
            self._current = None

    def _refresh(self) -> None:
        issued = self.now()
        creds = self.client.request_role_token(
            instance_id=self.instance_id, fingerprint=self.fingerprint, rsa_signer=self.key.sign
        )
        lifetime = max(0.0, creds.expires_at - issued)
        self._current = creds
        self._refresh_at = issued + lifetime / 2
        log.info(
            "obtained credentials for %s, valid %.0f s, refresh in %.0f s",
            self.instance_id,
            lifetime,
            lifetime / 2,
        )
        if creds.update_key_pair:
            # The official agent rotates when asked (UpdateManagedInstancePublicKey, signed with
            # the old key); a failed rotation keeps the old key and is retried on the next refresh.
            try:
                self.key.rotate(self.client, self.instance_id)
            except Exception:
                log.exception("key rotation failed; keeping the current key")
