"""API throughput, openssm vs moto's server (issue 2): DescribeDocument, CreateDocument and
UpdateDocument with pre-signed requests over several keep-alive connections.

An account holds at most 500 documents (AWS's quota, which openssm enforces), so CreateDocument
requests are spread over as many accounts as they need (extra principals in a TOML config), and
UpdateDocument gives each created document one new version.

Both servers start side by side on free ports (openssm: one process, SQLite in a temporary data
directory, real SigV4 checking; moto: `python -m moto.server`). For each operation the same
requests (same bodies, each signed for its server) go to both. Also: openssm's RSS idle (after
start, before any load) and after the load.

    python benchmarks/api_throughput.py            # full run (about a minute)
    python benchmarks/api_throughput.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import loadgen
import profiling
from servers import Moto, OpenSsm, Workdir, rss_mb

DOCUMENT_NAME = "BenchDocument"
TARGET_PREFIX = "AmazonSSM."
PER_ACCOUNT = 490  # documents created per account (the quota is 500)


def principals(count: int) -> list[tuple[str, str, str]]:
    """Extra API principals, one account each: (access key id, secret, account id)."""
    return [(f"AKIABENCH{i:011d}", f"bench-secret-{i}", f"{200000000000 + i}") for i in range(count)]


def document_content(marker: str) -> str:
    return json.dumps(
        {
            "schemaVersion": "2.2",
            "description": f"benchmark document {marker}",
            "parameters": {"message": {"type": "String", "default": "hello"}},
            "mainSteps": [
                {
                    "action": "aws:runShellScript",
                    "name": "run",
                    "inputs": {"runCommand": ["echo {{ message }}"]},
                }
            ],
        }
    )


def describe_bodies(count: int, _run: str) -> list[bytes]:
    return [json.dumps({"Name": DOCUMENT_NAME}).encode()] * count


def create_bodies(count: int, run: str) -> list[bytes]:
    return [
        json.dumps(
            {"Name": f"bench-{run}-{i}", "Content": document_content(str(i)), "DocumentType": "Command"}
        ).encode()
        for i in range(count)
    ]


def update_bodies(count: int, run: str) -> list[bytes]:
    """Each created document gets one new version (documents allow 1,000 versions each)."""
    return [
        json.dumps(
            {"Name": f"bench-{run}-{i}", "Content": document_content(f"{i}-v2"), "DocumentVersion": "$LATEST"}
        ).encode()
        for i in range(count)
    ]


@dataclass(frozen=True)
class Operation:
    name: str
    bodies: Callable[[int, str], list[bytes]]


OPERATIONS = (
    Operation("DescribeDocument", describe_bodies),
    Operation("CreateDocument", create_bodies),
    Operation("UpdateDocument", update_bodies),
)


@dataclass
class Row:
    operation: str
    openssm: loadgen.LoadResult
    moto: loadgen.LoadResult

    @property
    def ratio(self) -> float:
        return self.openssm.rate / self.moto.rate if self.moto.rate else float("inf")


def measure(
    server: OpenSsm | Moto,
    signers: Sequence[loadgen.Signer],
    operation: Operation,
    count: int,
    run: str,
    connections: int,
) -> loadgen.LoadResult:
    """Request i is signed by signers[i // PER_ACCOUNT] (describes: all by the first)."""
    bodies = operation.bodies(count, run)
    target = TARGET_PREFIX + operation.name
    if operation.name == "DescribeDocument":
        raw = loadgen.presign(server.host, target, bodies, signers[0])
    else:
        raw = []
        for start in range(0, count, PER_ACCOUNT):
            signer = signers[min(start // PER_ACCOUNT, len(signers) - 1)]
            raw += loadgen.presign(server.host, target, bodies[start : start + PER_ACCOUNT], signer)
    return loadgen.run("127.0.0.1", server.port, raw, connections=connections)


def warm_up(server: OpenSsm | Moto, signer: loadgen.Signer, connections: int) -> None:
    raw = loadgen.presign(server.host, TARGET_PREFIX + "DescribeDocument", describe_bodies(1, ""), signer)
    loadgen.run("127.0.0.1", server.port, raw, 500, connections=connections)


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Workdir(keep=args.keep)
    extra = principals(-(-args.requests // PER_ACCOUNT))
    openssm = OpenSsm(workdir.path / "openssm", *args.openssm_arg, db=args.db, principals=extra)
    moto = Moto(workdir.path)
    try:
        openssm.start()
        moto.start()
        time.sleep(2)  # let both settle (imports done, first GC) before reading the idle RSS
        idle_rss = rss_mb(openssm.pid)
        creds = openssm.credentials
        signers = {
            "openssm": [loadgen.Signer(creds["access_key_id"], creds["secret_access_key"])]
            + [loadgen.Signer(key, secret) for key, secret, _ in extra],
            "moto": [loadgen.Signer(Moto.access_key, Moto.secret_key)],
        }
        for server in (openssm, moto):
            server.client().create_document(
                Name=DOCUMENT_NAME, Content=document_content("base"), DocumentType="Command"
            )
        counts = {"openssm": args.requests, "moto": args.moto_requests}
        warm_up(openssm, signers["openssm"][0], args.connections)
        warm_up(moto, signers["moto"][0], args.connections)
        rows = []
        run = uuid.uuid4().hex[:8]
        for operation in OPERATIONS:
            results = {}
            for label, server in (("openssm", openssm), ("moto", moto)):
                profile = (
                    args.profile / f"{operation.name}.txt" if args.profile and label == "openssm" else None
                )
                with profiling.sampled(openssm.pid, profile) if profile else contextlib.nullcontext():
                    results[label] = measure(
                        server, signers[label], operation, counts[label], run, args.connections
                    )
                if profile:
                    print(profiling.report(profile, 30))
            rows.append(Row(operation.name, results["openssm"], results["moto"]))
            print_row(rows[-1])
        loaded_rss = rss_mb(openssm.pid)
        return {"rows": rows, "idle_rss": idle_rss, "loaded_rss": loaded_rss}
    finally:
        openssm.stop()
        moto.stop()
        workdir.close()


def print_row(row: Row) -> None:
    for label, result in (("openssm", row.openssm), ("moto", row.moto)):
        print(f"  {row.operation:17} {label:8} {result.line()}")
        if result.errors:
            print(f"      first error: {result.sample_error}")
    print(f"  {row.operation:17} openssm/moto = {row.ratio:.1f}x")


def summary(figures: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(figure, value, target, met) lines for run_all's table."""
    lines = []
    for row in figures["rows"]:
        lines.append(
            (
                f"{row.operation} req/s openssm (moto)",
                f"{row.openssm.rate:.0f} ({row.moto.rate:.0f}); p99 {row.openssm.p99:.1f} ms",
                ">= 10x moto" + (", >= 1,500" if row.operation == "DescribeDocument" else ""),
                row.ratio >= 10
                and (row.operation != "DescribeDocument" or row.openssm.rate >= 1500)
                and not row.openssm.errors,
            )
        )
    lines.append(("openssm idle RSS", f"{figures['idle_rss']:.0f} MB", "< 120 MB", figures["idle_rss"] < 120))
    lines.append(("openssm RSS after API load", f"{figures['loaded_rss']:.0f} MB", "-", True))
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000, help="requests per operation to openssm")
    parser.add_argument("--moto-requests", type=int, default=2_000, help="requests per operation to moto")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--db", default="", help="openssm database URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--openssm-arg", action="append", default=[], help="extra `openssm serve` argument (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: 3,000 / 300 requests")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    parser.add_argument("--profile", type=Path, help="py-spy openssm during each operation into DIR/<op>.txt")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.moto_requests = 3_000, 300
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"API throughput: {args.requests} requests/operation to openssm, {args.moto_requests} to moto, "
        f"{args.connections} connections, generator on {loadgen.install_uvloop()}"
    )
    figures = run_benchmark(args)
    print(f"  openssm RSS idle {figures['idle_rss']:.1f} MB, after load {figures['loaded_rss']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
