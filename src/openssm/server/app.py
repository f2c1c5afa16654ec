"""Routes: the AWS APIs on `POST /`, health and metrics for operators.

`POST /` serves every JSON-protocol service (told apart by `X-Amz-Target`) and the CloudWatch
Query protocol (form-encoded `Action=`). The body is read with a size limit; anything that is not
an API call gets a JSON error, never an HTML page.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from openssm.protocol.sigv4 import SignedRequest
from openssm.server.runtime import Runtime

QueryHandler = Callable[[SignedRequest], Awaitable[tuple[int, list[tuple[str, str]], bytes]]]


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _json_error(status: int, code: str, message: str) -> Response:
    """An AWS JSON error for a request that never reached the gateway (it carries a request id too)."""
    return Response(
        orjson.dumps({"__type": code, "message": message}),
        status_code=status,
        media_type="application/x-amz-json-1.1",
        headers={"x-amzn-requestid": str(uuid.uuid4())},
    )


def create_app(runtime: Runtime) -> Starlette:
    settings = runtime.settings

    async def api(request: Request) -> Response:
        try:
            body = await read_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            return _json_error(
                413, "RequestEntityTooLarge", f"Request body exceeds {settings.max_body_bytes} bytes."
            )
        signed = SignedRequest(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers.raw},
            body=body,
        )
        content_type = signed.headers.get("content-type", "")
        if "x-amz-target" not in signed.headers and content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            if runtime.query_handler is None:
                return _json_error(400, "UnknownOperationException", "The Query protocol is not served.")
            status, headers, payload = await runtime.query_handler(signed)
            return Response(payload, status_code=status, headers=dict(headers))
        result = await runtime.gateway.handle(signed)
        return Response(result.body, status_code=result.status, headers=dict(result.headers))

    async def not_an_api_call(request: Request) -> Response:
        return _json_error(
            404 if request.method != "POST" else 400,
            "UnknownOperationException",
            f"No API at {request.method} {request.url.path}; send AWS API calls as POST /.",
        )

    async def healthz(request: Request) -> Response:
        healthy = await runtime.check_health()
        return JSONResponse({"status": "ok" if healthy else "unhealthy"}, status_code=200 if healthy else 503)

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(runtime.metrics_text(), media_type="text/plain; version=0.0.4")

    routes = [
        Route("/", api, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/{path:path}", not_an_api_call, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]),
    ]

    async def server_error(request: Request, exc: Exception) -> Response:
        return _json_error(500, "InternalServerError", "An internal error occurred.")

    return Starlette(
        routes=routes,
        lifespan=runtime.lifespan,
        exception_handlers={Exception: server_error, 500: server_error},
    )
