"""A minimal HTTP/1.1 client on asyncio protocols: one request in flight per keep-alive connection.

Fast enough to load a server from one core (no header objects, no URL parsing per request): a
request is its raw bytes, an answer is (status, body). Responses with Content-Length, chunked
bodies and close-delimited bodies are understood; a server that says `Connection: close` gets a
fresh connection for the next request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast


class HttpError(ConnectionError):
    """The connection broke or the answer was not HTTP."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


def build_request(host: str, headers: Iterable[tuple[str, str]], body: bytes, path: str = "/") -> bytes:
    """The raw bytes of `POST path` with `headers` (Host and Content-Length are added)."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers if name.lower() not in ("host", "content-length")]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _chunked_end(buffer: bytearray, start: int) -> tuple[int, bytes] | None:
    """(end offset, body) of a complete chunked body starting at `start`, or None if incomplete."""
    position = start
    parts: list[bytes] = []
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = int(bytes(buffer[position:line_end]).split(b";")[0], 16)
        position = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", position - 2)
            if trailer_end < 0:
                return None
            return trailer_end + 4, b"".join(parts)
        if len(buffer) < position + size + 2:
            return None
        parts.append(bytes(buffer[position : position + size]))
        position += size + 2


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.must_close = False
        self._head: tuple[int, int, int | None, bool] | None = None  # status, body start, length, chunked

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._complete(eof=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._complete(eof=True)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(HttpError(f"connection lost: {exc}"))

    def _parse_head(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = bytes(self.buffer[:end]).split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise HttpError(f"not an HTTP response: {lines[0]!r}")
        length: int | None = None
        chunked = False
        keep_alive = parts[0] == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep_alive = b"keep-alive" in value.lower()
        self.must_close = not keep_alive
        self._head = (int(parts[1]), end + 4, length, chunked)
        return True

    def _complete(self, *, eof: bool) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        try:
            if self._head is None and not self._parse_head():
                return
        except (HttpError, ValueError) as error:
            waiter.set_exception(HttpError(str(error)))
            return
        assert self._head is not None
        status, start, length, chunked = self._head
        if length is not None:
            if len(self.buffer) < start + length:
                return
            body = bytes(self.buffer[start : start + length])
            del self.buffer[: start + length]
        elif chunked:
            found = _chunked_end(self.buffer, start)
            if found is None:
                return
            end, body = found
            del self.buffer[:end]
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
            del self.buffer[:start]
        else:
            if not eof:
                return
            body = bytes(self.buffer[start:])
            self.buffer.clear()
            self.must_close = True
        self._head = None
        self.waiter = None
        waiter.set_result(Answer(status, body))


class Connection:
    """One keep-alive connection; `send` waits for the whole answer. Reconnects when needed."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._protocol: _Protocol | None = None

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(_Protocol, self.host, self.port)
        return protocol

    async def send(self, raw: bytes, timeout: float | None = None) -> Answer:
        protocol = self._protocol
        if protocol is None or protocol.closed or protocol.must_close:
            if protocol is not None and protocol.transport is not None:
                protocol.transport.close()
            protocol = self._protocol = await self._connect()
        assert protocol.transport is not None
        waiter: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        protocol.waiter = waiter
        protocol.transport.write(raw)
        try:
            if timeout is None:
                return await waiter
            return await asyncio.wait_for(waiter, timeout)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None


class ConnectionPool:
    """A fixed number of keep-alive connections shared by many tasks."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._idle: asyncio.Queue[Connection] = asyncio.Queue()
        self._all = [Connection(host, port) for _ in range(size)]
        for connection in self._all:
            self._idle.put_nowait(connection)

    async def send(self, raw: bytes, timeout: float | None = None) -> Answer:
        """Send on an idle connection; once more on a fresh one if a kept-alive connection turns
        out to be closed (the server drops idle connections after its keep-alive timeout)."""
        connection = await self._idle.get()
        try:
            try:
                return await connection.send(raw, timeout)
            except HttpError:
                return await connection.send(raw, timeout)
        finally:
            self._idle.put_nowait(connection)

    def close(self) -> None:
        for connection in self._all:
            connection.close()
