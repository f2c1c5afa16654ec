"""One API request: authenticate -> parse -> dispatch -> serialize.

Protocol-level failures become AWS JSON errors; a bug becomes a JSON `InternalServerError`
(logged with its traceback), never an HTML page. Synchronous handlers run on the database
executor; async handlers (long polls) run on the event loop.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from openssm.core.clock import Clock
from openssm.core.context import ANONYMOUS, Principal, RequestContext
from openssm.core.errors import ApiError
from openssm.protocol import registry as reg
from openssm.protocol.json_protocol import Response, ServiceCodec, split_target
from openssm.protocol.sigv4 import SignedRequest
from openssm.protocol.spec import ServiceSpec
from openssm.server.auth import Authenticator
from openssm.store.engine import Database

log = logging.getLogger("openssm.request")


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
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        target = request.headers.get("x-amz-target", "")
        codec = self._codecs.get(target.partition(".")[0]) or next(iter(self._codecs.values()))
        operation_name = target.partition(".")[2] or "-"
        try:
            spec, operation_name = split_target(target, self._services)
            codec = self._codecs[spec.target_prefix]
            response = await self._dispatch(codec, operation_name, request, request_id)
        except ApiError as error:
            response = codec.error(error)
        except Exception:
            log.exception("internal error in %s (request %s)", operation_name, request_id)
            response = codec.error(
                ApiError("InternalServerError", "An internal error occurred. Request id " + request_id)
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

    async def _dispatch(
        self, codec: ServiceCodec, name: str, request: SignedRequest, request_id: str
    ) -> Response:
        operation = codec.spec.operation(name)
        if operation is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {name!r}.")
        handler = self._registry.lookup(codec.spec.name, name)
        if handler is None:
            await self._auth.authenticate(request, codec.spec.signing_name, self._db.run)
            raise ApiError(
                "NotImplementedException",
                f"openssm does not implement {codec.spec.name} {name} yet.",
                status=501,
            )
        principal: Principal
        if reg.ANONYMOUS in handler.callers:
            principal = ANONYMOUS
        else:
            principal = await self._auth.authenticate(request, codec.spec.signing_name, self._db.run)
            if principal.kind not in handler.callers:
                raise ApiError(
                    "AccessDeniedException",
                    f"{principal.kind} credentials are not allowed to call {name}.",
                )
        params = codec.parse(operation, request.body)
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
        return codec.result(operation, result)
