"""`openssm env`: print the shell exports that point the AWS CLI and SDKs at this server."""

from __future__ import annotations

import argparse
import shlex

from openssm import config
from openssm.server.credentials import default_principal


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "env",
        help='print export lines for the AWS CLI / SDKs (use: eval "$(openssm env)")',
        description="Print `export` lines with this server's endpoint, region and default credentials.",
    )
    config.add_arguments(parser)
    parser.set_defaults(func=run)


def exports(settings: config.Settings) -> dict[str, str]:
    principal = default_principal(settings)
    values = {
        "AWS_ACCESS_KEY_ID": principal.access_key_id,
        "AWS_SECRET_ACCESS_KEY": principal.secret_access_key,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_REGION": settings.region,
        "AWS_ENDPOINT_URL_SSM": settings.endpoint_url,
        "AWS_ENDPOINT_URL_CLOUDWATCH": settings.endpoint_url,
    }
    if settings.tls_cert:
        values["AWS_CA_BUNDLE"] = str(settings.tls_cert.resolve())
    return values


def run(args: argparse.Namespace) -> int:
    settings = config.load(args)
    for name, value in exports(settings).items():
        print(f"export {name}={shlex.quote(value)}")
    print("unset AWS_SESSION_TOKEN AWS_PROFILE")
    return 0
