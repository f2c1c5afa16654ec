"""AWS Signature Version 4 signing of the agent's requests (header form, AWS4-HMAC-SHA256).

The canonical request is built as botocore's `SigV4Auth` builds it: every header given is signed
except a short blacklist (user-agent, expect, ...), names lower-cased and sorted, values trimmed
with inner whitespace collapsed, `host` always included, the body's SHA-256 as payload hash.

The credential request (RequestManagedInstanceRoleToken) uses the same canonical request and
string to sign, but `Credential=` names the managed node id and `Signature=` is the base64 RSA-PSS
signature of the string to sign (agent/ssm/rsaauth/ssm_rsaV4.go); the caller passes that signer.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"

# Headers botocore never signs (botocore.auth.SIGNED_HEADERS_BLACKLIST).
UNSIGNED_HEADERS = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
        "authorization",
        "content-length",
    }
)


def amz_date(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/aws4_request"


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def signed_header_map(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers that take part in the signature, lower-cased names, canonical values."""
    return {
        name.lower(): " ".join(value.split())
        for name, value in headers.items()
        if name.lower() not in UNSIGNED_HEADERS
    }


def canonical_request(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> tuple[str, str]:
    """Return (canonical request, signed header list). `headers` must include Host."""
    signed = signed_header_map(headers)
    if "host" not in signed:
        raise ValueError("the Host header must be signed")
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in names)
    signed_names = ";".join(names)
    canonical = "\n".join(
        [
            method.upper(),
            quote(path or "/", safe="/~"),
            _canonical_query(query),
            canonical_headers,
            signed_names,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    return canonical, signed_names


def string_to_sign(timestamp: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _sign(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    service: str,
    access_key: str,
    session_token: str | None,
    now: datetime,
    signature_of: Callable[[str, str], str],
) -> dict[str, str]:
    timestamp = amz_date(now)
    date = timestamp[:8]
    extra = {"X-Amz-Date": timestamp}
    if session_token:
        extra["X-Amz-Security-Token"] = session_token
    all_headers = {**headers, **extra}
    canonical, signed_names = canonical_request(method, path, query, all_headers, body)
    scope = credential_scope(date, region, service)
    signature = signature_of(string_to_sign(timestamp, scope, canonical), date)
    extra["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed_names}, Signature={signature}"
    )
    return extra


def sign_v4(
    *,
    method: str,
    path: str,
    query: str = "",
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    service: str,
    access_key: str,
    secret_key: str,
    session_token: str | None = None,
    now: datetime,
) -> dict[str, str]:
    """Sign with an access key; return the headers to add (X-Amz-Date, X-Amz-Security-Token,
    Authorization)."""

    def hmac_signature(sts: str, date: str) -> str:
        key = signing_key(secret_key, date, region, service)
        return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()

    return _sign(
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        region=region,
        service=service,
        access_key=access_key,
        session_token=session_token,
        now=now,
        signature_of=hmac_signature,
    )


def sign_rsa(
    *,
    method: str,
    path: str,
    query: str = "",
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    service: str,
    instance_id: str,
    rsa_signer: Callable[[str], str],
    now: datetime,
) -> dict[str, str]:
    """Sign RequestManagedInstanceRoleToken: Credential=<mi-id>/..., Signature=rsa_signer(sts)."""
    return _sign(
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        region=region,
        service=service,
        access_key=instance_id,
        session_token=None,
        now=now,
        signature_of=lambda sts, _date: rsa_signer(sts),
    )
