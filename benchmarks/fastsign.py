"""SigV4 for `POST /` JSON requests, written directly (about 20 µs a request instead of botocore's
~180), for the node swarm and the benchmarks' own API calls, which sign as they go. `check()`
proves it signs exactly as botocore does; every script calls it once before relying on it.

The RSA variant signs the same string to sign with RSA-PSS (SHA-256, salt 32) and the node's `mi-`
id as the access key: RequestManagedInstanceRoleToken (spec/agent-protocol.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def amz_date(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class Signer:
    """Signs `POST /` requests carrying Content-Type, Host, X-Amz-Date, X-Amz-Target (and
    X-Amz-Security-Token with temporary credentials)."""

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        service: str,
        region: str = "us-east-1",
        session_token: str | None = None,
    ) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.service = service
        self.region = region
        self.session_token = session_token
        self._keys: dict[str, bytes] = {}

    def _signing_key(self, day: str) -> bytes:
        key = self._keys.get(day)
        if key is None:
            key = _hmac(("AWS4" + self.secret_key).encode(), day)
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac(key, part)
            self._keys = {day: key}
        return key

    def _canonical(
        self, host: str, target: str, content_type: str, body: bytes, date: str
    ) -> tuple[list[tuple[str, str]], str, str]:
        headers = [("content-type", content_type), ("host", host), ("x-amz-date", date)]
        if self.session_token:
            headers.append(("x-amz-security-token", self.session_token))
        headers.append(("x-amz-target", target))
        signed = ";".join(name for name, _ in headers)
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                *(f"{name}:{value}" for name, value in headers),
                "",
                signed,
                hashlib.sha256(body).hexdigest(),
            ]
        )
        return headers, signed, canonical

    def string_to_sign(
        self, host: str, target: str, content_type: str, body: bytes, date: str
    ) -> tuple[list[tuple[str, str]], str, str, str]:
        headers, signed, canonical = self._canonical(host, target, content_type, body, date)
        scope = f"{date[:8]}/{self.region}/{self.service}/aws4_request"
        text = "\n".join([ALGORITHM, date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        return headers, signed, scope, text

    def signature(self, text: str, date: str) -> str:
        return hmac.new(self._signing_key(date[:8]), text.encode(), hashlib.sha256).hexdigest()

    def headers(
        self,
        host: str,
        target: str,
        body: bytes,
        content_type: str = "application/x-amz-json-1.1",
        when: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """Every header of the signed request (Host included; Content-Length not)."""
        date = amz_date(when)
        headers, signed, scope, text = self.string_to_sign(host, target, content_type, body, date)
        authorization = (
            f"{ALGORITHM} Credential={self.access_key}/{scope}, SignedHeaders={signed}, "
            f"Signature={self.signature(text, date)}"
        )
        return [*headers, ("authorization", authorization)]


class RsaSigner(Signer):
    """SigV4's string to sign, signed with the node's RSA key (RSA-PSS, SHA-256, salt 32)."""

    def __init__(self, instance_id: str, key: rsa.RSAPrivateKey, region: str = "us-east-1") -> None:
        super().__init__(instance_id, "unused", "ssm", region)
        self.key = key

    def signature(self, text: str, date: str) -> str:
        signature = self.key.sign(
            text.encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
        )
        return base64.b64encode(signature).decode()


def check() -> None:
    """Raise unless `Signer` produces botocore's Authorization header for the same request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from loadgen import signing_time

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    body = b'{"Name": "x"}'
    for token in (None, "session-token"):
        ours = Signer("AKIDEXAMPLE", "secret", "ssm", session_token=token)
        mine = dict(ours.headers("127.0.0.1:1234", "AmazonSSM.DescribeDocument", body, when=when))
        request = AWSRequest(
            method="POST",
            url="http://127.0.0.1:1234/",
            data=body,
            headers={
                "X-Amz-Target": "AmazonSSM.DescribeDocument",
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        with signing_time(when):
            SigV4Auth(Credentials("AKIDEXAMPLE", "secret", token), "ssm", "us-east-1").add_auth(request)
        if request.headers["Authorization"] != mine["authorization"]:
            raise AssertionError(
                f"fastsign differs from botocore:\n{mine['authorization']}\n{request.headers}"
            )
