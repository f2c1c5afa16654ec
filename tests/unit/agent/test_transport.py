"""The JSON transport: https with a private CA, verification failures, error shapes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from openssm.agent.transport import AwsError, JsonTransport, TransportError, error_from_response


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer_key: ec.EllipticCurvePrivateKey,
          issuer: x509.Name | None, ca: bool) -> x509.Certificate:  # fmt: skip
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        target = self.headers["X-Amz-Target"]
        if target.endswith("Fail"):
            status, body = 400, b'{"__type":"com.amazonaws.ssm#InvalidInstanceId","Message":"no such node"}'
        else:
            status, body = 200, b'{"ok":true}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test CA", ca_key, ca_key, None, True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert("127.0.0.1", leaf_key, ca_key, ca.subject, False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", tmp_path / "ca.pem"
    httpd.shutdown()
    httpd.server_close()


def test_https_with_the_private_ca_works(https_server: tuple[str, Path]) -> None:
    url, ca_file = https_server
    transport = JsonTransport(url, ca_file=str(ca_file))
    assert transport.call("AmazonSSM.Ping", {}, signer=None, timeout=5) == {"ok": True}


def test_https_without_the_ca_fails_verification(https_server: tuple[str, Path]) -> None:
    url, _ = https_server
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        JsonTransport(url).call("AmazonSSM.Ping", {}, signer=None, timeout=5)


def test_aws_errors_are_typed_with_the_shape_name(https_server: tuple[str, Path]) -> None:
    url, ca_file = https_server
    with pytest.raises(AwsError) as caught:
        JsonTransport(url, ca_file=str(ca_file)).call("AmazonSSM.Fail", {}, signer=None, timeout=5)
    assert (caught.value.code, caught.value.message, caught.value.status) == (
        "InvalidInstanceId",
        "no such node",
        400,
    )
    assert not caught.value.retryable


def test_error_parsing_falls_back_to_the_header_and_status() -> None:
    error = error_from_response(503, b"<html>busy</html>", "ThrottlingException:http://internal")
    assert error.code == "ThrottlingException" and error.retryable
    assert error_from_response(500, b"", None).code == "HTTP500"


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError):
        JsonTransport("ftp://example.com")
    transport = JsonTransport("http://[::1]:8080/api")
    assert (transport.host_header, transport.path) == ("[::1]:8080", "/api")
