"""The agent's SigV4 signer against botocore's SigV4Auth, and the RSA variant."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from openssm.agent import keys, sigv4

NOW = datetime(2024, 5, 17, 9, 30, 5, tzinfo=UTC)
BODY = b'{"Destination":"mi-0123456789abcdef0","MessagesRequestId":"9a4c5f2e-1111-4222-8333-944455556666"}'


def botocore_authorization(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    headers: dict[str, str],
    body: bytes,
    service: str,
    creds: Credentials,
) -> AWSRequest:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: NOW.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    SigV4Auth(creds, service, "eu-west-1").add_auth(request)
    return request


@pytest.mark.parametrize(
    ("url", "host", "token"),
    [
        ("http://127.0.0.1:8080/", "127.0.0.1:8080", "session-token-value"),
        ("https://openssm.example.com/", "openssm.example.com", None),
        ("http://node-api.local:9000/base/path", "node-api.local:9000", "tok"),
    ],
)
@pytest.mark.parametrize("service", ["ssm", "ec2messages"])
def test_signature_matches_botocore(
    monkeypatch: pytest.MonkeyPatch, url: str, host: str, token: str | None, service: str
) -> None:
    headers = {
        "Host": host,
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "EC2WindowsMessageDeliveryService.GetMessages",
    }
    path = url.split(host, 1)[1]
    ours = sigv4.sign_v4(
        method="POST",
        path=path,
        headers=headers,
        body=BODY,
        region="eu-west-1",
        service=service,
        access_key="ASIAEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token=token,
        now=NOW,
    )
    theirs = botocore_authorization(
        monkeypatch,
        url,
        headers,
        BODY,
        service,
        Credentials("ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
    )
    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["X-Amz-Date"] == theirs.headers["X-Amz-Date"] == "20240517T093005Z"
    if token:
        assert ours["X-Amz-Security-Token"] == token
        assert "x-amz-security-token" in ours["Authorization"]
    else:
        assert "X-Amz-Security-Token" not in ours


def test_signed_headers_are_the_documented_set() -> None:
    headers = {"Host": "h:1", "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.X"}
    signed = sigv4.sign_v4(
        method="POST",
        path="/",
        headers={**headers, "User-Agent": "openssm-agent/3.3.0.0"},
        body=b"{}",
        region="us-east-1",
        service="ssm",
        access_key="AK",
        secret_key="SK",
        session_token="T",
        now=NOW,
    )
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"
        in signed["Authorization"]
    )


def test_header_values_are_trimmed_like_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = {
        "Host": "h",
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "  AmazonSSM.X   Y ",
    }
    ours = sigv4.sign_v4(
        method="POST", path="/", headers=headers, body=b"{}", region="eu-west-1", service="ssm",
        access_key="AK", secret_key="SK", now=NOW,
    )  # fmt: skip
    theirs = botocore_authorization(monkeypatch, "http://h/", headers, b"{}", "ssm", Credentials("AK", "SK"))
    assert ours["Authorization"] == theirs.headers["Authorization"]


def test_rsa_variant_names_the_node_and_signs_the_string_to_sign_with_pss() -> None:
    key = keys.generate_private_key()
    headers = {"Host": "127.0.0.1:8080", "Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "AmazonSSM.RequestManagedInstanceRoleToken"}  # fmt: skip
    body = b'{"Fingerprint":"1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}'
    signed = sigv4.sign_rsa(
        method="POST",
        path="/",
        headers=headers,
        body=body,
        region="us-east-1",
        service="ssm",
        instance_id="mi-0123456789abcdef0",
        rsa_signer=lambda sts: keys.sign_pss(key, sts),
        now=NOW,
    )
    auth = signed["Authorization"]
    assert auth.startswith(
        "AWS4-HMAC-SHA256 Credential=mi-0123456789abcdef0/20240517/us-east-1/ssm/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
    )
    signature = base64.b64decode(auth.rsplit("Signature=", 1)[1])
    # The string to sign is botocore's for the same request.
    request = AWSRequest(
        method="POST", url="http://127.0.0.1:8080/", data=body, headers={**headers, **signed}
    )
    request.context["timestamp"] = signed["X-Amz-Date"]
    del request.headers["Authorization"]
    boto = SigV4Auth(Credentials("x", "y"), "ssm", "us-east-1")
    string_to_sign = boto.string_to_sign(request, boto.canonical_request(request))
    key.public_key().verify(
        signature,
        string_to_sign.encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_host_must_be_signed() -> None:
    with pytest.raises(ValueError):
        sigv4.canonical_request("POST", "/", "", {"X-Amz-Target": "x"}, b"")


def test_query_string_is_canonicalized_like_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = {"Host": "h", "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.X"}
    ours = sigv4.sign_v4(
        method="POST", path="/", query="b=2&a=1", headers=headers, body=b"{}", region="eu-west-1",
        service="ssm", access_key="AK", secret_key="SK", now=NOW,
    )  # fmt: skip
    theirs = botocore_authorization(
        monkeypatch, "http://h/?b=2&a=1", headers, b"{}", "ssm", Credentials("AK", "SK")
    )
    assert ours["Authorization"] == theirs.headers["Authorization"]
