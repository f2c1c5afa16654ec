"""Entry point of the `openssm` command: serve, env, version, agent."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from openssm import __version__
from openssm.cli import env, output, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openssm",
        description="openssm: self-hosted AWS Systems Manager (Run Command, State Manager, Automation, "
        "Maintenance Windows) with the CloudWatch alarm safety gate.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    serve.add_subcommand(subparsers)
    env.add_subcommand(subparsers)
    output.add_subcommand(subparsers)
    version = subparsers.add_parser("version", help="print the openssm version")
    version.set_defaults(func=print_version)
    try:
        from openssm.agent.cli import add_agent_subcommands
    except ImportError:
        pass
    else:
        agent = subparsers.add_parser("agent", help="the openssm node agent")
        add_agent_subcommands(agent.add_subparsers(dest="agent_command", required=True))
    return parser


def print_version(args: argparse.Namespace) -> int:
    print(f"openssm {__version__}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
