"""Who is calling: the request context the protocol layer hands to handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    `kind` is "user" for API credentials, "node" for a managed node's temporary credentials
    (then `instance_id` is the node), "anonymous" for an unsigned call.
    """

    access_key_id: str
    account_id: str
    kind: str = "user"
    instance_id: str | None = None


ANONYMOUS = Principal(access_key_id="", account_id="", kind="anonymous")


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    operation: str
    region: str
    principal: Principal
    raw_request: Any = None
    """The signed request as received; set only for operations open to anonymous callers, which
    verify their own proof (e.g. the node protocol's RSA-signed token request)."""

    @property
    def account_id(self) -> str:
        return self.principal.account_id
