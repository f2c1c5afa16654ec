"""Who sent this request: SigV4 verification against API principals and node credentials.

API principals come from settings (and the generated default credentials). Managed nodes sign
with temporary credentials plus `X-Amz-Security-Token`; those are looked up through
`NodeCredentialLookup`, provided by the node API, on every request, so a deregistered node is
refused at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from openssm.core.clock import Clock
from openssm.core.context import Principal
from openssm.core.errors import ApiError
from openssm.protocol import sigv4


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

    def set_node_lookup(self, lookup: NodeCredentialLookup) -> None:
        self._node_lookup = lookup

    async def authenticate(
        self, request: sigv4.SignedRequest, signing_name: str, run_blocking: RunBlocking
    ) -> Principal:
        token = request.headers.get("x-amz-security-token")
        if self._disabled and not token:
            return self._default
        header = request.headers.get("authorization")
        if not header:
            raise sigv4.missing_auth()
        credential: Credential | None
        if token:
            if self._node_lookup is None:
                raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.")
            access_key = sigv4.parse_authorization(header).access_key_id
            credential = await run_blocking(self._node_lookup, access_key, token)
        else:
            access_key = sigv4.parse_authorization(header).access_key_id
            credential = self._users.get(access_key)
        found = credential

        def lookup(key: str) -> str | None:
            return found.secret_access_key if found is not None and key == access_key else None

        sigv4.verify(request, lookup, self._clock.now(), signing_name)
        assert found is not None
        return found.principal
