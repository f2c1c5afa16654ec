"""AWS Signature Version 4 verification (header form, `AWS4-HMAC-SHA256`).

The canonical request is rebuilt from the client's own `SignedHeaders` and the hash of the body
received, and the request time must be within the 5-minute skew AWS allows. Errors are those of
AWS JSON services, worded alike (HTTP 400 for all of them): MissingAuthenticationTokenException,
IncompleteSignatureException, InvalidSignatureException (`Signature expired: …`, a wrong scope, a
wrong signature), UnrecognizedClientException. Key look-up is a callback (or `check_request` then
`check_signature`), so the same code serves API users, managed nodes' temporary credentials and
(through `string_to_sign`) the RSA-signed token request of the node protocol.
Checked by tests/unit/protocol/test_sigv4.py and tests/api/test_auth.py.
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
    terminator: str = "aws4_request"

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


def missing_auth() -> ApiError:
    return ApiError("MissingAuthenticationTokenException", "Request is missing Authentication Token")


def incomplete(message: str) -> ApiError:
    return ApiError("IncompleteSignatureException", message)


def invalid_signature(message: str) -> ApiError:
    return ApiError("InvalidSignatureException", message)


def _fields(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in header.partition(" ")[2].split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            if name:
                raise incomplete(
                    f"'{name}' not a valid key=value pair (missing equal-sign) in Authorization header: "
                    f"'{header}'."
                )
            continue
        fields[name] = value
    return fields


def _require(fields: dict[str, str], header: str, has_date: bool) -> None:
    missing = "".join(
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    )
    if not has_date:
        missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    if missing:
        raise incomplete(f"{missing}Authorization={header}")


def _authorization(header: str, fields: dict[str, str], algorithm: str) -> Authorization:
    scheme = header.partition(" ")[0]
    if scheme != algorithm:
        raise incomplete(f"Unsupported AWS 'algorithm': '{scheme}' (only {algorithm} for now). ")
    credential = fields["Credential"].rstrip("/").split("/")
    if len(credential) != 5:
        raise incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{fields['Credential']}'"
        )
    return Authorization(
        access_key_id=credential[0],
        date=credential[1],
        region=credential[2],
        service=credential[3],
        terminator=credential[4],
        signed_headers=_signed_headers(fields),
        signature=fields["Signature"],
    )


def _signed_headers(fields: dict[str, str]) -> tuple[str, ...]:
    return tuple(name.lower() for name in fields["SignedHeaders"].split(";"))


def parse_authorization(header: str, algorithm: str = ALGORITHM) -> Authorization:
    """Parse `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (IncompleteSignature
    errors worded as AWS words them). The scope is not checked here: see `check_scope`."""
    fields = _fields(header)
    _require(fields, header, has_date=True)
    return _authorization(header, fields, algorithm)


def check_scope(auth: Authorization, service: str, amz_date: str) -> None:
    """The credential scope must name this service, end in `aws4_request` and carry the request's
    date. Any region is accepted: one openssm server answers for whatever region a client uses."""
    problems = ""
    if auth.service != service:
        problems += f"Credential should be scoped to correct service: '{service}'. "
    if auth.terminator != "aws4_request":
        problems += (
            f"Credential should be scoped with a valid terminator: 'aws4_request', not '{auth.terminator}'. "
        )
    if auth.date != amz_date[:8]:
        problems += (
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{auth.date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    if problems:
        raise invalid_signature(problems)


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
    # always the hash of the body received: a signed X-Amz-Content-Sha256 proves nothing by itself
    payload_hash = hashlib.sha256(request.body).hexdigest()
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


def _string_to_sign(canonical: str, auth: Authorization, amz_date: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{auth.scope}\n{digest}"


def string_to_sign(request: SignedRequest, auth: Authorization, amz_date: str) -> str:
    return _string_to_sign(canonical_request(request, auth.signed_headers), auth, amz_date)


@lru_cache(maxsize=4096)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _parse_amz_date(text: str) -> datetime:
    """`20260501T090000Z` (ISO 8601 basic format, UTC); ValueError for anything else. Sliced
    rather than `strptime`d: this runs on every request, and strptime costs ~10 µs."""
    digits = text[:8] + text[9:15]
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (digits.isascii() and digits.isdigit()):
        raise ValueError(text)
    return datetime(
        int(text[0:4]),
        int(text[4:6]),
        int(text[6:8]),
        int(text[9:11]),
        int(text[11:13]),
        int(text[13:15]),
        tzinfo=UTC,
    )


def request_time(request: SignedRequest, now: datetime) -> str:
    """The signed X-Amz-Date, checked against the clock skew AWS allows."""
    amz_date = request.headers.get("x-amz-date", "")
    try:
        when = _parse_amz_date(amz_date)
    except ValueError:
        raise incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if when < now - MAX_SKEW:
        limit = (now - MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")
        raise invalid_signature(
            f"Signature expired: {amz_date} is now earlier than {limit} ({stamp} - 5 min.)"
        )
    if when > now + MAX_SKEW:
        limit = (now + MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")
        raise invalid_signature(
            f"Signature not yet current: {amz_date} is still later than {limit} ({stamp} + 5 min.)"
        )
    return amz_date


SecretLookup = Callable[[str], str | None]


def check_request(request: SignedRequest, now: datetime, service: str) -> tuple[Authorization, str]:
    """Every check that needs no key, in the order AWS makes them: no `AWS4-` Authorization
    (MissingAuthenticationToken), missing parts (IncompleteSignature), date format and skew, `host`
    signed, algorithm and credential shape, scope (InvalidSignature). Returns the authorization and
    the signed X-Amz-Date."""
    header = request.headers.get("authorization", "").strip()
    if not header.startswith("AWS4-"):
        raise missing_auth()
    fields = _fields(header)
    _require(fields, header, has_date="x-amz-date" in request.headers)
    amz_date = request_time(request, now)
    if "host" not in _signed_headers(fields):
        raise invalid_signature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    auth = _authorization(header, fields, ALGORITHM)
    check_scope(auth, service, amz_date)
    return auth, amz_date


def unrecognized_client() -> ApiError:
    return ApiError("UnrecognizedClientException", "The security token included in the request is invalid.")


def check_signature(request: SignedRequest, auth: Authorization, amz_date: str, secret: str) -> None:
    """The HMAC signature made with `secret`; a mismatch tells the client what we signed, as AWS does."""
    key = signing_key(secret, auth.date, auth.region, auth.service)
    canonical = canonical_request(request, auth.signed_headers)
    to_sign = _string_to_sign(canonical, auth, amz_date)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, auth.signature):
        raise invalid_signature(
            f"{_BAD_SIGNATURE}\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{to_sign}'\n"
        )


def verify(request: SignedRequest, lookup_secret: SecretLookup, now: datetime, service: str) -> Authorization:
    """Verify an HMAC SigV4 request; return the parsed authorization or raise the AWS error."""
    auth, amz_date = check_request(request, now, service)
    secret = lookup_secret(auth.access_key_id)
    if secret is None:
        raise unrecognized_client()
    check_signature(request, auth, amz_date, secret)
    return auth
