"""AWS Signature Version 4 verification (header form, `AWS4-HMAC-SHA256`).

The canonical request is rebuilt from the client's own `SignedHeaders`, the body hash is checked,
and the request time must be within the 5-minute skew AWS allows. Key look-up is a callback, so
the same code serves API users, managed nodes' temporary credentials and (through
`string_to_sign`) the RSA-signed token request of the node protocol.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, unquote

from openssm.core.errors import ApiError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=5)

_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details."
)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What SigV4 needs of an HTTP request."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True, slots=True)
class Authorization:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def missing_auth() -> ApiError:
    return ApiError("MissingAuthenticationTokenException", "Missing Authentication Token")


def incomplete(message: str) -> ApiError:
    return ApiError("IncompleteSignatureException", message)


def parse_authorization(header: str, algorithm: str = ALGORITHM) -> Authorization:
    scheme, _, rest = header.partition(" ")
    if scheme != algorithm:
        raise incomplete(f"Unsupported AWS 'algorithm': '{scheme}'")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name] = value
    for name in ("Credential", "SignedHeaders", "Signature"):
        if name not in fields:
            raise incomplete(f"Authorization header requires '{name}' parameter. Authorization={header}")
    credential = fields["Credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        raise incomplete(f"Credential should be scoped to a valid region. Credential={fields['Credential']}")
    return Authorization(
        access_key_id=credential[0],
        date=credential[1],
        region=credential[2],
        service=credential[3],
        signed_headers=tuple(fields["SignedHeaders"].split(";")),
        signature=fields["Signature"],
    )


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _canonical_header_value(value: str) -> str:
    return " ".join(value.split())


def canonical_request(request: SignedRequest, signed_headers: Sequence[str]) -> str:
    headers = "".join(
        f"{name}:{_canonical_header_value(request.headers.get(name, ''))}\n" for name in signed_headers
    )
    payload_hash = request.headers.get("x-amz-content-sha256") or hashlib.sha256(request.body).hexdigest()
    path = quote(request.path or "/", safe="/-_.~%")
    return "\n".join(
        [
            request.method,
            path,
            _canonical_query(request.query),
            headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(request: SignedRequest, auth: Authorization, amz_date: str) -> str:
    digest = hashlib.sha256(canonical_request(request, auth.signed_headers).encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{auth.scope}\n{digest}"


@lru_cache(maxsize=4096)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def request_time(request: SignedRequest, now: datetime) -> str:
    """The signed X-Amz-Date, checked against the clock skew AWS allows."""
    amz_date = request.headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if when < now - MAX_SKEW:
        limit = (now - MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")
        raise ApiError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than {limit} ({stamp} - 5 min.)",
        )
    if when > now + MAX_SKEW:
        limit = (now + MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")
        raise ApiError(
            "InvalidSignatureException",
            f"Signature not yet current: {amz_date} is still later than {limit} ({stamp} + 5 min.)",
        )
    return amz_date


SecretLookup = Callable[[str], str | None]


def verify(request: SignedRequest, lookup_secret: SecretLookup, now: datetime, service: str) -> Authorization:
    """Verify an HMAC SigV4 request; return the parsed authorization or raise the AWS error."""
    header = request.headers.get("authorization")
    if not header:
        raise missing_auth()
    auth = parse_authorization(header)
    if "host" not in auth.signed_headers:
        raise incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    secret = lookup_secret(auth.access_key_id)
    if secret is None:
        raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = request_time(request, now)
    if auth.service != service:
        raise ApiError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service}'. ",
        )
    key = signing_key(secret, auth.date, auth.region, auth.service)
    expected = hmac.new(key, string_to_sign(request, auth, amz_date).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, auth.signature):
        raise ApiError("InvalidSignatureException", _BAD_SIGNATURE)
    return auth
