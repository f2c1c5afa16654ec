"""Serving the app with uvicorn (HTTP or HTTPS), with a graceful stop: on SIGTERM/SIGINT the
runtime hears of it at once (long polls end, the local agent stops), then uvicorn finishes the
requests in flight."""

from __future__ import annotations

from collections.abc import Callable
from types import FrameType

import uvicorn

from openssm.server.app import create_app
from openssm.server.runtime import Runtime


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


def serve(runtime: Runtime) -> None:
    settings = runtime.settings
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
    )
    _Server(config, on_exit=runtime.begin_shutdown).run()
