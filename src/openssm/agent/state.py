"""The agent's state directory: registration, private key, and where the journal and spool live.

Layout (directory mode 0700):
    registration.json   instance id, server URL, region, fingerprint, registration time
    private-key.pem     the node's RSA key, PKCS#8 PEM, mode 0600
    journal.jsonl       command ids started/finished (see journal.py)
    replies/            replies not yet delivered (see spool.py)
    commands/           per-command scratch directories (scripts), removed after each run
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path


def default_state_dir() -> Path:
    """`/var/lib/openssm-agent` for root, else `$XDG_STATE_HOME/openssm-agent` or
    `~/.local/state/openssm-agent`."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/openssm-agent")
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "openssm-agent"


@dataclass(frozen=True)
class Registration:
    """What RegisterManagedInstance established."""

    instance_id: str
    server_url: str
    region: str
    fingerprint: str
    registered_at: str
    ca_file: str | None = None
    """CA bundle given at registration; `agent run` uses it unless told otherwise."""


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a file atomically (temporary file, fsync, rename) with the given mode from the start."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateDir:
    """Paths and files of one agent's state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def registration_file(self) -> Path:
        return self.root / "registration.json"

    @property
    def private_key_file(self) -> Path:
        return self.root / "private-key.pem"

    @property
    def journal_file(self) -> Path:
        return self.root / "journal.jsonl"

    @property
    def replies_dir(self) -> Path:
        return self.root / "replies"

    @property
    def commands_dir(self) -> Path:
        return self.root / "commands"

    def ensure(self) -> None:
        """Create the directory tree with owner-only permissions."""
        for directory in (self.root, self.replies_dir, self.commands_dir):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(directory, 0o700)

    def load_registration(self) -> Registration | None:
        try:
            data = json.loads(self.registration_file.read_text())
        except FileNotFoundError:
            return None
        return Registration(
            instance_id=str(data["instance_id"]),
            server_url=str(data["server_url"]),
            region=str(data["region"]),
            fingerprint=str(data["fingerprint"]),
            registered_at=str(data.get("registered_at", "")),
            ca_file=data.get("ca_file") or None,
        )

    def save_registration(self, registration: Registration) -> None:
        self.ensure()
        body = json.dumps(asdict(registration), indent=2) + "\n"
        write_private(self.registration_file, body.encode())

    def load_private_key_pem(self) -> bytes:
        return self.private_key_file.read_bytes()

    def save_private_key_pem(self, pem: bytes) -> None:
        self.ensure()
        write_private(self.private_key_file, pem)
