"""The executed-command journal: a command id journaled as started is never run again.

An append-only JSON-lines file, fsynced before a command starts, so the guarantee survives an
agent restart or a crash. On load, entries older than the retention are dropped and the file is
rewritten. A command that was started but never finished was interrupted by an agent restart: the
worker reports it as Failed instead of running it again (the official agent would resume it).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from openssm.agent.state import write_private

log = logging.getLogger(__name__)


class JournalState(StrEnum):
    STARTED = "started"
    FINISHED = "finished"


@dataclass(frozen=True)
class JournalEntry:
    command_id: str
    message_id: str
    state: JournalState
    at: float


class CommandJournal:
    """Thread-safe; one instance per state directory."""

    def __init__(self, path: Path, *, retention: float, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self.retention = retention
        self.now = now
        self._lock = threading.Lock()
        self._entries: dict[str, JournalEntry] = {}
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            lines = []
        cutoff = self.now() - self.retention
        for line in lines:
            try:
                raw = json.loads(line)
                entry = JournalEntry(
                    str(raw["command_id"]),
                    str(raw["message_id"]),
                    JournalState(raw["state"]),
                    float(raw["at"]),
                )
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring an unreadable journal line: %r", line[:200])
                continue
            if entry.at >= cutoff:
                self._entries[entry.command_id] = entry
        self._rewrite()

    def _rewrite(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = "".join(self._line(entry) for entry in self._entries.values())
        write_private(self.path, body.encode())

    @staticmethod
    def _line(entry: JournalEntry) -> str:
        return json.dumps(asdict(entry), separators=(",", ":")) + "\n"

    def _append(self, entry: JournalEntry) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, self._line(entry).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        self._entries[entry.command_id] = entry

    def start(self, command_id: str, message_id: str) -> bool:
        """Journal a command as started; False (and nothing written) if it was seen before."""
        with self._lock:
            if command_id in self._entries:
                return False
            self._append(JournalEntry(command_id, message_id, JournalState.STARTED, self.now()))
            return True

    def finish(self, command_id: str, message_id: str) -> None:
        with self._lock:
            current = self._entries.get(command_id)
            if current is not None and current.state is JournalState.FINISHED:
                return
            self._append(JournalEntry(command_id, message_id, JournalState.FINISHED, self.now()))

    def state(self, command_id: str) -> JournalState | None:
        with self._lock:
            entry = self._entries.get(command_id)
            return entry.state if entry else None

    def unfinished(self) -> list[JournalEntry]:
        with self._lock:
            return [e for e in self._entries.values() if e.state is JournalState.STARTED]
