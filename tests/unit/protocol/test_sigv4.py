"""SigV4 verification against requests signed by botocore's own signer, and AWS's error answers.

Wordings from AWS JSON services (sources in docs/protocol.md); every one of them is HTTP 400.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from openssm.core.errors import ApiError
from openssm.protocol import sigv4, spec
from openssm.protocol.json_protocol import ServiceCodec
from openssm.protocol.sigv4 import SignedRequest
from tests.support.signing import json_headers, signed

URL = "http://127.0.0.1:4583/"
KEY, SECRET = "AKIAEXAMPLEKEY000001", "secret/with+chars"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
BODY = b'{"DocumentName": "AWS-RunShellScript"}'


def request(
    body: bytes = BODY,
    *,
    when: datetime = NOW,
    service: str = "ssm",
    secret: str = SECRET,
    region: str = "us-east-1",
    url: str = URL,
) -> SignedRequest:
    headers = signed(
        url,
        body,
        json_headers("AmazonSSM.SendCommand"),
        access_key=KEY,
        secret_key=secret,
        service=service,
        region=region,
        when=when.replace(tzinfo=None),
    )
    path, _, query = url.partition("://")[2].partition("/")[2].partition("?")
    return SignedRequest("POST", "/" + path, query, {k.lower(): v for k, v in headers.items()}, body)


def with_header(original: SignedRequest, name: str, value: str | None) -> SignedRequest:
    """The request with one header replaced (or removed, for None)."""
    headers = {k: v for k, v in original.headers.items() if k != name}
    if value is not None:
        headers[name] = value
    return SignedRequest(original.method, original.path, original.query, headers, original.body)


def verify(
    signed_request: SignedRequest, *, now: datetime = NOW, service: str = "ssm"
) -> sigv4.Authorization:
    return sigv4.verify(signed_request, {KEY: SECRET}.get, now, service)


def refused(signed_request: SignedRequest, **kwargs: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        verify(signed_request, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_a_request_signed_by_botocore_verifies() -> None:
    auth = verify(request())

    assert (auth.access_key_id, auth.service, auth.region) == (KEY, "ssm", "us-east-1")


def test_any_region_is_accepted() -> None:
    assert verify(request(region="eu-west-3")).region == "eu-west-3"


def test_a_query_string_is_part_of_the_signature() -> None:
    assert verify(request(url=URL + "?b=2&a=1%20x")).access_key_id == KEY


def test_a_tampered_body_is_an_invalid_signature_that_shows_what_we_signed() -> None:
    original = request()
    tampered = SignedRequest(original.method, original.path, original.query, original.headers, b'{"x": 1}')

    error = refused(tampered)

    assert error.code == "InvalidSignatureException"
    assert error.message.startswith(
        "The request signature we calculated does not match the signature you provided. Check your AWS "
        "Secret Access Key and signing method. Consult the service documentation for details.\n\n"
        "The Canonical String for this request should have been\n'POST\n/\n\n"
    )
    assert "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20260301T120000Z\n" in error.message


def test_a_signed_payload_hash_header_does_not_stand_in_for_the_body() -> None:
    original = request()
    tampered = SignedRequest(original.method, original.path, original.query, original.headers, b"{}")

    assert refused(tampered).code == "InvalidSignatureException"


def test_a_wrong_secret_is_an_invalid_signature() -> None:
    assert refused(request(secret="not-the-secret")).code == "InvalidSignatureException"


def test_an_unknown_access_key_is_an_unrecognized_client() -> None:
    with pytest.raises(ApiError) as caught:
        sigv4.verify(request(), {}.get, NOW, "ssm")
    error = caught.value

    assert (error.code, error.message) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


@pytest.mark.parametrize("age", [timedelta(minutes=4), timedelta(minutes=-4)])
def test_a_clock_skew_within_five_minutes_is_accepted(age: timedelta) -> None:
    assert verify(request(when=NOW - age)).access_key_id == KEY


def test_a_request_signed_six_minutes_ago_has_expired() -> None:
    error = refused(request(when=NOW - timedelta(minutes=6)))

    assert (error.code, error.message) == (
        "InvalidSignatureException",
        "Signature expired: 20260301T115400Z is now earlier than 20260301T115500Z "
        "(20260301T120000Z - 5 min.)",
    )


def test_a_request_signed_six_minutes_ahead_is_not_yet_current() -> None:
    error = refused(request(when=NOW + timedelta(minutes=6)))

    assert (error.code, error.message) == (
        "InvalidSignatureException",
        "Signature not yet current: 20260301T120600Z is still later than 20260301T120500Z "
        "(20260301T120000Z + 5 min.)",
    )


@pytest.mark.parametrize("header", [None, "", "Bearer abc", "AWS AKIA:sig"])
def test_a_request_without_a_sigv4_authorization_is_missing_its_token(header: str | None) -> None:
    error = refused(with_header(request(), "authorization", header))

    assert (error.code, error.message) == (
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    )


def test_an_authorization_without_its_parts_is_an_incomplete_signature() -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKIA/20260301/us-east-1/ssm/aws4_request"

    error = refused(with_header(request(), "authorization", header))

    assert (error.code, error.message) == (
        "IncompleteSignatureException",
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        f"Authorization={header}",
    )


def test_a_missing_date_is_named_in_the_incomplete_signature() -> None:
    original = request()

    error = refused(with_header(original, "x-amz-date", None))

    assert error.code == "IncompleteSignatureException"
    assert error.message == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={original.headers['authorization']}"
    )


def test_a_date_not_in_basic_format_is_an_incomplete_signature() -> None:
    error = refused(with_header(request(), "x-amz-date", "2026-03-01T12:00:00Z"))

    assert (error.code, error.message) == (
        "IncompleteSignatureException",
        "Date must be in ISO-8601 'basic format'. Got '2026-03-01T12:00:00Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    )


def test_a_pair_without_an_equal_sign_is_an_incomplete_signature() -> None:
    original = request()
    header = original.headers["authorization"].replace("Credential=", "Credential ")

    error = refused(with_header(original, "authorization", header))

    assert error.code == "IncompleteSignatureException"
    assert "not a valid key=value pair (missing equal-sign) in Authorization header" in error.message


def test_an_unsupported_algorithm_is_an_incomplete_signature() -> None:
    original = request()
    header = original.headers["authorization"].replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")

    error = refused(with_header(original, "authorization", header))

    assert (error.code, error.message) == (
        "IncompleteSignatureException",
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    )


def test_a_credential_of_four_parts_is_an_incomplete_signature() -> None:
    original = request()
    header = original.headers["authorization"].replace("/aws4_request", "")

    error = refused(with_header(original, "authorization", header))

    assert error.code == "IncompleteSignatureException"
    assert error.message.startswith(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/"
    )


def test_a_request_signed_for_another_service_is_refused() -> None:
    error = refused(request(service="ec2messages"))

    assert (error.code, error.message) == (
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'ssm'. ",
    )


def test_a_scope_date_other_than_the_request_date_is_refused() -> None:
    original = request()
    header = original.headers["authorization"].replace("/20260301/", "/20260228/")

    error = refused(with_header(original, "authorization", header))

    assert (error.code, error.message) == (
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        "'20260228' != '20260301', from '20260301T120000Z'.",
    )


def test_the_host_header_must_be_signed() -> None:
    original = request()
    header = original.headers["authorization"].replace(";host;", ";")

    error = refused(with_header(original, "authorization", header))

    assert (error.code, error.message) == (
        "InvalidSignatureException",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )


def test_our_canonical_request_and_string_to_sign_are_botocores() -> None:
    body = b'{"a": "  spaced   value "}'
    aws_request = AWSRequest(
        method="POST",
        url=URL + "?z=1&a=%2F",
        data=body,
        headers={**json_headers("AmazonSSM.ListCommands"), "X-Custom": "  a   b  "},
    )
    aws_request.context["timestamp"] = "20260301T120000Z"
    signer = SigV4Auth(Credentials(KEY, SECRET), "ssm", "us-east-1")
    signer._modify_request_before_signing(aws_request)
    expected = signer.canonical_request(aws_request)
    headers = {"host": "127.0.0.1:4583", **{k.lower(): v for k, v in aws_request.headers.items()}}
    ours = SignedRequest("POST", "/", "z=1&a=%2F", headers, body)

    assert sigv4.canonical_request(ours, tuple(sorted(signer.headers_to_sign(aws_request)))) == expected


@pytest.mark.parametrize(
    "code",
    [
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "UnrecognizedClientException",
    ],
)
def test_every_authentication_error_is_http_400_as_on_aws_json_services(code: str) -> None:
    for service in (spec.ssm(), spec.cloudwatch()):
        assert ServiceCodec(service).error(ApiError(code, "m")).status == 400
