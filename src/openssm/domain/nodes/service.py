"""Managed-node rules: registration, heartbeats, instance information, deregistration, and the
node queries other features use (`require`, `resolve_targets`, `get`).

Registration takes a slot of the activation (one conditional UPDATE, so concurrent registrations
on any number of replicas never exceed its limit), names the node after the activation's
DefaultInstanceName and copies the activation's tags onto it. Deregistration marks the node,
deletes its credentials (every signed request looks them up, so they stop working at once),
withdraws its unacknowledged messages and tells the deregistration listeners (Run Command ends the
node's in-flight invocations), all in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from openssm.core.clock import Clock
from openssm.core.errors import ApiError
from openssm.core.ids import new_managed_instance_id
from openssm.core.paging import PageTokens, query_scope
from openssm.domain.activations.service import ActivationService
from openssm.domain.nodes import credentials, repository
from openssm.domain.nodes.credentials import IssuedCredentials, NodeCredential
from openssm.domain.nodes.filters import FilterKind, InstanceFilter
from openssm.domain.nodes.messages import MessageQueue
from openssm.domain.nodes.models import (
    RESOURCE_TYPE,
    InstanceInformation,
    InstanceInformationPage,
    InstanceReport,
    Node,
    NodeIdentity,
    Registration,
    ping_status,
)
from openssm.domain.nodes.targets import matching_ids, parse_targets
from openssm.domain.tagging.service import TagService
from openssm.store.engine import Database

__all__ = ["DeregistrationListener", "Node", "NodeService", "invalid_instances"]

log = logging.getLogger("openssm.nodes")

INSTANCE_ID_PATTERN = r"mi-[0-9a-f]{17}"
DEFAULT_PAGE_SIZE = 10

DeregistrationListener = Callable[[Connection, str, datetime], None]
"""(connection, instance_id, now): called inside the deregistration transaction."""


def invalid_instances(instance_ids: Iterable[str], account_id: str) -> ApiError:
    """AWS's text for ids that are not registered nodes of the account."""
    listed = ", ".join(instance_ids)
    return ApiError(
        "InvalidInstanceId", f"Instances [[{listed}]] not in a valid state for account {account_id}"
    )


