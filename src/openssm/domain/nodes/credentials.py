"""Managed nodes' temporary credentials (what RequestManagedInstanceRoleToken hands out).

An access key id (`ASIA…`), a secret and a session token, valid for the configured lifetime. The
secret is stored as is (SigV4 verification needs it); the session token only as its SHA-256. Every
signed node request looks its credentials up here, so deleting a node's rows revokes them at once,
on every replica.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, bindparam, delete, insert, select

from openssm.core.clock import Clock
from openssm.store.schema.nodes import node_credentials as nc

_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Read on every signed node request: built once, so SQLAlchemy reuses its cache key.
_BY_ACCESS_KEY = select(nc).where(nc.c.access_key_id == bindparam("access_key_id"))


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NodeCredential:
    """A valid credential found for a signed request."""

    instance_id: str
    account_id: str
    secret_access_key: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    conn: Connection, instance_id: str, account_id: str, now: datetime, lifetime: timedelta
) -> IssuedCredentials:
    """New credentials for the node; its expired ones are dropped (unexpired ones stay valid, so
    requests in flight during a refresh still pass)."""
    conn.execute(delete(nc).where(and_(nc.c.instance_id == instance_id, nc.c.expires_at <= now)))
    issued = IssuedCredentials(
        access_key_id="ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
        secret_access_key=secrets.token_urlsafe(30),
        session_token=secrets.token_urlsafe(48),
        expires_at=now + lifetime,
    )
    conn.execute(
        insert(nc).values(
            access_key_id=issued.access_key_id,
            instance_id=instance_id,
            account_id=account_id,
            secret_access_key=issued.secret_access_key,
            session_token_hash=_token_hash(issued.session_token),
            issued_at=now,
            expires_at=issued.expires_at,
        )
    )
    return issued


def lookup(
    conn: Connection, access_key_id: str, session_token: str, now: datetime
) -> tuple[NodeCredential, datetime] | None:
    """The credential for a signed request and its expiry, or None if unknown, expired, revoked
    or the session token does not match."""
    row = conn.execute(_BY_ACCESS_KEY, {"access_key_id": access_key_id}).mappings().first()
    if row is None or row["expires_at"] <= now:
        return None
    if not hmac.compare_digest(row["session_token_hash"], _token_hash(session_token)):
        return None
    return NodeCredential(row["instance_id"], row["account_id"], row["secret_access_key"]), row["expires_at"]


def revoke_all(conn: Connection, instance_id: str) -> None:
    conn.execute(delete(nc).where(nc.c.instance_id == instance_id))


def purge_expired(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(nc).where(nc.c.expires_at <= now)).rowcount


class CredentialCache:
    """Recently verified node credentials, so a busy node's requests skip the database.

    An entry lives `ttl` seconds (never past the credential's expiry). Deregistration in this
    process evicts the node's entries at once; another replica may accept a revoked credential for
    at most `ttl` seconds. Read from the event loop, written from the database thread: plain dict
    operations, atomic under the GIL.
    """

    def __init__(self, clock: Clock, ttl: float = 5.0) -> None:
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[str, tuple[NodeCredential, str, float, datetime]] = {}

    def get(self, access_key_id: str, session_token: str) -> NodeCredential | None:
        entry = self._entries.get(access_key_id)
        if entry is None:
            return None
        credential, token_hash, fresh_until, expires_at = entry
        if self._clock.monotonic() >= fresh_until or self._clock.now() >= expires_at:
            self._entries.pop(access_key_id, None)
            return None
        if not hmac.compare_digest(token_hash, _token_hash(session_token)):
            return None
        return credential

    def put(
        self, access_key_id: str, session_token: str, credential: NodeCredential, expires_at: datetime
    ) -> None:
        fresh_until = self._clock.monotonic() + self._ttl
        self._entries[access_key_id] = (credential, _token_hash(session_token), fresh_until, expires_at)

    def evict_instance(self, instance_id: str) -> None:
        for key, entry in list(self._entries.items()):
            if entry[0].instance_id == instance_id:
                self._entries.pop(key, None)
