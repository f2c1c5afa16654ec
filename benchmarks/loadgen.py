"""Load generator: pre-signed AWS JSON requests over several keep-alive connections.

Requests are signed up front with botocore's own `SigV4Auth` (X-Amz-Date fixed at signing time, so
they stay valid for the 5 minutes of skew AWS allows), turned into raw HTTP bytes, and sent by
`connections` concurrent workers, each keeping one request in flight on its own connection. With
`processes > 1` the requests are split over that many forked processes (each with its own event
loop and connections). The figures: requests/s over the whole run, latency percentiles, errors.

    python benchmarks/loadgen.py --self-test      # the generator's own ceiling (trivial server)

On a 2-core machine one process with uvloop is the best choice: a second generator process takes
the server's core (measured by --self-test; see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from httpraw import Connection, HttpError, build_request


def install_uvloop() -> str:
    """Use uvloop when installed (it is, with uvicorn[standard]); returns the loop's name."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


@dataclass(frozen=True)
class Signer:
    """Who signs, for which service, where."""

    access_key: str
    secret_key: str
    region: str = "us-east-1"
    service: str = "ssm"
    session_token: str | None = None


@contextlib.contextmanager
def signing_time(when: datetime) -> Iterator[None]:
    """botocore signs with X-Amz-Date = `when` inside this block."""
    naive = when.astimezone(UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
        yield


def presign(
    endpoint_host: str,
    target: str,
    bodies: Sequence[bytes],
    signer: Signer,
    *,
    content_type: str = "application/x-amz-json-1.1",
    when: datetime | None = None,
) -> list[bytes]:
    """Sign one `POST /` per body with botocore's SigV4Auth at one fixed instant."""
    auth = SigV4Auth(
        Credentials(signer.access_key, signer.secret_key, signer.session_token), signer.service, signer.region
    )
    url = f"http://{endpoint_host}/"
    raw: list[bytes] = []
    with signing_time(when or datetime.now(UTC)):
        for body in bodies:
            request = AWSRequest(
                method="POST",
                url=url,
                data=body,
                headers={"X-Amz-Target": target, "Content-Type": content_type},
            )
            auth.add_auth(request)
            raw.append(build_request(endpoint_host, request.headers.items(), body))
    return raw


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    sample_error: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency in ms at quantile q (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def merge(self, other: LoadResult) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.latencies += other.latencies
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.sample_error = self.sample_error or other.sample_error

    def line(self) -> str:
        return (
            f"{self.rate:9.0f} req/s  p50 {self.p50:7.2f} ms  p99 {self.p99:7.2f} ms  "
            f"errors {self.errors}/{self.requests}"
        )


async def _send_all(
    host: str, port: int, requests: Sequence[bytes], total: int, connections: int, offset: int = 0
) -> tuple[LoadResult, float, float]:
    result = LoadResult()
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        connection = Connection(host, port)
        clock = time.perf_counter
        try:
            while next_index < total:
                index = next_index
                next_index += 1
                raw = requests[(offset + index) % len(requests)]
                started = clock()
                try:
                    answer = await connection.send(raw, timeout=60)
                except (HttpError, OSError, TimeoutError) as error:
                    result.errors += 1
                    result.statuses[0] = result.statuses.get(0, 0) + 1
                    result.sample_error = result.sample_error or f"{type(error).__name__}: {error}"
                    continue
                result.latencies.append(clock() - started)
                result.statuses[answer.status] = result.statuses.get(answer.status, 0) + 1
                if answer.status >= 400:
                    result.errors += 1
                    result.sample_error = result.sample_error or f"{answer.status} {answer.body[:300]!r}"
        finally:
            connection.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    finished = time.monotonic()
    result.requests = total
    result.seconds = finished - started
    return result, started, finished


async def run_async(
    host: str, port: int, requests: Sequence[bytes], total: int | None = None, *, connections: int = 16
) -> LoadResult:
    """`run` inside a running event loop (one process)."""
    total = len(requests) if total is None else total
    result, _, _ = await _send_all(host, port, requests, total, connections)
    return result


def _child(
    host: str,
    port: int,
    requests: Sequence[bytes],
    total: int,
    connections: int,
    offset: int,
    barrier: multiprocessing.synchronize.Barrier,
    out: multiprocessing.connection.Connection,
) -> None:
    install_uvloop()
    barrier.wait()
    result, started, finished = asyncio.run(_send_all(host, port, requests, total, connections, offset))
    out.send((result, started, finished))
    out.close()


def run(
    host: str,
    port: int,
    requests: Sequence[bytes],
    total: int | None = None,
    *,
    connections: int = 16,
    processes: int = 1,
) -> LoadResult:
    """Send `total` requests (default: each once; `requests` are reused in a cycle when `total`
    is larger, which suits reads) over `connections` connections per process."""
    total = len(requests) if total is None else total
    if processes <= 1:
        install_uvloop()
        result, _, _ = asyncio.run(_send_all(host, port, requests, total, connections))
        return result
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    share = total // processes
    children = []
    pipes = []
    for index in range(processes):
        count = share + (total - share * processes if index == processes - 1 else 0)
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_child, args=(host, port, requests, count, connections, index * share, barrier, send)
        )
        process.start()
        send.close()
        children.append(process)
        pipes.append(receive)
    merged = LoadResult()
    starts: list[float] = []
    ends: list[float] = []
    for pipe in pipes:
        part, started, finished = pipe.recv()
        merged.merge(part)
        starts.append(started)
        ends.append(finished)
    for process in children:
        process.join()
    merged.requests = total
    merged.seconds = max(ends) - min(starts)
    return merged


# -- self test: the generator against a server that does nothing ----------------------------------

_CANNED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
    b"x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\nContent-Length: 2\r\n\r\n{}"
)


