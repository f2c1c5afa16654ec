"""Requests signed with botocore's own SigV4 signer (the oracle), and a raw HTTP client for them.

`signed(...)` gives the headers of a JSON-protocol call signed at a chosen moment, so tests can
send expired, future, tampered or mis-scoped requests with `http.client` and read the raw answer.
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    access_key: str,
    secret_key: str,
    service: str = "ssm",
    region: str = "us-east-1",
    when: datetime | None = None,
    session_token: str | None = None,
) -> dict[str, str]:
    """All headers of the request (Host included) after botocore signed it at `when` (naive UTC)."""
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    signer = SigV4Auth(Credentials(access_key, secret_key, session_token), service, region)
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    return {"Host": urlsplit(url).netloc, **dict(request.headers.items())}


def json_headers(target: str, version: str = "1.1") -> dict[str, str]:
    return {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def error_code(self) -> str:
        code: str = self.json["__type"]
        return code.rpartition("#")[2]


def send(url: str, body: bytes, headers: Mapping[str, str], method: str = "POST", path: str = "/") -> Answer:
    """One raw HTTP request; headers are sent exactly as given."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if "content-length" not in {name.lower() for name in headers}:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()
