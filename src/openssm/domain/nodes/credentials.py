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


def lookup(conn: Connection, access_key_id: str, session_token: str, now: datetime) -> NodeCredential | None:
    """The credential for a signed request, or None if unknown, expired, revoked or the session
    token does not match."""
    row = conn.execute(_BY_ACCESS_KEY, {"access_key_id": access_key_id}).mappings().first()
    if row is None or row["expires_at"] <= now:
        return None
    if not hmac.compare_digest(row["session_token_hash"], _token_hash(session_token)):
        return None
    return NodeCredential(row["instance_id"], row["account_id"], row["secret_access_key"])


def revoke_all(conn: Connection, instance_id: str) -> None:
    conn.execute(delete(nc).where(nc.c.instance_id == instance_id))


def purge_expired(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(nc).where(nc.c.expires_at <= now)).rowcount
