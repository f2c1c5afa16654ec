"""One API request: authenticate -> parse -> dispatch -> serialize.

Protocol-level failures become AWS JSON errors; a bug becomes a JSON `InternalServerError`
(logged with its traceback), never an HTML page. Synchronous handlers run on the database
executor; async handlers (long polls) run on the event loop.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from openssm.core.clock import Clock
from openssm.core.context import ANONYMOUS, Principal, RequestContext
from openssm.core.errors import ApiError
from openssm.protocol import registry as reg
from openssm.protocol.json_protocol import Response, ServiceCodec, split_target
from openssm.protocol.query_protocol import QueryCodec
from openssm.protocol.sigv4 import SignedRequest
from openssm.protocol.spec import ServiceSpec
from openssm.server.auth import Authenticator
from openssm.store.engine import Database

log = logging.getLogger("openssm.request")

Codec = ServiceCodec | QueryCodec


@dataclass
class RequestStats:
    """Counters exported on /metrics."""

    requests: dict[tuple[str, str, int], int] = field(default_factory=dict)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)

    def record(self, service: str, operation: str, status: int, elapsed: float) -> None:
        key = (service, operation, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        self.seconds[(service, operation)] = self.seconds.get((service, operation), 0.0) + elapsed


class Gateway:
    def __init__(
        self,
        services: Sequence[ServiceSpec],
        registry: reg.OperationRegistry,
        authenticator: Authenticator,
        db: Database,
        clock: Clock,
        region: str,
    ) -> None:
        self._codecs = {spec.target_prefix: ServiceCodec(spec) for spec in services}
        self._services = list(services)
        self._registry = registry
        self._auth = authenticator
        self._db = db
        self._clock = clock
        self._region = region
        self.stats = RequestStats()

    def codec_for(self, spec: ServiceSpec) -> ServiceCodec:
        return self._codecs[spec.target_prefix]

    async def handle(self, request: SignedRequest) -> Response:
        target = request.headers.get("x-amz-target", "")
        codec = self._codecs.get(target.partition(".")[0]) or next(iter(self._codecs.values()))

        def resolve() -> tuple[ServiceCodec, str]:
            spec, name = split_target(target, self._services)
            return self._codecs[spec.target_prefix], name

        return await self._serve(codec, target.partition(".")[2] or "-", request, resolve)

    async def handle_query(self, codec: QueryCodec, request: SignedRequest) -> Response:
        """A Query-protocol request (form-encoded `Action=`) for the service `codec` speaks."""

        def resolve() -> tuple[QueryCodec, str]:
            return codec, codec.action(request.body)

        return await self._serve(codec, "-", request, resolve)

    async def _serve(
        self,
        codec: Codec,
        operation_name: str,
        request: SignedRequest,
        resolve: Callable[[], tuple[Codec, str]],
    ) -> Response:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        try:
            codec, operation_name = resolve()
            response = await self._dispatch(codec, operation_name, request, request_id)
        except ApiError as error:
            response = codec.error(error, request_id)
        except Exception:
            log.exception("internal error in %s (request %s)", operation_name, request_id)
            response = codec.error(
                ApiError("InternalServerError", "An internal error occurred. Request id " + request_id),
                request_id,
            )
        response.headers.append(("x-amzn-requestid", request_id))
        elapsed = time.perf_counter() - started
        self.stats.record(codec.spec.name, operation_name, response.status, elapsed)
        log.info(
            "%s %s %d %.1fms",
            codec.spec.name,
            operation_name,
            response.status,
            elapsed * 1000,
            extra={
                "service": codec.spec.name,
                "operation": operation_name,
                "status": response.status,
                "latency_ms": round(elapsed * 1000, 2),
                "request_id": request_id,
            },
        )
        return response

    async def _dispatch(self, codec: Codec, name: str, request: SignedRequest, request_id: str) -> Response:
        operation = codec.spec.operation(name)
        if operation is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {name!r}.")
        handler = self._registry.lookup(codec.spec.name, name)
        principal: Principal
        if handler is not None and reg.ANONYMOUS in handler.callers:
            principal = ANONYMOUS
        else:
            principal = await self._auth.authenticate(request, codec.spec.signing_name, self._db.run)
            if handler is not None and principal.kind not in handler.callers:
                raise ApiError(
                    "AccessDeniedException",
                    f"{principal.kind} credentials are not allowed to call {name}.",
                )
        # the model's input rules hold whether or not we serve the operation yet
        params = codec.parse(operation, request.body)
        if handler is None:
            raise ApiError(
                "NotImplementedException",
                f"openssm does not implement {codec.spec.name} {name} yet.",
                status=501,
            )
        ctx = RequestContext(
            request_id=request_id,
            operation=name,
            region=self._region,
            principal=principal,
            raw_request=request if principal is ANONYMOUS else None,
        )
        if handler.is_async:
            result = await handler.call(ctx, params)
        else:
            result = await self._db.run(handler.call, ctx, params)
        return codec.result(operation, result, request_id)
