"""Run every openssm benchmark and print one summary table (`make bench`).

    python benchmarks/run_all.py            # full sizes (about 15 minutes)
    python benchmarks/run_all.py --quick    # small sizes (about 2 minutes)
    python benchmarks/run_all.py --only api_throughput --only alarm_reaction

Each benchmark also runs alone (`python benchmarks/<name>.py --help`). Figures depend on what
else the machine is doing: the load average at the start is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import alarm_reaction
import api_throughput
import loadgen
import node_swarm

Line = tuple[str, str, str, bool]


def generator_ceiling(quick: bool) -> list[Line]:
    total = 20_000 if quick else 100_000
    results = loadgen.self_test(total, 16, (1,))
    uvicorn = loadgen.self_test(total // 2, 16, (1,), uvicorn=True)
    return [
        ("load generator vs trivial server", f"{results[0][1].rate:.0f} req/s", "-", True),
        ("load generator vs minimal uvicorn app", f"{uvicorn[0][1].rate:.0f} req/s", "-", True),
    ]


def _api(quick: bool) -> list[Line]:
    args = api_throughput.parse_args(["--quick"] if quick else [])
    return api_throughput.summary(api_throughput.run_benchmark(args))


def _swarm(quick: bool) -> list[Line]:
    args = node_swarm.parse_args(["--quick"] if quick else [])
    return node_swarm.summary(node_swarm.run_benchmark(args))


def _alarm(quick: bool) -> list[Line]:
    args = alarm_reaction.parse_args(["--quick"] if quick else [])
    return alarm_reaction.summary(alarm_reaction.run_benchmark(args))


BENCHMARKS: dict[str, Callable[[bool], list[Line]]] = {
    "loadgen": generator_ceiling,
    "api_throughput": _api,
    "node_swarm": _swarm,
    "alarm_reaction": _alarm,
}


def table(rows: list[tuple[str, Line]]) -> str:
    header = ("benchmark", "figure", "measured", "target", "")
    cells = [header] + [
        (bench, name, value, target, "ok" if met else "MISSED") for bench, (name, value, target, met) in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes for a fast check")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    load: Any = os.getloadavg()
    started = time.monotonic()
    print(
        f"openssm benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        + (" (quick sizes)" if args.quick else "")
    )
    rows: list[tuple[str, Line]] = []
    for name in chosen:
        print(f"\n== {name}")
        for line in BENCHMARKS[name](args.quick):
            rows.append((name, line))
    print(f"\nSummary ({time.monotonic() - started:.0f} s)\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