class NodeService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tokens: PageTokens,
        tags: TagService,
        activations: ActivationService,
        queue: MessageQueue,
        *,
        ping_timeout: timedelta,
        token_lifetime: timedelta,
    ) -> None:
        self._db = db
        self._clock = clock
        self._tokens = tokens
        self._tags = tags
        self._activations = activations
        self._queue = queue
        self._ping_timeout = ping_timeout
        self._token_lifetime = token_lifetime
        self._deregistration_listeners: list[DeregistrationListener] = []
        self._credential_cache = credentials.CredentialCache(clock)

    def add_deregistration_listener(self, listener: DeregistrationListener) -> None:
        """`listener(conn, instance_id, now)` runs in the transaction that deregisters a node,
        after its credentials are revoked and its unacknowledged messages withdrawn."""
        self._deregistration_listeners.append(listener)

    def exists(self, conn: Connection, account_id: str, instance_id: str) -> bool:
        """Is this a registered node of the account? (The tag service's check for
        ManagedInstance ids.)"""
        return repository.get(conn, account_id, instance_id) is not None

    # The node protocol (node_api/)

    def register(self, registration: Registration) -> str:
        """RegisterManagedInstance: a new node `mi-…` in the activation's account."""
        now = self._clock.now()
        with self._db.begin() as conn:
            activation = self._activations.consume(
                conn, registration.activation_id, registration.activation_code, now
            )
            instance_id = new_managed_instance_id()
            repository.insert_instance(
                conn,
                {
                    "instance_id": instance_id,
                    "account_id": activation.account_id,
                    "activation_id": activation.activation_id,
                    "iam_role": activation.iam_role,
                    "name": activation.default_instance_name,
                    "fingerprint": registration.fingerprint,
                    "public_key": registration.public_key,
                    "public_key_type": registration.public_key_type,
                    "registration_date": now,
                    "deregistered": False,
                },
            )
            if activation.tags:
                tags = {tag.key: tag.value for tag in activation.tags}
                self._tags.put_tags(conn, activation.account_id, RESOURCE_TYPE, instance_id, tags)
        log.info("node %s registered with activation %s", instance_id, activation.activation_id)
        return instance_id

    def identity(self, instance_id: str) -> NodeIdentity | None:
        """The registered node's public key and fingerprint (None if unknown or deregistered)."""
        with self._db.begin() as conn:
            return repository.identity(conn, instance_id)

    def issue_credentials(self, identity: NodeIdentity) -> IssuedCredentials:
        """Temporary credentials for a node whose signed request was verified."""
        now = self._clock.now()
        with self._db.begin() as conn:
            if repository.identity(conn, identity.instance_id) is None:  # deregistered meanwhile
                raise invalid_instances([identity.instance_id], identity.account_id)
            return credentials.issue(
                conn, identity.instance_id, identity.account_id, now, self._token_lifetime
            )

    def lookup_credential(self, access_key_id: str, session_token: str) -> NodeCredential | None:
        """The node credential a signed request names (None: unknown, expired or revoked)."""
        with self._db.begin() as conn:
            found = credentials.lookup(conn, access_key_id, session_token, self._clock.now())
        if found is None:
            return None
        credential, expires_at = found
        self._credential_cache.put(access_key_id, session_token, credential, expires_at)
        return credential

    def cached_credential(self, access_key_id: str, session_token: str) -> NodeCredential | None:
        """`lookup_credential` from memory, without blocking (None: not known here right now)."""
        return self._credential_cache.get(access_key_id, session_token)

    def replace_public_key(self, identity: NodeIdentity, public_key: str, key_type: str) -> None:
        if public_key == identity.public_key:
            raise ApiError(
                "PublicKeyAlreadyRegistered", "The public key is already registered for this node."
            )
        with self._db.begin() as conn:
            repository.set_public_key(conn, identity.instance_id, public_key, key_type)

    def report(self, instance_id: str, report: InstanceReport) -> None:
        """UpdateInstanceInformation: a heartbeat and what the agent says about itself."""
        with self._db.begin() as conn:
            if not repository.record_report(conn, instance_id, self._clock.now(), asdict(report)):
                raise ApiError("InvalidInstanceId", f"Instance {instance_id} is not registered.")

    # The user API

    def describe(
        self,
        account_id: str,
        filters: Sequence[InstanceFilter],
        max_results: int | None,
        next_token: str | None,
    ) -> InstanceInformationPage:
        scope = query_scope(
            "DescribeInstanceInformation",
            account_id,
            [[f.kind.value, f.tag_key, list(f.values)] for f in filters],
        )
        after = self._tokens.decode(scope, next_token) if next_token else None
        limit = max_results or DEFAULT_PAGE_SIZE
        now = self._clock.now()
        column_filters = [f for f in filters if f.kind not in (FilterKind.TAG, FilterKind.TAG_KEY)]
        with self._db.begin() as conn:
            only_ids = self._tag_filter_ids(conn, account_id, filters)
            found = repository.page(
                conn, account_id, column_filters, only_ids, after, limit + 1, now, self._ping_timeout
            )
        token = None
        if len(found) > limit:
            found = found[:limit]
            token = self._tokens.encode(scope, found[-1].instance_id)
        items = [InstanceInformation(i, ping_status(i.last_ping, now, self._ping_timeout)) for i in found]
        return InstanceInformationPage(items=items, next_token=token)

    def _tag_filter_ids(
        self, conn: Connection, account_id: str, filters: Sequence[InstanceFilter]
    ) -> set[str] | None:
        allowed: set[str] | None = None
        for item in filters:
            if item.kind == FilterKind.TAG:
                assert item.tag_key is not None
                ids = self._tagged(conn, account_id, item.tag_key, item.values)
            elif item.kind == FilterKind.TAG_KEY:
                ids = set()
                for key in item.values:
                    ids |= self._tagged(conn, account_id, key, None)
            else:
                continue
            allowed = ids if allowed is None else allowed & ids
        return allowed

    def _tagged(self, conn: Connection, account_id: str, key: str, values: Iterable[str] | None) -> set[str]:
        return self._tags.resources_matching(conn, account_id, RESOURCE_TYPE, key, values)

    def deregister(self, account_id: str, instance_id: str) -> None:
        now = self._clock.now()
        with self._db.begin() as conn:
            if not repository.mark_deregistered(conn, account_id, instance_id, now):
                raise ApiError("InvalidInstanceId", f"Instance ID {instance_id} is not valid.")
            credentials.revoke_all(conn, instance_id)
            self._queue.withdraw_all(conn, instance_id)
            self._tags.delete_all(conn, account_id, RESOURCE_TYPE, instance_id)
            for listener in self._deregistration_listeners:
                listener(conn, instance_id, now)
        self._credential_cache.evict_instance(instance_id)
        log.info("node %s deregistered", instance_id)

    # Queries for other features (the caller's transaction)

    def get(self, conn: Connection, account_id: str, instance_id: str) -> Node | None:
        """The registered node of the account (None if unknown or deregistered)."""
        found = repository.get(conn, account_id, instance_id)
        return found.as_node(self._clock.now(), self._ping_timeout) if found is not None else None

    def require(
        self, conn: Connection, account_id: str, instance_ids: Sequence[str], now: datetime
    ) -> list[Node]:
        """The named nodes, in the order given. Raises DuplicateInstanceId if an id is listed
        twice, and InvalidInstanceId naming every id that is not a registered node of the
        account (AWS text: `Instances [[mi-…]] not in a valid state for account 123456789012`)."""
        seen: set[str] = set()
        for instance_id in instance_ids:
            if instance_id in seen:
                raise ApiError("DuplicateInstanceId", f"Instance ID {instance_id} is listed more than once.")
            seen.add(instance_id)
        found = {i.instance_id: i for i in repository.get_many(conn, account_id, instance_ids)}
        missing = [instance_id for instance_id in instance_ids if instance_id not in found]
        if missing:
            raise invalid_instances(missing, account_id)
        return [found[instance_id].as_node(now, self._ping_timeout) for instance_id in instance_ids]

    def online_ids(
        self, conn: Connection, account_id: str, instance_ids: Sequence[str], now: datetime
    ) -> set[str]:
        """Which of these nodes are registered and Online at `now`."""
        return repository.online_ids(conn, account_id, instance_ids, now, self._ping_timeout)

    def resolve_targets(
        self, conn: Connection, account_id: str, targets: Sequence[dict[str, Any]], now: datetime
    ) -> list[Node]:
        """The registered nodes of the account that `Targets` names, ordered by instance id
        (see domain/nodes/targets.py for the keys). InvalidTarget for unsupported keys."""
        terms = parse_targets(targets)
        allowed = matching_ids(terms, lambda key, values: self._tagged(conn, account_id, key, values))
        if allowed is None:
            instances = repository.all_live(conn, account_id)
        else:
            instances = repository.get_many(conn, account_id, allowed)
        return [i.as_node(now, self._ping_timeout) for i in instances]
