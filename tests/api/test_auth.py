"""SigV4 on a live server: what boto3 and hand-signed raw requests get back, status codes included.

AWS JSON services answer every authentication failure with HTTP 400 and `{"__type", "message"}`
(sources in docs/protocol.md), and every answer carries `x-amzn-RequestId`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import orjson
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.server import ServerProcess
from tests.support.signing import Answer, json_headers, send, signed

AUTH_ERRORS = {
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
}
TARGET = "AmazonSSM.ListDocuments"
BODY = orjson.dumps({"MaxResults": 1})


def call(server: ServerProcess, *, body: bytes = BODY, sent_body: bytes | None = None, **sign: Any) -> Answer:
    """ListDocuments signed by botocore with the server's credentials (unless overridden)."""
    creds = server.credentials
    options = {"access_key": creds["access_key_id"], "secret_key": creds["secret_access_key"], **sign}
    headers = signed(server.endpoint + "/", body, json_headers(TARGET), **options)
    return send(server.endpoint, body if sent_body is None else sent_body, headers)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def assert_refused(answer: Answer, code: str) -> str:
    assert answer.status == 400, answer.body
    assert answer.headers["content-type"] == "application/x-amz-json-1.1"
    assert answer.headers["x-amzn-requestid"]
    assert answer.error_code == code, answer.body
    message: str = answer.json["message"]
    return message


def client_error(action: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        action()
    return caught.value


def test_a_correctly_signed_request_reaches_the_operation(server: ServerProcess) -> None:
    answer = call(server)

    assert answer.headers["x-amzn-requestid"]
    assert answer.status == 200 or answer.error_code not in AUTH_ERRORS, answer.body


def test_boto3_with_the_generated_credentials_is_accepted(server: ServerProcess) -> None:
    ssm = server.client("ssm")
    try:
        response = ssm.list_documents(MaxResults=1)
    except ClientError as error:  # the operation may not be served yet; authentication passed
        assert error.response["Error"]["Code"] not in AUTH_ERRORS
        response = error.response
    assert response["ResponseMetadata"]["RequestId"]


def test_a_tampered_body_is_an_invalid_signature(server: ServerProcess) -> None:
    answer = call(server, sent_body=orjson.dumps({"MaxResults": 2}))

    message = assert_refused(answer, "InvalidSignatureException")
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_a_wrong_secret_is_an_invalid_signature(server: ServerProcess) -> None:
    ssm = server.client("ssm", aws_secret_access_key="wrong-secret")

    error = client_error(lambda: ssm.list_documents())

    assert error.response["Error"]["Code"] == "InvalidSignatureException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_unknown_access_key_is_an_unrecognized_client(server: ServerProcess) -> None:
    ssm = server.client("ssm", aws_access_key_id="AKIANOTAKNOWNKEY0000")

    error = client_error(lambda: ssm.list_documents())

    assert error.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["ResponseMetadata"]["RequestId"]


def test_a_request_signed_six_minutes_ago_has_expired(server: ServerProcess) -> None:
    answer = call(server, when=now() - timedelta(minutes=6))

    message = assert_refused(answer, "InvalidSignatureException")
    assert message.startswith("Signature expired: ")
    assert message.endswith(" - 5 min.)")


def test_a_request_signed_beyond_the_allowed_skew_ahead_is_not_yet_current(server: ServerProcess) -> None:
    answer = call(server, when=now() + timedelta(minutes=6))

    message = assert_refused(answer, "InvalidSignatureException")
    assert message.startswith("Signature not yet current: ")


def test_an_unsigned_request_is_missing_its_token(server: ServerProcess) -> None:
    ssm = server.client("ssm", signature_version=UNSIGNED)

    error = client_error(lambda: ssm.list_documents())

    assert error.response["Error"] == {
        "Code": "MissingAuthenticationTokenException",
        "Message": "Request is missing Authentication Token",
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_malformed_authorization_is_an_incomplete_signature(server: ServerProcess) -> None:
    headers = {**json_headers(TARGET), "Host": server.endpoint.removeprefix("http://")}
    headers["X-Amz-Date"] = now().strftime("%Y%m%dT%H%M%SZ")
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/ssm/aws4_request"

    message = assert_refused(send(server.endpoint, BODY, headers), "IncompleteSignatureException")

    assert message.startswith("Authorization header requires 'Signature' parameter. ")


def test_a_request_signed_for_another_service_is_refused(server: ServerProcess) -> None:
    answer = call(server, service="ec2messages")

    message = assert_refused(answer, "InvalidSignatureException")
    assert message == "Credential should be scoped to correct service: 'ssm'. "


def test_any_region_in_the_signature_is_accepted(server: ServerProcess) -> None:
    answer = call(server, region="ap-southeast-2")

    assert answer.status == 200 or answer.error_code not in AUTH_ERRORS, answer.body


def test_authentication_is_on_by_default(server: ServerProcess) -> None:
    assert "--dev-disable-auth" not in server.extra_args
    unsigned = server.client("ssm", signature_version=UNSIGNED)

    assert client_error(lambda: unsigned.list_documents()).response["Error"]["Code"] in AUTH_ERRORS


@pytest.fixture(scope="module")
def open_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.support.databases import database_url

    tmp = tmp_path_factory.mktemp(f"open-{backend}")
    with database_url(backend, tmp) as url:
        process = ServerProcess(tmp / "data", url, "--dev-disable-auth").start()
        try:
            yield process
        finally:
            process.stop()


def test_dev_disable_auth_accepts_unsigned_requests_and_says_so_in_the_log(
    open_server: ServerProcess,
) -> None:
    unsigned = boto3.client(
        "ssm",
        endpoint_url=open_server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1, "mode": "standard"}),
    )
    try:
        unsigned.list_documents(MaxResults=1)
    except ClientError as error:  # the operation may not be served yet; authentication passed
        assert error.response["Error"]["Code"] not in AUTH_ERRORS

    assert "SigV4 authentication is DISABLED" in open_server.log_path.read_text()