class _TrivialServer(asyncio.Protocol):
    """Answers every request (Content-Length bodies) with a canned 200 `{}`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            start = head.find(b"content-length:")
            length = int(head[start + 15 :].split(b"\r\n", 1)[0]) if start >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            self.transport.write(_CANNED)


def _serve_trivial(port: int, ready: multiprocessing.synchronize.Event) -> None:
    install_uvloop()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_TrivialServer, "127.0.0.1", port)
        ready.set()
        await server.serve_forever()

    asyncio.run(main())


def start_trivial_server(port: int) -> multiprocessing.process.BaseProcess:
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    process = context.Process(target=_serve_trivial, args=(port, ready), daemon=True)
    process.start()
    ready.wait(10)
    return process


async def _minimal_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest uvicorn app that reads the body and answers `{}` (DESIGN.md's 9,300 req/s)."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/x-amz-json-1.1"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def _serve_uvicorn(port: int) -> None:
    import uvicorn

    uvicorn.run(_minimal_asgi, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_minimal_uvicorn(port: int) -> multiprocessing.process.BaseProcess:
    from servers import wait_listening

    process = multiprocessing.get_context("fork").Process(target=_serve_uvicorn, args=(port,), daemon=True)
    process.start()
    wait_listening(port)
    return process


def self_test(
    total: int, connections: int, processes: Sequence[int], *, uvicorn: bool = False
) -> list[tuple[int, LoadResult]]:
    """The generator's ceiling: signed DescribeDocument requests against the trivial server (or,
    with `uvicorn`, a minimal uvicorn app: the fastest a uvicorn-based server can be)."""
    from servers import free_port

    port = free_port()
    server = start_minimal_uvicorn(port) if uvicorn else start_trivial_server(port)
    try:
        host = f"127.0.0.1:{port}"
        body = b'{"Name": "AWS-RunShellScript"}'
        requests = presign(host, "AmazonSSM.DescribeDocument", [body] * 64, Signer("AKIDEXAMPLE", "secret"))
        run("127.0.0.1", port, requests, 2000, connections=connections)  # warm up
        return [
            (count, run("127.0.0.1", port, requests, total, connections=connections, processes=count))
            for count in processes
        ]
    finally:
        server.terminate()
        server.join()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Pre-signed AWS JSON load generator. With --self-test: measure the generator's own "
        "ceiling against a trivial server in a subprocess (canned 200 answers), for 1 and 2 generator "
        "processes, so a benchmark can show that the generator is not its bottleneck."
    )
    parser.add_argument("--self-test", action="store_true", help="measure the generator's ceiling (default)")
    parser.add_argument("--requests", type=int, default=100_000, help="requests per measurement")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections per process")
    parser.add_argument("--quick", action="store_true", help="20,000 requests")
    args = parser.parse_args(argv)
    total = 20_000 if args.quick else args.requests
    print(
        f"load generator self-test: {total} signed requests, {args.connections} connections/process, "
        f"{install_uvloop()}"
    )
    for processes, result in self_test(total, args.connections, (1, 2)):
        print(f"  trivial asyncio server, {processes} generator process(es): {result.line()}")
    for processes, result in self_test(total, args.connections, (1, 2), uvicorn=True):
        print(f"  minimal uvicorn app,    {processes} generator process(es): {result.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
