"""Who sent this request: SigV4 verification against API principals and node credentials.

API principals come from settings (and the generated default credentials). Managed nodes sign
with temporary credentials plus `X-Amz-Security-Token`; those are looked up through
`NodeCredentialLookup`, provided by the node API, on every request, so a deregistered node is
refused at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from openssm.core.clock import Clock
from openssm.core.context import Principal
from openssm.protocol import sigv4

log = logging.getLogger("openssm.auth")


@dataclass(frozen=True, slots=True)
class Credential:
    secret_access_key: str
    principal: Principal


NodeCredentialLookup = Callable[[str, str], Credential | None]
"""(access key id, session token) -> the node's credential, or None. Blocking (database)."""

RunBlocking = Callable[..., Awaitable[Credential | None]]


class Authenticator:
    def __init__(
        self,
        users: dict[str, Credential],
        clock: Clock,
        *,
        default_principal: Principal,
        disabled: bool = False,
    ) -> None:
        self._users = users
        self._clock = clock
        self._default = default_principal
        self._disabled = disabled
        self._node_lookup: NodeCredentialLookup | None = None
        self._node_cached: NodeCredentialLookup | None = None
        if disabled:
            log.warning(
                "SigV4 authentication is DISABLED (--dev-disable-auth): every request without a node token "
                "acts as %s in account %s. Never run like this outside development.",
                default_principal.access_key_id,
                default_principal.account_id,
            )

    def set_node_lookup(
        self, lookup: NodeCredentialLookup, cached: NodeCredentialLookup | None = None
    ) -> None:
        """`lookup` reads the database (run off the event loop); `cached`, if given, answers
        from memory without blocking and is asked first."""
        self._node_lookup = lookup
        self._node_cached = cached

    async def authenticate(
        self, request: sigv4.SignedRequest, signing_name: str, run_blocking: RunBlocking
    ) -> Principal:
        token = request.headers.get("x-amz-security-token")
        if self._disabled and not token:
            return self._default
        auth, amz_date = sigv4.check_request(request, self._clock.now(), signing_name)
        credential: Credential | None
        if token:
            if self._node_lookup is None:
                raise sigv4.unrecognized_client()
            credential = self._node_cached(auth.access_key_id, token) if self._node_cached else None
            if credential is None:
                credential = await run_blocking(self._node_lookup, auth.access_key_id, token)
        else:
            credential = self._users.get(auth.access_key_id)
        if credential is None:
            raise sigv4.unrecognized_client()
        sigv4.check_signature(request, auth, amz_date, credential.secret_access_key)
        return credential.principal
