"""`openssm serve`: run the API server (and, with --local-agent, a local agent)."""

from __future__ import annotations

import argparse

import uvicorn

from openssm import config
from openssm.cli import logs


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="run the openssm server",
        description="Run the openssm server: the SSM API, the CloudWatch alarms API and the managed-node API.",
    )
    config.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openssm.server.app import create_app
    from openssm.server.runtime import Runtime

    settings = config.load(args)
    logs.configure(settings.log_format, settings.log_level)
    runtime = Runtime.build(settings)
    app = create_app(runtime)
    uvicorn_config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
    )
    server = uvicorn.Server(uvicorn_config)
    server.run()
    return 0
