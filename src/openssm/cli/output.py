"""`openssm output`: the whole output of a command invocation, beyond GetCommandInvocation's
24,000 / 8,000 characters (openssm's GetCommandInvocationOutput extension)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "output",
        help="print the whole output of a command on a node",
        description="Print the whole standard output (or error) a node reported for a command step. "
        "Uses the AWS environment (AWS_ENDPOINT_URL_SSM, credentials, region), "
        'as `eval "$(openssm env)"` sets it.',
    )
    parser.add_argument("--command-id", required=True)
    parser.add_argument("--instance-id", required=True)
    parser.add_argument("--plugin-name", help="the step (needed when the document has several)")
    parser.add_argument(
        "--stderr", action="store_true", help="print standard error instead of standard output"
    )
    parser.add_argument("--endpoint-url", help="server URL (default: $AWS_ENDPOINT_URL_SSM)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    endpoint = (
        args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_SSM") or os.environ.get("AWS_ENDPOINT_URL")
    )
    if not endpoint:
        print("error: no endpoint: pass --endpoint-url or set AWS_ENDPOINT_URL_SSM", file=sys.stderr)
        return 2
    session = botocore.session.get_session()
    credentials = session.get_credentials()
    if credentials is None:
        print("error: no AWS credentials in the environment", file=sys.stderr)
        return 2
    region = session.get_config_variable("region") or "us-east-1"
    body = {"CommandId": args.command_id, "InstanceId": args.instance_id}
    if args.plugin_name:
        body["PluginName"] = args.plugin_name
    request = AWSRequest(
        method="POST",
        url=endpoint.rstrip("/") + "/",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "OpenSSM.GetCommandInvocationOutput",
        },
    )
    SigV4Auth(credentials, "ssm", region).add_auth(request)
    prepared = urllib.request.Request(
        request.url, data=request.body, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(prepared, timeout=60) as response:
            result = json.loads(response.read())
    except urllib.error.HTTPError as error:
        failure = json.loads(error.read() or b"{}")
        print(f"error: {failure.get('__type')}: {failure.get('message')}", file=sys.stderr)
        return 1
    sys.stdout.write(result["StandardErrorContent" if args.stderr else "StandardOutputContent"])
    return 0
