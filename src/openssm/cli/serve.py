"""`openssm serve`: run the API server (and, with --local-agent, a local agent)."""

from __future__ import annotations

import argparse
import sys

from openssm import config
from openssm.cli import logs


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the openssm server",
        description="Run the openssm server: the SSM API, the CloudWatch alarms API and the "
        "managed-node API.",
    )
    config.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openssm.server.listener import serve
    from openssm.server.runtime import Runtime

    try:
        settings = config.load(args)
    except (ValueError, OSError) as error:
        print(f"openssm serve: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format, settings.log_level)
    serve(Runtime.build(settings))
    return 0
