"""A small AWS JSON 1.1 client over `http.client`: keep-alive, TLS verification, typed errors.

One `JsonTransport` serves both services of the node API (they share a listener and differ only
in `X-Amz-Target` and the signing name). Connections are pooled so the long poll and concurrent
replies from command threads do not wait for each other.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_IDLE_CONNECTIONS = 4

Signer = Callable[[str, Mapping[str, str], bytes], Mapping[str, str]]
"""(path, headers, body) -> headers to add (X-Amz-Date, Authorization, ...)."""


class AwsError(Exception):
    """The server answered with an AWS JSON error (`{"__type": ..., "message": ...}`)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.status >= 500 or self.status == 429 or self.code in RETRYABLE_CODES

    @property
    def credentials_rejected(self) -> bool:
        return self.code in CREDENTIAL_CODES


class TransportError(Exception):
    """The request did not get an answer (connection, TLS, timeout, malformed response)."""

    retryable = True


class CredentialsUnavailable(TransportError):
    """No credentials could be obtained to sign the request (the token request failed)."""


RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestTimeoutException",
        "InternalServerError",
        "InternalServerException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TooManyUpdates",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "InvalidClientTokenId",
        "AuthorizationFailureException",
        "MissingAuthenticationTokenException",
    }
)


def error_from_response(status: int, body: bytes, header_type: str | None) -> AwsError:
    code, message = "", ""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {}
    if isinstance(data, dict):
        code = str(data.get("__type") or data.get("code") or "")
        message = str(data.get("message") or data.get("Message") or "")
    if not code and header_type:
        code = header_type.split(":")[0]
    code = code.rsplit("#", 1)[-1] or f"HTTP{status}"
    if not message and not isinstance(data, dict):
        message = body[:200].decode("utf-8", "replace")
    return AwsError(code, message, status)


class JsonTransport:
    """POST JSON 1.1 requests to one base URL."""

    def __init__(
        self,
        url: str,
        *,
        ca_file: str | None = None,
        connect_timeout: float = 10.0,
        user_agent: str = "openssm-agent",
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        default_port = 443 if parts.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if self.port == default_port else f"{host}:{self.port}"
        self.path = parts.path or "/"
        self.connect_timeout = connect_timeout
        self.user_agent = user_agent
        self._ssl: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self._ssl = ssl.create_default_context(cafile=ca_file)
        self._idle: list[http.client.HTTPConnection] = []
        self._busy: set[http.client.HTTPConnection] = set()
        # Re-entrant: interrupt() runs in a signal handler, possibly while the main thread holds it.
        self._lock = threading.RLock()
        self._closed = False
        self._interruptions = 0

    # -- connections

    def _new_connection(self) -> http.client.HTTPConnection:
        if self._ssl is not None:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.connect_timeout, context=self._ssl
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout)

    def _acquire(self) -> http.client.HTTPConnection:
        with self._lock:
            conn = self._idle.pop() if self._idle else self._new_connection()
            self._busy.add(conn)
            return conn

    def _release(self, conn: http.client.HTTPConnection, reusable: bool) -> None:
        with self._lock:
            self._busy.discard(conn)
            if reusable and not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append(conn)
                return
        conn.close()

    def interrupt(self) -> None:
        """Wake every request in flight (used on shutdown to end a long poll at once)."""
        with self._lock:
            self._interruptions += 1
            busy = list(self._busy)
        for conn in busy:
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- requests

    def call(
        self,
        target: str,
        body: Mapping[str, Any],
        *,
        signer: Signer | None,
        timeout: float,
    ) -> dict[str, Any]:
        """Send one request; return the decoded JSON answer or raise AwsError/TransportError."""
        payload = json.dumps(body, separators=(",", ":")).encode()
        headers = {
            "Host": self.host_header,
            "Content-Type": CONTENT_TYPE,
            "X-Amz-Target": target,
        }
        if signer is not None:
            headers.update(signer(self.path, headers, payload))
        headers["User-Agent"] = self.user_agent
        headers["Content-Length"] = str(len(payload))
        status, data, error_type = self._roundtrip(payload, headers, timeout)
        if status != 200:
            raise error_from_response(status, data, error_type)
        if not data.strip():
            return {}
        try:
            decoded = json.loads(data)
        except ValueError as exc:
            raise TransportError(f"{target}: the answer is not JSON") from exc
        if not isinstance(decoded, dict):
            raise TransportError(f"{target}: the answer is not a JSON object")
        return decoded

    def _roundtrip(
        self, payload: bytes, headers: Mapping[str, str], timeout: float
    ) -> tuple[int, bytes, str | None]:
        interruptions = self._interruptions
        for attempt in (1, 2):
            conn = self._acquire()
            reused = conn.sock is not None
            ok = False
            try:
                if conn.sock is None:
                    conn.timeout = self.connect_timeout
                    conn.connect()
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                conn.request("POST", self.path, body=payload, headers=dict(headers), encode_chunked=False)
                response = conn.getresponse()
                data = response.read()
                ok = not response.will_close
                return response.status, data, response.getheader("x-amzn-ErrorType")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                # A kept-alive connection the server closed meanwhile: retry once on a fresh one.
                if reused and attempt == 1 and interruptions == self._interruptions:
                    continue
                raise TransportError(f"connection to {self.host_header} lost: {exc}") from exc
            except (OSError, http.client.HTTPException) as exc:
                raise TransportError(f"request to {self.host_header} failed: {exc}") from exc
            finally:
                self._release(conn, ok)
        raise TransportError("unreachable")  # pragma: no cover
