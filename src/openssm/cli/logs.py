"""Logging setup: readable text by default, one JSON object per line with `--log-format json`."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import time
from datetime import UTC, datetime

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class BatchingStreamHandler(logging.StreamHandler):
    """Writes every record at once into a buffer, but flushes it to the file descriptor at most
    every `interval` seconds (a daemon thread flushes what is left), and at once for warnings and
    above: a system call per request line would cost more than serving many requests."""

    def __init__(self, fd: int, interval: float = 0.25) -> None:
        super().__init__(open(fd, "w", buffering=1 << 16, closefd=False, encoding="utf-8"))  # noqa: SIM115
        self._interval = interval
        self._last_flush = time.monotonic()
        threading.Thread(target=self._flusher, name="log-flush", daemon=True).start()
        atexit.register(self.flush)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
            now = time.monotonic()
            if record.levelno >= logging.WARNING or now - self._last_flush >= self._interval:
                self._last_flush = now
                self.stream.flush()
        except Exception:
            self.handleError(record)

    def _flusher(self) -> None:
        while True:
            time.sleep(self._interval)
            self.acquire()
            try:
                self.stream.flush()
            except Exception:  # a stream closed at exit: nothing to report it to
                pass
            finally:
                self.release()


def configure(log_format: str, level: str) -> None:
    handler = BatchingStreamHandler(sys.stderr.fileno())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
