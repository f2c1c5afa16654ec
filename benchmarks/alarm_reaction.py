"""The alarm gate (issue 4): how fast an alarm stops a rollout, and what the gate costs.

Reaction (built-in alarm source). Swarm nodes take `--work` seconds per command; a command runs
on them one at a time (MaxConcurrency 1) under an AlarmConfiguration. In each trial, once the
second node is running, the alarm is set to ALARM (SetAlarmState) at a random moment; the
reaction time is from just before SetAlarmState to ListCommands showing TriggeredAlarms (polled
every 10 ms). The nodes also record every dispatch: a message created after the SetAlarmState call
is a dispatch the gate failed to stop ("late dispatch"). Statistics over `--trials` trials.

Gate latency per dispatch batch. A command over `--nodes` swarm nodes that answer at once, with
MaxConcurrency 1: the gap between one node's final reply and the next node receiving its message
is the server's turnaround per batch. Measured with no gate, with the built-in gate, and with the
remote `cloudwatch` source against moto's server (a second openssm started with
`--alarm-source cloudwatch --cloudwatch-endpoint <moto>`), whose gate re-reads the alarm right
before each batch.

    python benchmarks/alarm_reaction.py            # 100 trials (~2 minutes)
    python benchmarks/alarm_reaction.py --quick    # 20 trials
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import fastsign
import loadgen
from servers import Moto, OpenSsm, Workdir
from swarm import ApiClient, Swarm, User, wait_until

TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}
ALARM = "bench-gate"


@dataclass
class Trial:
    reaction: float  # SetAlarmState sent -> TriggeredAlarms visible
    late_dispatches: int  # messages created after SetAlarmState was sent
    dispatched: int
    status: str


@dataclass
class Gaps:
    label: str
    gaps: list[float] = field(default_factory=list)  # seconds between a final reply and the next delivery
    per_node: list[float] = field(default_factory=list)  # command duration / nodes

    @property
    def median_ms(self) -> float:
        return statistics.median(self.gaps) * 1000 if self.gaps else float("nan")

    @property
    def per_node_ms(self) -> float:
        return statistics.median(self.per_node) * 1000 if self.per_node else float("nan")

    @property
    def p90_ms(self) -> float:
        if not self.gaps:
            return float("nan")
        ordered = sorted(self.gaps)
        return ordered[int(0.9 * (len(ordered) - 1))] * 1000


@dataclass
class Figures:
    trials: list[Trial] = field(default_factory=list)
    gaps: list[Gaps] = field(default_factory=list)
    remote_read_ms: float = float("nan")  # one boto3 DescribeAlarms against moto, median

    def reaction_ms(self, q: float) -> float:
        ordered = sorted(t.reaction for t in self.trials)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def alarm_configuration() -> dict[str, Any]:
    return {"Alarms": [{"Name": ALARM}], "IgnorePollAlarmFailure": False}


# The alarm the gated commands watch (never breached by data: the benchmark flips its state).
ALARM_DEFINITION: dict[str, Any] = {
    "AlarmName": ALARM,
    "MetricName": "Errors",
    "Namespace": "Bench",
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 1000.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


async def put_alarm(user: User) -> None:
    await user.cloudwatch("PutMetricAlarm", **ALARM_DEFINITION)


async def set_state(user: User, state: str) -> None:
    await user.cloudwatch("SetAlarmState", AlarmName=ALARM, StateValue=state, StateReason="benchmark")


async def send(user: User, instance_ids: list[str], gated: bool) -> str:
    extra: dict[str, Any] = {"AlarmConfiguration": alarm_configuration()} if gated else {}
    response = await user.ssm(
        "SendCommand",
        DocumentName="AWS-RunShellScript",
        InstanceIds=instance_ids,
        Parameters={"commands": ["echo ok"]},
        MaxConcurrency="1",
        MaxErrors="0",
        **extra,
    )
    command_id: str = response["Command"]["CommandId"]
    return command_id


async def command(user: User, command_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await user.ssm("ListCommands", CommandId=command_id))["Commands"][0]
    return found


async def wait_terminal(user: User, command_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = await command(user, command_id)
        if found["Status"] in TERMINAL or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def trial(user: User, swarm: Swarm, work: float) -> Trial:
    await set_state(user, "OK")
    command_id = await send(user, swarm.instance_ids, gated=True)
    if not await wait_until(lambda: len(swarm.stats.of_command(command_id)) >= 2, 60, 0.005):
        raise RuntimeError(f"command {command_id} did not reach its second node")
    await asyncio.sleep(random.uniform(0, work))
    flipped = time.time()
    await set_state(user, "ALARM")
    while True:
        found = await command(user, command_id)
        if found.get("TriggeredAlarms"):
            reaction = time.time() - flipped
            break
        if found["Status"] in TERMINAL:
            reaction = float("inf")  # finished without the gate noticing
            break
        await asyncio.sleep(0.01)
    final = await wait_terminal(user, command_id)
    deliveries = swarm.stats.of_command(command_id)
    late = [d for d in deliveries if d.created > flipped + 0.001]  # CreatedDate has millisecond precision
    return Trial(reaction, len(late), len(deliveries), final["Status"])


async def measure_gaps(user: User, swarm: Swarm, labels: tuple[str, str], runs: int) -> list[Gaps]:
    """Commands without and with the gate, alternating (so drift affects both alike)."""
    results = [Gaps(labels[0]), Gaps(labels[1])]
    for _ in range(runs):
        for gated, result in ((False, results[0]), (True, results[1])):
            started = time.time()
            command_id = await send(user, swarm.instance_ids, gated)
            final = await wait_terminal(user, command_id)
            ended = time.time()
            if final["Status"] != "Success":
                raise RuntimeError(f"{result.label}: command ended {final['Status']}")
            deliveries = sorted(swarm.stats.of_command(command_id), key=lambda d: d.received)
            for previous, following in itertools.pairwise(deliveries):
                if previous.finished is not None:
                    result.gaps.append(following.received - previous.finished)
            result.per_node.append((ended - started) / max(1, len(deliveries)))
    return results


async def with_swarm(server: OpenSsm, nodes: int, work: float) -> tuple[ApiClient, User, Swarm]:
    creds = server.credentials
    client = ApiClient("127.0.0.1", server.port, 4)
    user = User(client, creds["access_key_id"], creds["secret_access_key"])
    swarm = Swarm("127.0.0.1", server.port, work_seconds=work, keys=1)
    activation = await user.ssm("CreateActivation", IamRole="SSMServiceRole", RegistrationLimit=nodes)
    await swarm.register(nodes, activation["ActivationId"], activation["ActivationCode"])
    swarm.start()
    await asyncio.sleep(1)
    return client, user, swarm


async def builtin_phase(server: OpenSsm, args: argparse.Namespace, figures: Figures) -> None:
    client, user, swarm = await with_swarm(server, args.nodes, args.work)
    try:
        await put_alarm(user)
        for index in range(args.trials):
            result = await trial(user, swarm, args.work)
            figures.trials.append(result)
            if index % 10 == 9 or result.late_dispatches:
                print(
                    f"  trial {index + 1}: reaction {result.reaction * 1000:.0f} ms, "
                    f"{result.dispatched} dispatched, {result.late_dispatches} late, {result.status}"
                )
        swarm.work_seconds = 0.0
        await set_state(user, "OK")
        figures.gaps += await measure_gaps(user, swarm, ("no gate", "built-in gate"), args.gap_runs)
    finally:
        await swarm.stop()
        client.close()


async def remote_phase(server: OpenSsm, args: argparse.Namespace, figures: Figures) -> None:
    client, user, swarm = await with_swarm(server, args.nodes, 0.0)
    try:
        labels = ("no gate (remote-source server)", "cloudwatch gate (moto)")
        figures.gaps += await measure_gaps(user, swarm, labels, args.gap_runs)
    finally:
        await swarm.stop()
        client.close()


def remote_read_ms(cloudwatch: Any, reads: int = 50) -> float:
    """What one read of the remote source costs: boto3 DescribeAlarms against moto (median)."""
    times = []
    for _ in range(reads):
        started = time.perf_counter()
        cloudwatch.describe_alarms(AlarmNames=[ALARM])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run_benchmark(args: argparse.Namespace) -> Figures:
    fastsign.check()
    loadgen.install_uvloop()
    figures = Figures()
    workdir = Workdir(keep=args.keep)
    builtin = OpenSsm(workdir.path / "builtin", *args.openssm_arg, db=args.db)
    moto = Moto(workdir.path)
    remote: OpenSsm | None = None
    try:
        builtin.start()
        asyncio.run(builtin_phase(builtin, args, figures))
        builtin.stop()
        moto.start()
        cloudwatch = moto.client("cloudwatch")
        cloudwatch.put_metric_alarm(**ALARM_DEFINITION)
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="benchmark")
        figures.remote_read_ms = remote_read_ms(cloudwatch)
        remote = OpenSsm(
            workdir.path / "remote",
            "--alarm-source",
            "cloudwatch",
            "--cloudwatch-endpoint",
            moto.endpoint,
            "--cloudwatch-access-key-id",
            Moto.access_key,
            "--cloudwatch-secret-access-key",
            Moto.secret_key,
            *args.openssm_arg,
        )
        remote.start()
        asyncio.run(remote_phase(remote, args, figures))
        return figures
    finally:
        builtin.stop()
        if remote is not None:
            remote.stop()
        moto.stop()
        workdir.close()


def summary(figures: Figures) -> list[tuple[str, str, str, bool]]:
    lines: list[tuple[str, str, str, bool]] = []
    if figures.trials:
        late = sum(t.late_dispatches for t in figures.trials)
        statuses = sorted({t.status for t in figures.trials})
        lines.append(
            (
                f"alarm -> dispatch stopped ({len(figures.trials)} trials)",
                f"p50 {figures.reaction_ms(0.5):.0f} ms, p99 {figures.reaction_ms(0.99):.0f} ms; "
                f"late dispatches {late}; {'/'.join(statuses)}",
                "p99 < 1 s",
                figures.reaction_ms(0.99) < 1000 and late == 0,
            )
        )
    if figures.remote_read_ms == figures.remote_read_ms:  # measured (not NaN)
        lines.append(
            (
                "one remote read (boto3 DescribeAlarms, moto)",
                f"{figures.remote_read_ms:.1f} ms median",
                "-",
                True,
            )
        )
    by_label = {g.label: g for g in figures.gaps}
    for gate, base in (
        ("built-in gate", "no gate"),
        ("cloudwatch gate (moto)", "no gate (remote-source server)"),
    ):
        if gate in by_label and base in by_label:
            extra = by_label[gate].per_node_ms - by_label[base].per_node_ms
            lines.append(
                (
                    f"gate cost per dispatch batch, {gate}",
                    f"{extra:+.1f} ms ({by_label[gate].per_node_ms:.1f} vs "
                    f"{by_label[base].per_node_ms:.1f} ms per node, MaxConcurrency 1)",
                    "-",
                    True,
                )
            )
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=100, help="alarm flips to time")
    parser.add_argument(
        "--nodes", type=int, default=10, help="swarm nodes (one command runs on each in turn)"
    )
    parser.add_argument("--work", type=float, default=0.3, help="seconds each node works on a command")
    parser.add_argument("--gap-runs", type=int, default=10, help="commands per gate-latency measurement")
    parser.add_argument("--db", default="", help="openssm database URL (default: SQLite in a temp dir)")
    parser.add_argument("--openssm-arg", action="append", default=[], help="extra `openssm serve` argument")
    parser.add_argument("--quick", action="store_true", help="20 trials, 2 runs per gate measurement")
    parser.add_argument("--keep", action="store_true", help="keep the data directories and logs")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.gap_runs = 20, 3
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"alarm reaction: {args.trials} trials, {args.nodes} nodes, {args.work} s of work per command")
    figures = run_benchmark(args)
    for gaps in figures.gaps:
        print(
            f"  {gaps.label:32} {gaps.per_node_ms:6.1f} ms per node; gap from a final reply to the next "
            f"delivery: median {gaps.median_ms:6.1f} ms  p90 {gaps.p90_ms:6.1f} ms  "
            f"({len(gaps.gaps)} gaps)"
        )
    print(
        f"  one DescribeAlarms against moto (boto3, what the remote gate does per batch): "
        f"{figures.remote_read_ms:.1f} ms median"
    )
    for name, value, target, met in summary(figures):
        print(f"  {name}: {value} (target {target}) {'ok' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
