"""`openssm agent register | run | status` (also `python -m openssm.agent ...`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from openssm.agent import AGENT_NAME, AGENT_VERSION, host
from openssm.agent.client import NodeClient
from openssm.agent.commands import CommandManager
from openssm.agent.config import AgentConfig
from openssm.agent.credentials import CredentialProvider
from openssm.agent.delivery import ReplySender
from openssm.agent.identity import NodeKey, RegistrationError, register
from openssm.agent.journal import CommandJournal
from openssm.agent.logs import configure
from openssm.agent.replies import AgentInfo, ReplyBuilder
from openssm.agent.runner import DocumentRunner
from openssm.agent.spool import ReplySpool
from openssm.agent.state import StateDir, default_state_dir
from openssm.agent.transport import AwsError, JsonTransport, TransportError
from openssm.agent.worker import Worker

log = logging.getLogger(__name__)
USER_AGENT = f"{AGENT_NAME}/{AGENT_VERSION} Python/{sys.version_info.major}.{sys.version_info.minor}"


def _state(args: argparse.Namespace) -> StateDir:
    return StateDir(Path(args.state_dir) if args.state_dir else default_state_dir())


def _transport(config: AgentConfig) -> JsonTransport:
    return JsonTransport(
        config.server_url,
        ca_file=config.ca_file,
        connect_timeout=config.connect_timeout,
        user_agent=USER_AGENT,
    )


def build_worker(config: AgentConfig, state: StateDir) -> Worker:
    """Assemble a worker for a registered node."""
    registration = state.load_registration()
    if registration is None:
        raise RegistrationError(f"not registered (no {state.registration_file}); run `agent register` first")
    state.ensure()
    client = NodeClient(
        _transport(config),
        region=config.region,
        request_timeout=config.request_timeout,
        long_poll_timeout=config.long_poll_timeout,
    )
    credentials = CredentialProvider(
        client,
        instance_id=registration.instance_id,
        fingerprint=registration.fingerprint,
        key=NodeKey.load(state),
    )
    client.credentials = credentials.get
    spool = ReplySpool(
        state.replies_dir,
        max_age=config.spool_max_age,
        retry_min=config.spool_retry_min,
        retry_max=config.spool_retry_max,
    )
    sender = ReplySender(client, spool, on_credentials_rejected=credentials.invalidate)
    host_info = host.detect()
    commands = CommandManager(
        client=client,
        sender=sender,
        journal=CommandJournal(state.journal_file, retention=config.journal_retention),
        builder=ReplyBuilder(AgentInfo(os=host_info.os)),
        runner=DocumentRunner(),
        host=host_info,
        instance_id=registration.instance_id,
        region=config.region,
        commands_dir=state.commands_dir,
        max_concurrent=config.max_concurrent_commands,
        max_message_age=config.max_message_age,
    )
    return Worker(
        config=config,
        client=client,
        credentials=credentials,
        commands=commands,
        sender=sender,
        instance_id=registration.instance_id,
        host_info=host_info,
    )


def cmd_register(args: argparse.Namespace) -> int:
    configure("text", "INFO")
    state = _state(args)
    config = AgentConfig(
        state_dir=state.root, server_url=args.server, region=args.region, ca_file=args.ca_file
    )
    client = NodeClient(_transport(config), region=args.region, request_timeout=config.request_timeout)
    try:
        registration = register(
            state,
            client,
            server_url=args.server,
            region=args.region,
            activation_id=args.activation_id,
            activation_code=args.activation_code,
            ca_file=os.path.abspath(args.ca_file) if args.ca_file else None,
            force=args.force,
        )
    except RegistrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (AwsError, TransportError, ValueError) as exc:
        print(f"error: registration failed: {exc}", file=sys.stderr)
        return 1
    print(registration.instance_id)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    configure(args.log_format, args.log_level)
    state = _state(args)
    registration = state.load_registration()
    if registration is None:
        log.error("not registered (no %s); run `agent register` first", state.registration_file)
        return 2
    config = AgentConfig(
        state_dir=state.root,
        server_url=registration.server_url,
        region=registration.region,
        ca_file=args.ca_file or registration.ca_file,
    )
    worker = build_worker(config, state)

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("received %s", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return worker.run()


def cmd_status(args: argparse.Namespace) -> int:
    state = _state(args)
    registration = state.load_registration()
    if registration is None:
        print(f"not registered (state directory {state.root})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(asdict(registration), indent=2))
    else:
        print(registration.instance_id)
    return 0


def add_agent_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register `register`, `run` and `status` on an `agent` sub-command's subparsers."""
    state_help = (
        "state directory (default: /var/lib/openssm-agent as root, else ~/.local/state/openssm-agent)"
    )

    reg = subparsers.add_parser("register", help="register this node with an activation")
    reg.add_argument(
        "--server", required=True, help="openssm node API URL, e.g. https://openssm.example:8443"
    )
    reg.add_argument("--activation-id", required=True)
    reg.add_argument("--activation-code", required=True)
    reg.add_argument("--region", required=True)
    reg.add_argument("--state-dir", help=state_help)
    reg.add_argument(
        "--ca-file",
        help="PEM bundle of the CAs to trust for https instead of the system store (remembered for `run`)",
    )
    reg.add_argument("--force", action="store_true", help="register again, replacing the current identity")
    reg.set_defaults(func=cmd_register)

    run = subparsers.add_parser("run", help="run the agent (poll for commands until SIGTERM)")
    run.add_argument("--state-dir", help=state_help)
    run.add_argument(
        "--ca-file", help="PEM bundle of the CAs to trust for https (default: the one given at register)"
    )
    run.add_argument("--log-format", choices=("text", "json"), default="text")
    run.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    run.set_defaults(func=cmd_run)

    status = subparsers.add_parser("status", help="print this node's managed instance id")
    status.add_argument("--state-dir", help=state_help)
    status.add_argument("--json", action="store_true", help="print the whole registration")
    status.set_defaults(func=cmd_status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openssm-agent", description="the openssm node agent")
    add_agent_subcommands(parser.add_subparsers(dest="agent_command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result
