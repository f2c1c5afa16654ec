"""Managed nodes at scale (issue 3), with a swarm of simulated nodes speaking the real node protocol.

Phases, in one run against one `openssm serve` (SQLite, real SigV4):
1. register N swarm nodes (CreateActivation, then the official agent's registration) and start
   their long polls; a real `openssm agent` is registered and started alongside (idle);
2. fan-out: SendCommand to all N swarm nodes (tag target, MaxConcurrency 100%) — seconds from
   the SendCommand call to the command's Success (ListCommands polled every 25 ms), repeated;
3. stored invocations: more such commands (in waves) until the store holds the wanted number of
   invocations, answered by the swarm; then the server's RSS with N nodes connected;
4. the agent's idle RSS (VmRSS) and its CPU seconds over an idle window;
5. SendCommand requests/s to 10 registered nodes, openssm vs moto's server side by side (same
   pre-signed bodies; the 10 nodes are Online but not polling, so only the API and the rollout
   worker are measured, as moto does nothing more).

    python benchmarks/node_swarm.py            # 1,000 nodes, 100,000 invocations (~10 minutes)
    python benchmarks/node_swarm.py --quick    # 100 nodes, a few thousand invocations
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastsign
import loadgen
import profiling
from servers import Agent, Moto, OpenSsm, Workdir, cpu_seconds, rss_mb
from swarm import ApiClient, Swarm, User

TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}
WARM_UP = 50  # SendCommand requests sent to each server before the measured ones


@dataclass
class FanOut:
    nodes: int
    to_success: float  # SendCommand sent -> ListCommands shows Success
    to_last_reply: float  # SendCommand sent -> the last node's final reply accepted
    first_delivery: float  # SendCommand sent -> the first node received the message
    last_delivery: float
    status: str
    server_cpu: float = 0.0  # CPU seconds the server used meanwhile
    swarm_cpu: float = 0.0  # CPU seconds this process (swarm + client) used meanwhile


@dataclass
class Figures:
    nodes: int = 0
    register_seconds: float = 0.0
    idle_rss: float = 0.0
    fan_outs: list[FanOut] = field(default_factory=list)
    invocations: int = 0
    fill_seconds: float = 0.0
    fill_mode: str = ""
    rss_loaded: float = 0.0
    agent_rss: float = 0.0
    agent_cpu: float = 0.0
    agent_window: float = 0.0
    send_openssm: loadgen.LoadResult | None = None
    send_moto: loadgen.LoadResult | None = None
    swarm_errors: int = 0
    redeliveries: int = 0
    swarm_sample_error: str = ""
    notes: list[str] = field(default_factory=list)


async def create_activation(user: User, limit: int, tag: str) -> tuple[str, str]:
    activation = await user.ssm(
        "CreateActivation",
        IamRole="SSMServiceRole",
        RegistrationLimit=limit,
        Tags=[{"Key": "swarm", "Value": tag}],
        DefaultInstanceName="swarm",
    )
    return activation["ActivationId"], activation["ActivationCode"]


async def register(user: User, swarm: Swarm, count: int, tag: str) -> None:
    while count > 0:
        batch = min(count, 1000)  # RegistrationLimit is at most 1,000
        activation_id, code = await create_activation(user, batch, tag)
        await swarm.register(batch, activation_id, code)
        count -= batch


async def wait_command(user: User, command_id: str, interval: float, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        command: dict[str, Any] = (await user.ssm("ListCommands", CommandId=command_id))["Commands"][0]
        if command["Status"] in TERMINAL or time.monotonic() > deadline:
            return command
        await asyncio.sleep(interval)


async def send_to_tag(user: User, tag: str, concurrency: str = "100%") -> str:
    response = await user.ssm(
        "SendCommand",
        DocumentName="AWS-RunShellScript",
        Targets=[{"Key": "tag:swarm", "Values": [tag]}],
        Parameters={"commands": ["echo ok"]},
        MaxConcurrency=concurrency,
        MaxErrors="0",
        TimeoutSeconds=600,
    )
    command_id: str = response["Command"]["CommandId"]
    return command_id


async def fan_out(user: User, swarm: Swarm, tag: str, server_pid: int) -> FanOut:
    server_cpu, own_cpu = cpu_seconds(server_pid), time.process_time()
    started = time.time()
    command_id = await send_to_tag(user, tag)
    command = await wait_command(user, command_id, 0.025, 300)
    ended = time.time()
    deliveries = swarm.stats.of_command(command_id)
    finished = [d.finished for d in deliveries if d.finished is not None]
    received = [d.received for d in deliveries]
    return FanOut(
        nodes=len(deliveries),
        to_success=ended - started,
        to_last_reply=(max(finished) - started) if finished else float("nan"),
        first_delivery=(min(received) - started) if received else float("nan"),
        last_delivery=(max(received) - started) if received else float("nan"),
        status=command["Status"],
        server_cpu=cpu_seconds(server_pid) - server_cpu,
        swarm_cpu=time.process_time() - own_cpu,
    )


async def fill(user: User, tag: str, commands: int, wave: int) -> None:
    """Send `commands` more fan-out commands, `wave` at a time, each waited for."""
    sent = 0
    while sent < commands:
        count = min(wave, commands - sent)
        ids = await asyncio.gather(*(send_to_tag(user, tag) for _ in range(count)))
        results = await asyncio.gather(*(wait_command(user, c, 0.25, 600) for c in ids))
        for result in results:
            if result["Status"] != "Success":
                raise RuntimeError(
                    f"fill command ended {result['Status']}: {json.dumps(result, default=str)}"
                )
        sent += count


async def fill_fast(user: User, swarm: Swarm, tag: str, commands: int) -> None:
    """Store invocations without running them: with the nodes not polling, send `commands`
    fan-out commands with the shortest delivery timeout (30 s); their invocations end
    DeliveryTimedOut; then the nodes poll again."""
    await swarm.pause()
    ids = []
    for _ in range(commands):
        response = await user.ssm(
            "SendCommand",
            DocumentName="AWS-RunShellScript",
            Targets=[{"Key": "tag:swarm", "Values": [tag]}],
            Parameters={"commands": ["echo ok"]},
            MaxConcurrency="100%",
            TimeoutSeconds=30,
        )
        ids.append(response["Command"]["CommandId"])
    for command_id in ids:
        await wait_command(user, command_id, 1.0, 300)
    swarm.start()
    await asyncio.sleep(5)


def send_command_bodies(instance_ids: Sequence[str], count: int) -> list[bytes]:
    body = json.dumps(
        {
            "DocumentName": "AWS-RunShellScript",
            "InstanceIds": list(instance_ids),
            "Parameters": {"commands": ["echo ok"]},
            "TimeoutSeconds": 30,
        }
    ).encode()
    return [body] * count


async def send_command_rate(
    user: User, openssm: OpenSsm, moto: Moto, args: argparse.Namespace, figures: Figures
) -> None:
    """SendCommand req/s to 10 Online (not polling) nodes, openssm then moto."""
    rate_nodes = Swarm("127.0.0.1", openssm.port, keys=1)
    try:
        activation_id, code = await create_activation(user, 10, "rate-" + uuid.uuid4().hex[:6])
        await rate_nodes.register(10, activation_id, code)
        creds = openssm.credentials
        targets = (
            (
                "openssm",
                openssm,
                loadgen.Signer(creds["access_key_id"], creds["secret_access_key"]),
                args.send_requests,
            ),
            ("moto", moto, loadgen.Signer(Moto.access_key, Moto.secret_key), args.moto_send_requests),
        )
        for label, server, signer, count in targets:
            bodies = send_command_bodies(rate_nodes.instance_ids, count + WARM_UP)
            raw = loadgen.presign(server.host, "AmazonSSM.SendCommand", bodies, signer)
            await loadgen.run_async("127.0.0.1", server.port, raw[:WARM_UP], connections=args.connections)
            profile = args.profile if label == "openssm" and args.profile_phase == "send" else None
            with profiling.sampled(openssm.pid, profile) if profile else contextlib.nullcontext():
                result = await loadgen.run_async(
                    "127.0.0.1", server.port, raw[WARM_UP:], connections=args.connections
                )
            if label == "openssm":
                figures.send_openssm = result
            else:
                figures.send_moto = result
            print(f"  SendCommand to 10 nodes, {label:7} {result.line()}")
            if result.errors:
                print(f"      first error: {result.sample_error}")
    finally:
        await rate_nodes.stop()


async def watch_agent(agent: Agent, args: argparse.Namespace, figures: Figures) -> None:
    """The idle agent: its RSS once settled, then its CPU seconds over the idle window (this runs
    alongside the other phases; the agent is never sent a command)."""
    await asyncio.sleep(args.agent_settle)
    figures.agent_rss = rss_mb(agent.pid)
    cpu0, started = cpu_seconds(agent.pid), time.monotonic()
    await asyncio.sleep(args.agent_window)
    figures.agent_window = time.monotonic() - started
    figures.agent_cpu = cpu_seconds(agent.pid) - cpu0


async def run_phases(openssm: OpenSsm, moto: Moto, agent: Agent, args: argparse.Namespace) -> Figures:
    figures = Figures(nodes=args.nodes)
    creds = openssm.credentials
    client = ApiClient("127.0.0.1", openssm.port, 4)
    user = User(client, creds["access_key_id"], creds["secret_access_key"])
    tag = "swarm-" + uuid.uuid4().hex[:6]
    swarm = Swarm("127.0.0.1", openssm.port, reply_connections=args.reply_connections)
    try:
        # the real agent, idle all along
        agent_activation = await create_activation(user, 1, "agent")
        await asyncio.to_thread(agent.register, openssm.endpoint, *agent_activation)
        agent.start()
        agent_watch = asyncio.create_task(watch_agent(agent, args, figures))

        started = time.monotonic()
        await register(user, swarm, args.nodes, tag)
        figures.register_seconds = time.monotonic() - started
        swarm.start()
        print(f"  registered {args.nodes} swarm nodes in {figures.register_seconds:.1f} s; polling")
        await asyncio.sleep(2)

        for index in range(args.fan_outs):
            if index == 0 and args.profile and args.profile_phase == "fanout":
                with profiling.sampled(openssm.pid, args.profile):
                    result = await fan_out(user, swarm, tag, openssm.pid)
            else:
                result = await fan_out(user, swarm, tag, openssm.pid)
            figures.fan_outs.append(result)
            print(
                f"  fan-out to {result.nodes} nodes: Success after {result.to_success:.2f} s "
                f"(last final reply {result.to_last_reply:.2f} s, deliveries {result.first_delivery:.2f}"
                f"-{result.last_delivery:.2f} s) {result.status}; CPU s: server {result.server_cpu:.1f}, "
                f"swarm {result.swarm_cpu:.1f}"
            )
            await asyncio.sleep(1)

        have = args.nodes * args.fan_outs
        more = max(0, -(-(args.invocations - have) // args.nodes))
        started = time.monotonic()
        if args.fill == "answered":
            await fill(user, tag, more, args.wave)
        else:
            await fill_fast(user, swarm, tag, more)
        figures.fill_seconds = time.monotonic() - started
        figures.invocations = have + more * args.nodes
        figures.fill_mode = args.fill
        print(
            f"  stored {figures.invocations} invocations ({more} more commands, {args.fill}, "
            f"in {figures.fill_seconds:.0f} s)"
        )
        await asyncio.sleep(2)
        figures.rss_loaded = rss_mb(openssm.pid)
        print(
            f"  openssm RSS with {args.nodes} nodes polling and {figures.invocations} invocations: "
            f"{figures.rss_loaded:.1f} MB"
        )

        await agent_watch
        print(
            f"  agent idle: RSS {figures.agent_rss:.1f} MB, {figures.agent_cpu:.2f} CPU s over "
            f"{figures.agent_window:.0f} s"
        )

        await swarm.stop()  # the swarm's polls end: the rate phase measures the API alone
        await send_command_rate(user, openssm, moto, args, figures)
        figures.swarm_errors = swarm.stats.errors
        figures.redeliveries = swarm.stats.redeliveries
        figures.swarm_sample_error = swarm.stats.sample_error
    finally:
        await swarm.stop()
        client.close()
    return figures


def summary(figures: Figures) -> list[tuple[str, str, str, bool]]:
    lines: list[tuple[str, str, str, bool]] = []
    if figures.fan_outs:
        best = min(f.to_success for f in figures.fan_outs)
        median = statistics.median(f.to_success for f in figures.fan_outs)
        lines.append(
            (
                f"fan-out to {figures.nodes} nodes, send -> Success",
                f"median {median:.2f} s (best {best:.2f} s, {len(figures.fan_outs)} runs)",
                "< 3 s",
                median < 3 and all(f.status == "Success" for f in figures.fan_outs),
            )
        )
    if figures.send_openssm and figures.send_moto:
        ratio = figures.send_openssm.rate / figures.send_moto.rate if figures.send_moto.rate else 0.0
        lines.append(
            (
                "SendCommand req/s to 10 nodes openssm (moto)",
                f"{figures.send_openssm.rate:.0f} ({figures.send_moto.rate:.0f}) = {ratio:.1f}x",
                ">= 10x moto",
                ratio >= 10 and not figures.send_openssm.errors,
            )
        )
    lines.append(
        (
            f"server RSS, {figures.nodes} nodes + {figures.invocations} invocations ({figures.fill_mode})",
            f"{figures.rss_loaded:.0f} MB (idle {figures.idle_rss:.0f} MB)",
            "< 250 MB",
            figures.rss_loaded < 250,
        )
    )
    lines.append(("agent idle RSS", f"{figures.agent_rss:.1f} MB", "< 40 MB", figures.agent_rss < 40))
    lines.append(
        (
            "agent idle CPU",
            f"{figures.agent_cpu:.2f} s over {figures.agent_window:.0f} s",
            "near zero",
            figures.agent_cpu < 0.01 * figures.agent_window,
        )
    )
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1000, help="swarm nodes")
    parser.add_argument("--fan-outs", type=int, default=5, help="timed fan-out commands")
    parser.add_argument("--invocations", type=int, default=100_000, help="invocations to store before RSS")
    parser.add_argument(
        "--fill",
        choices=("answered", "fast"),
        default="answered",
        help="answered: the swarm runs every stored invocation (100,000 take ~30 min); fast: the "
        "nodes pause and the invocations time out undelivered (minutes)",
    )
    parser.add_argument("--wave", type=int, default=4, help="answered fill: commands in flight at once")
    parser.add_argument("--send-requests", type=int, default=5_000, help="SendCommand requests to openssm")
    parser.add_argument("--moto-send-requests", type=int, default=1_000, help="SendCommand requests to moto")
    parser.add_argument("--connections", type=int, default=16, help="load generator connections")
    parser.add_argument("--reply-connections", type=int, default=32, help="swarm connections for replies")
    parser.add_argument("--agent-settle", type=float, default=20.0, help="seconds before the agent's RSS")
    parser.add_argument("--agent-window", type=float, default=60.0, help="agent idle CPU window, seconds")
    parser.add_argument("--db", default="", help="openssm database URL (default: SQLite in a temp dir)")
    parser.add_argument("--openssm-arg", action="append", default=[], help="extra `openssm serve` argument")
    parser.add_argument("--quick", action="store_true", help="100 nodes, 3 fan-outs, 2,000 invocations")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    parser.add_argument("--profile", type=Path, help="py-spy the server during one phase into FILE")
    parser.add_argument(
        "--profile-phase",
        choices=("fanout", "send"),
        default="fanout",
        help="the phase --profile samples: the first fan-out, or openssm's SendCommand load",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.nodes, args.fan_outs, args.invocations = 100, 3, 2_000
        args.send_requests, args.moto_send_requests = 1_000, 200
        args.agent_settle, args.agent_window = 5.0, 10.0
    return args


def run_benchmark(args: argparse.Namespace) -> Figures:
    fastsign.check()
    workdir = Workdir(keep=args.keep)
    openssm = OpenSsm(workdir.path / "openssm", *args.openssm_arg, db=args.db)
    moto = Moto(workdir.path)
    agent = Agent(workdir.path / "agent")
    try:
        openssm.start()
        moto.start()
        time.sleep(2)
        idle = rss_mb(openssm.pid)
        loadgen.install_uvloop()
        figures = asyncio.run(run_phases(openssm, moto, agent, args))
        figures.idle_rss = idle
        return figures
    finally:
        agent.stop()
        openssm.stop()
        moto.stop()
        workdir.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"node swarm: {args.nodes} nodes, {args.fan_outs} fan-outs, {args.invocations} invocations")
    figures = run_benchmark(args)
    if figures.swarm_errors:
        print(f"  swarm errors: {figures.swarm_errors} (first: {figures.swarm_sample_error})")
    if figures.redeliveries:
        print(
            f"  messages redelivered (not acknowledged within their visibility timeout): "
            f"{figures.redeliveries}"
        )
    if args.profile:
        print(profiling.report(args.profile))
    for name, value, target, met in summary(figures):
        print(f"  {name}: {value} (target {target}) {'ok' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
