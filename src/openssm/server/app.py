"""The ASGI application: the AWS APIs on `POST /`, health and metrics for operators.

`POST /` serves every JSON-protocol service (told apart by `X-Amz-Target`) and the CloudWatch
Query protocol (form-encoded `Action=`). The body is read with a size limit; anything that is not
an API call gets a JSON error, never an HTML page.

Plain ASGI, no framework: four routes do not need one, and every request of a busy fleet passes
through here (a framework's routing, middleware and response objects cost more than our SigV4).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from openssm.protocol.sigv4 import SignedRequest
from openssm.server.runtime import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[str, str]]

log = logging.getLogger("openssm.server")

JSON_11 = "application/x-amz-json-1.1"


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def respond(send: Send, status: int, headers: Headers, body: bytes, *, head: bool = False) -> None:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


def json_error(status: int, code: str, message: str) -> tuple[int, Headers, bytes]:
    """An AWS JSON error for a request that never reached the gateway (with a request id too)."""
    body = orjson.dumps({"__type": code, "message": message})
    return status, [("content-type", JSON_11), ("x-amzn-requestid", str(uuid.uuid4()))], body


def create_app(runtime: Runtime) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    settings = runtime.settings

    async def api(scope: Scope, receive: Receive) -> tuple[int, Headers, bytes]:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body = await read_body(receive, headers.get("content-length"), settings.max_body_bytes)
        except BodyTooLarge:
            return json_error(
                413, "RequestEntityTooLarge", f"Request body exceeds {settings.max_body_bytes} bytes."
            )
        signed = SignedRequest(
            method="POST",
            path=scope["path"],
            query=scope["query_string"].decode("latin-1"),
            headers=headers,
            body=body,
        )
        if "x-amz-target" not in headers and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            if runtime.query_handler is None:
                return json_error(400, "UnknownOperationException", "The Query protocol is not served.")
            return await runtime.query_handler(signed)
        result = await runtime.gateway.handle(signed)
        return result.status, result.headers, result.body

    async def healthz() -> tuple[int, Headers, bytes]:
        healthy = await runtime.check_health()
        body = orjson.dumps({"status": "ok" if healthy else "unhealthy"})
        return (200 if healthy else 503), [("content-type", "application/json")], body

    def metrics() -> tuple[int, Headers, bytes]:
        return 200, [("content-type", "text/plain; version=0.0.4")], runtime.metrics_text().encode()

    async def http(scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        try:
            if path == "/" and method == "POST":
                answer = await api(scope, receive)
            elif path == "/healthz" and method in ("GET", "HEAD"):
                answer = await healthz()
            elif path == "/metrics" and method in ("GET", "HEAD"):
                answer = metrics()
            else:
                answer = json_error(
                    400 if method == "POST" else 404,
                    "UnknownOperationException",
                    f"No API at {method} {path}; send AWS API calls as POST /.",
                )
        except Exception:
            log.exception("internal error serving %s %s", method, path)
            answer = json_error(500, "InternalServerError", "An internal error occurred.")
        await respond(send, *answer, head=method == "HEAD")

    async def lifespan(receive: Receive, send: Send) -> None:
        context = runtime.lifespan(None)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await context.__aenter__()
                except Exception as error:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await context.__aexit__(None, None, None)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await lifespan(receive, send)

    return app
