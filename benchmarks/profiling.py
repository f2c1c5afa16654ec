"""Sample a server process with py-spy while a benchmark phase runs, and summarize where the time
went (inclusive and self samples per function, per thread).

    with profiling.sampled(server_pid, "fanout.txt"):
        ...   # the phase
    print(profiling.report("fanout.txt"))

py-spy is a dev dependency (it needs ptrace: run as root or with CAP_SYS_PTRACE).
"""

from __future__ import annotations

import collections
import contextlib
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

_LINE = re.compile(r":\d+\)")


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed (pip install -e '.[dev]')")
    return found


@contextlib.contextmanager
def sampled(pid: int, output: Path, rate: int = 250) -> Iterator[None]:
    """py-spy samples `pid` (all threads, idle frames dropped) until the block ends."""
    log = output.with_suffix(".log")
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [
                _py_spy(),
                "record",
                "-p",
                str(pid),
                "-r",
                str(rate),
                "-f",
                "raw",
                "-o",
                str(output),
                "--threads",
                "--idle",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        if not output.exists():
            print(f"(py-spy wrote no profile; its log: {log})", file=sys.stderr)


def report(path: Path, top: int = 40) -> str:
    """The busiest functions (inclusive %, self %) and threads in a py-spy raw file."""
    if not path.exists():
        return f"(no profile at {path})"
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        threads[frames[0]] += count
        for frame in {_LINE.sub(")", f) for f in frames[1:]}:
            inclusive[frame] += count
        own[_LINE.sub(")", frames[-1])] += count
    if not total:
        return "(no samples)"
    lines = [f"{total} samples"]
    lines += [f"  thread {name}: {100 * n / total:.0f}%" for name, n in threads.most_common()]
    lines.append("inclusive:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("self:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top // 2)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 40))
